#pragma once
/// @file
/// Probe builders: probe_spec -> IPv4 packet bytes. No sockets, no clock.
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
// zero bytes, except for the 2 "compensation" bytes described below.
//
// Identity encodings (what key_of() decodes and check() verifies):
//  - udp-paris: UDP checksum = udp_paris_checksum(ident) = ident + 1, so it is never 0
//    (RFC 768: a zero checksum means "no checksum"); ident 0xffff is therefore rejected.
//    The first 2 payload bytes (IP offset 28) are chosen so that the RFC 1071 sum gives that
//    checksum (as Paris traceroute does). Ports, addresses and protocol never change.
//  - icmp-paris: echo request, identifier = spec.src_port, sequence = ident, first 2 payload
//    bytes (IP offset 28) = ~ident, so sequence + payload word is 0xffff for every ident and
//    the ICMP checksum (icmp_paris_checksum(identifier)) is constant for the whole trace.
//  - tcp-syn: SYN with sequence number tcp_syn_sequence(ident) = ident (upper 16 bits 0),
//    ack 0, window 65535, no options. The TCP checksum varies with the sequence number, which
//    is harmless for flow stability: load balancers hash the addresses, the protocol and the
//    first 4 octets of the transport header (ports for TCP/UDP; type, code and checksum for
//    ICMP), per Augustin et al., "Avoiding traceroute anomalies with Paris traceroute"
//    (IMC 2006). A SYN-ACK or RST answers with ack = ident + 1.
//  - udp (classic traceroute): destination port = spec.dst_port + ident (must stay <= 65535),
//    normal UDP checksum (a computed 0 is sent as 0xffff, RFC 768).

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

/// The IP identification an engine should give a udp-paris probe (the expected UDP checksum,
/// as dublin-traceroute does): a NAT that rewrites the probe's address or port also rewrites
/// the UDP checksum, and the untouched IP id then still identifies the probe, so check()
/// matches the quote and flags the NAT. With any other IP id such quotes are not matched.
constexpr std::uint16_t udp_paris_ip_id(std::uint16_t ident) noexcept {
    return udp_paris_checksum(ident);
}

/// The constant ICMP checksum of every icmp-paris probe with this echo identifier.
std::uint16_t icmp_paris_checksum(std::uint16_t identifier) noexcept;

/// The TCP sequence number of a tcp-syn probe with identity `ident`.
constexpr std::uint32_t tcp_syn_sequence(std::uint16_t ident) noexcept {
    return ident;
}

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
