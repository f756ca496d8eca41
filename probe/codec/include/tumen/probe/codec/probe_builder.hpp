#pragma once
/// @file
/// Probe builders: probe_spec -> IPv4 packet bytes. No sockets, no clock.
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include <tumen/probe/codec/probe_spec.hpp>

namespace tumen::probe::codec {

/// Builds the complete IPv4 packet (header + L4 + payload) for `spec` into `out`
/// (cleared first). Errors (std::errc::invalid_argument) for an unset source address,
/// TTL 0, or a length too small for the method's header and identity payload.
std::error_code build_probe(const probe_spec& spec, std::vector<std::uint8_t>& out);

/// The flow fields of a built probe packet, read back from its bytes (for asserting the
/// Paris invariant: every probe of a trace must give the same key). nullopt if malformed.
std::optional<flow_key> flow_of(std::span<const std::uint8_t> ip_packet) noexcept;

/// The flow key the builder will produce for `spec` (without building it).
flow_key flow_of(const probe_spec& spec) noexcept;

} // namespace tumen::probe::codec
