#pragma once
/// @file
/// A flow's probe template: the bytes every probe of one flow shares, built once from
/// libtins PDUs (Tins::IP over Tins::UDP, Tins::ICMP or Tins::TCP, and a zero payload) and
/// serialised once; fill() then writes one probe by patching only what varies per probe.
#include <cstdint>
#include <span>
#include <system_error>
#include <vector>

#include <tumen/probe/codec/probe_spec.hpp>

namespace tumen::probe::codec {

/// The shared bytes of a flow's probes (build_probe() layout, probe_builder.hpp).
class probe_template {
public:
    /// Builds the template of `flow`'s probes: its method, addresses, ports and length
    /// (0 = default) count; TTL, identity, IP id and tag do not. Errors
    /// (std::errc::invalid_argument) as build_probe() for the flow's fields.
    static std::error_code make(const probe_spec& flow, probe_template& out);

    /// Writes the probe `spec` (same method, ports and length as the template; any source and
    /// destination) into `out`: the template's bytes, then the addresses, TTL, IP id,
    /// identity, tag, compensation word and checksums patched by hand. Errors as build_probe() for
    /// the per-probe fields; `out` empty on error.
    std::error_code fill(const probe_spec& spec, std::vector<std::uint8_t>& out) const;

    /// The template bytes (per-probe fields and checksums zero).
    std::span<const std::uint8_t> bytes() const noexcept { return bytes_; }

private:
    std::vector<std::uint8_t> bytes_;
    method kind_ = method::udp_paris;
};

} // namespace tumen::probe::codec
