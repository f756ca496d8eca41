#pragma once
/// @file
/// IPv4 addresses and prefixes as plain values (host byte order), with parsing that reports
/// errors instead of throwing. Used by the probe codec, the AS map and the campaign model.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tumen {

/// An IPv4 address in host byte order.
struct ipv4_addr {
    std::uint32_t value = 0;

    constexpr ipv4_addr() = default;
    constexpr explicit ipv4_addr(std::uint32_t v)
        : value(v) {}
    constexpr ipv4_addr(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
        : value((std::uint32_t{a} << 24) | (std::uint32_t{b} << 16) | (std::uint32_t{c} << 8) | d) {
    }

    /// Parses dotted-quad text ("192.0.2.1"); nullopt on anything else (no leading zeros
    /// ambiguity: "01.2.3.4" is rejected, as inet_pton does).
    static std::optional<ipv4_addr> parse(std::string_view text) noexcept;

    /// Dotted-quad text.
    std::string to_string() const;

    /// Network byte order, as it goes on the wire.
    constexpr std::uint32_t to_network() const noexcept {
        return ((value & 0xffu) << 24) | ((value & 0xff00u) << 8) | ((value >> 8) & 0xff00u) |
               (value >> 24);
    }

    friend constexpr auto operator<=>(ipv4_addr, ipv4_addr) = default;
};

/// An IPv4 prefix; the address is always stored with host bits cleared.
struct ipv4_prefix {
    ipv4_addr network;
    std::uint8_t length = 0;

    constexpr ipv4_prefix() = default;
    constexpr ipv4_prefix(ipv4_addr addr, std::uint8_t len)
        : network(ipv4_addr{len == 0 ? 0u : (addr.value & (~0u << (32 - len)))})
        , length(len > 32 ? 32 : len) {}

    /// Parses "198.18.0.0/15" (or a bare address as /32). Rejects host bits set only when
    /// `strict` is true; otherwise they are cleared.
    static std::optional<ipv4_prefix> parse(std::string_view text, bool strict = false) noexcept;

    std::string to_string() const;

    constexpr std::uint32_t mask() const noexcept {
        return length == 0 ? 0u : (~0u << (32 - length));
    }
    constexpr bool contains(ipv4_addr a) const noexcept {
        return (a.value & mask()) == network.value;
    }
    constexpr bool contains(const ipv4_prefix& p) const noexcept {
        return p.length >= length && contains(p.network);
    }
    /// Number of addresses covered (2^(32-length)).
    constexpr std::uint64_t size() const noexcept { return std::uint64_t{1} << (32 - length); }
    /// The i-th address inside the prefix (i < size()).
    constexpr ipv4_addr at(std::uint64_t i) const noexcept {
        return ipv4_addr{network.value + static_cast<std::uint32_t>(i)};
    }

    friend constexpr auto operator<=>(const ipv4_prefix&, const ipv4_prefix&) = default;
};

} // namespace tumen
