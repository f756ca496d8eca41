#pragma once
/// @file
/// Stripping the capture link layer: libpcap DLT + frame bytes -> the IPv4 packet inside.
#include <cstdint>
#include <optional>
#include <span>

namespace tumen::probe::engine {

/// Direction the link layer reports, when it reports one (Linux cooked headers do).
enum class link_direction : std::uint8_t { unknown, incoming, outgoing };

/// An IPv4 packet found in a captured frame.
struct link_payload {
    std::span<const std::uint8_t> ip;
    link_direction direction = link_direction::unknown;
};

/// Returns the IPv4 packet carried by `frame` for the link types the engine supports:
/// DLT_EN10MB (Ethernet II, with up to two 802.1Q/802.1ad tags), DLT_LINUX_SLL and
/// DLT_LINUX_SLL2 (the "any" device), DLT_RAW / DLT_IPV4 (no link header) and DLT_NULL /
/// DLT_LOOP. nullopt for other link types, non-IPv4 frames and truncated headers.
std::optional<link_payload> ipv4_payload(int dlt, std::span<const std::uint8_t> frame) noexcept;

/// True when ipv4_payload() understands `dlt`.
bool supported_link_type(int dlt) noexcept;

} // namespace tumen::probe::engine
