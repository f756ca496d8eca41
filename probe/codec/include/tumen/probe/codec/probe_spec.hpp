#pragma once
/// @file
/// What a probe is: the method, the flow it belongs to and its identity. Pure data.
#include <cstdint>
#include <optional>
#include <string_view>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/method.hpp>

namespace tumen::probe::codec {

/// Probe methods: the one enum of common/method.hpp (names and parsing live there). The
/// codec builds and matches the traceroute methods; `ping` probes are ICMP echo requests
/// like icmp-paris.
using method = tumen::method;
using tumen::parse_method;
using tumen::to_string;

/// IP protocol number of a method's probes (17, 1 or 6; 1 for ping).
std::uint8_t ip_protocol(method m) noexcept;

/// Default ports, as traceroute and scamper use them.
inline constexpr std::uint16_t default_udp_dst_port = 33435;
inline constexpr std::uint16_t default_tcp_dst_port = 80;
/// The flow id (`--flow N`) is added to this to form the source port / ICMP identifier
/// base; an engine may xor in a per-process value so that two processes do not collide.
inline constexpr std::uint16_t default_src_port_base = 33434;

/// The destination port a method uses when the campaign does not name one:
/// default_tcp_dst_port for tcp-syn, default_udp_dst_port otherwise (unused by icmp-paris).
/// probe_spec's own default is the UDP one, so an engine building tcp-syn probes must set
/// `dst_port` itself (e.g. from this function).
std::uint16_t default_dst_port(method m) noexcept;

/// Everything needed to build one probe packet.
struct probe_spec {
    // Narrow fields first: 24 bytes, not 32 (the engine keeps one per outstanding probe).
    method kind = method::udp_paris;
    std::uint8_t ttl = 1;
    std::uint16_t src_port = default_src_port_base; ///< UDP/TCP source port; ICMP identifier
    std::uint16_t dst_port = default_udp_dst_port;  ///< UDP/TCP destination port (udp: base)
    std::uint16_t ident = 0;  ///< probe identity, unique among a flow's outstanding probes
                              ///< (keyed, probe_ident.hpp; classic udp: the port offset)
    std::uint16_t ip_id = 0;  ///< IPv4 identification field (keyed: probe_ident.hpp)
    std::uint16_t length = 0; ///< total IP length in bytes; 0 = the method's default
                              ///< (see default_length() in probe_builder.hpp)
    ipv4_addr src;            ///< must be set: checksums (and so the Paris flow) depend on it
    ipv4_addr dst;
    std::uint32_t tag = 0; ///< keyed bits carried besides ident and ip_id (probe_ident.hpp):
                           ///< in the payload (udp-paris, udp, icmp-paris, ping; see
                           ///< carries_payload_tag()) or the TCP sequence's upper half
};

/// The fields a load balancer may hash; identical for every probe of a Paris trace.
struct flow_key {
    ipv4_addr src;
    ipv4_addr dst;
    std::uint8_t protocol = 0;
    std::uint16_t src_port = 0;    ///< UDP/TCP source port, ICMP: type<<8|code
    std::uint16_t dst_port = 0;    ///< UDP/TCP destination port, ICMP: identifier
    std::uint16_t l4_checksum = 0; ///< ICMP checksum (hashed by some routers); 0 for UDP/TCP
    friend bool operator==(const flow_key&, const flow_key&) = default;
};

} // namespace tumen::probe::codec
