#pragma once
/// @file
/// Keyed probe identities. Every probe carries bits that only the run that sent it can
/// predict: SipHash-2-4 under a secret drawn once per run (the engine takes it from
/// getrandom(2)) over the probe's flow, its TTL and an attempt counter. The 64-bit output
/// gives the ident (the table's lookup index, in the UDP checksum, the echo sequence or the
/// low half of the TCP sequence), the IP identification and a 32-bit tag (payload or the
/// TCP sequence's upper half); codec::check() accepts a reply only when every keyed bit it
/// quotes or echoes matches. docs/probe.md "Spoofed replies" counts the bits per method.
#include <cstdint>

#include <tumen/probe/codec/probe_spec.hpp>
#include <tumen/probe/codec/siphash.hpp>

namespace tumen::probe::codec {

/// The keyed fields of one probe.
struct keyed_ident {
    std::uint16_t ident = 0;
    std::uint16_t ip_id = 0;
    std::uint32_t tag = 0;
    friend bool operator==(const keyed_ident&, const keyed_ident&) = default;
};

/// The keyed fields for a probe of `spec`'s method, addresses, ports (src_port, dst_port as
/// the campaign gives them) and TTL, at `attempt` (a counter the caller never repeats within
/// a run, so that retries and later probes of one TTL differ). Bits 0-15 of the SipHash
/// output are the ident, 16-31 the IP id, 32-63 the tag. The message is the 22 bytes:
/// method, source, destination, source port, destination port, TTL (big-endian), then
/// `attempt` (little-endian 64 bits).
keyed_ident derive_ident(const siphash_key& key, const probe_spec& spec,
                         std::uint64_t attempt) noexcept;

/// Copies `k` into `spec`: ip_id and tag always; ident except for classic udp, whose ident
/// is the destination port offset that the caller chooses.
void apply_ident(probe_spec& spec, const keyed_ident& k) noexcept;

} // namespace tumen::probe::codec
