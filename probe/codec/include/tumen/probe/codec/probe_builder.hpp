#pragma once
/// @file
/// Probe builders: probe_spec -> IPv4 packet bytes. No sockets, no clock.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include <tumen/probe/codec/probe_spec.hpp>

namespace tumen::probe::codec {

// Packet layout (every method): a 20-byte IPv4 header without options, TOS 0, DF clear,
// identification = spec.ip_id, TTL = spec.ttl, source = spec.src (set before any checksum is
// computed, since the UDP/TCP pseudo-header includes it), then the L4 header and a payload of
// zero bytes, except for the 2 "compensation" bytes and the 4-byte tag described below.
//
// Identity encodings (what key_of() decodes and check() verifies). `ident` is the lookup
// index (unique among a flow's outstanding probes); `ip_id` and `tag` are further keyed bits
// that check() compares so that a blind spoofer must guess them too (probe_ident.hpp,
// docs/probe.md "Spoofed replies"). The IP identification is spec.ip_id for every method.
//  - udp-paris: UDP checksum = udp_paris_checksum(ident) = ident + 1, so it is never 0
//    (RFC 768: a zero checksum means "no checksum"); ident 0xffff is therefore rejected.
//    The first 2 payload bytes (IP offset 28) are chosen so that the RFC 1071 sum gives that
//    checksum (as Paris traceroute does); the tag follows at IP offset 30 (payload_tag_offset)
//    when the probe is long enough. Ports, addresses and protocol never change.
//  - icmp-paris: echo request, identifier = spec.src_port, sequence = ident, tag at IP offset
//    30, and the first 2 payload bytes (IP offset 28) = ~(ident + tag words) (one's
//    complement), so sequence + payload always sums to 0xffff and the ICMP checksum
//    (icmp_paris_checksum(identifier)) is constant for the whole trace.
//  - tcp-syn: SYN with sequence number tcp_syn_sequence(ident, tag) = upper 16 bits of the tag,
//    lower 16 bits the ident; ack 0, window 65535, no options. The TCP checksum varies with
//    the sequence number, which is harmless for flow stability: load balancers hash the
//    addresses, the protocol and the first 4 octets of the transport header (ports for
//    TCP/UDP; type, code and checksum for ICMP), per Augustin et al., "Avoiding traceroute
//    anomalies with Paris traceroute" (IMC 2006). A SYN-ACK or RST answers with
//    ack = sequence + 1.
//  - udp (classic traceroute): destination port = spec.dst_port + ident (must stay <= 65535),
//    tag at IP offset 30, normal UDP checksum (a computed 0 is sent as 0xffff, RFC 768), which
//    the tag makes keyed as well (udp_checksum()).

/// IP offset of the 4-byte tag in the payload of UDP and ICMP echo probes (after the 8-byte
/// L4 header and the 2-byte compensation word).
inline constexpr std::size_t payload_tag_offset = 30;

/// True when a probe of `spec` carries its tag in the payload: UDP and ICMP methods whose
/// total length (0 = default) reaches payload_tag_offset + 4 (34 bytes).
bool carries_payload_tag(const probe_spec& spec) noexcept;

/// Default total IP length: 44 bytes (20 IP + 8 UDP/ICMP + 16 payload) for udp-paris,
/// icmp-paris and udp; 40 bytes (20 IP + 20 TCP, no payload) for tcp-syn.
std::uint16_t default_length(method m) noexcept;

/// Smallest total IP length the builder accepts: 30 for udp-paris and icmp-paris (they need
/// 2 payload bytes for the compensation word), 28 for udp, 40 for tcp-syn. A tcp-syn probe
/// longer than 40 bytes carries zero payload bytes.
std::uint16_t min_length(method m) noexcept;

/// Largest identity a method can encode (0xfffe for udp-paris, 0xffff otherwise; classic
/// udp is further limited by dst_port + ident <= 65535).
inline constexpr std::uint16_t max_udp_paris_ident = 0xfffe;

/// The UDP checksum a udp-paris probe with identity `ident` carries (ident + 1, never 0).
constexpr std::uint16_t udp_paris_checksum(std::uint16_t ident) noexcept {
    return static_cast<std::uint16_t>(ident + 1u);
}

/// The constant ICMP checksum of every icmp-paris probe with this echo identifier.
std::uint16_t icmp_paris_checksum(std::uint16_t identifier) noexcept;

/// The TCP sequence number of a tcp-syn probe with identity `ident` and tag `tag`: the tag's
/// upper 16 bits above the ident, so all 32 bits are keyed (RFC 9293 section 3.4: the ack of
/// a SYN-ACK or RST to it is this + 1).
constexpr std::uint32_t tcp_syn_sequence(std::uint16_t ident, std::uint32_t tag = 0) noexcept {
    return (tag & 0xffff0000u) | ident;
}

/// The UDP checksum field a classic udp probe of `spec` carries (as build_probe() writes it),
/// computed without building the packet. Unused for the other methods.
std::uint16_t udp_checksum(const probe_spec& spec) noexcept;

/// Builds the complete IPv4 packet (header + L4 + payload) for `spec` into `out`
/// (cleared first). Errors (std::errc::invalid_argument) for an unset source or destination
/// address, TTL 0, a length below min_length(), an identity the method cannot encode
/// (udp-paris: 0xffff; udp: dst_port + ident > 65535). `out` is empty on error.
std::error_code build_probe(const probe_spec& spec, std::vector<std::uint8_t>& out);

/// The flow fields of a built probe packet, read back from its bytes (for asserting the
/// Paris invariant: every probe of a trace must give the same key). nullopt if malformed.
std::optional<flow_key> flow_of(std::span<const std::uint8_t> ip_packet) noexcept;

/// The flow key the builder will produce for `spec` (without building it).
flow_key flow_of(const probe_spec& spec) noexcept;

} // namespace tumen::probe::codec
