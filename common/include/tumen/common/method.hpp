#pragma once
/// @file
/// The probing methods, named once for the campaign model, the work items sent to agents
/// and the probe codec. The Paris methods keep every field that routers hash for load
/// balancing (addresses, protocol, ports / ICMP type+code+checksum+id) constant for the
/// whole trace.
#include <cstdint>
#include <optional>
#include <string_view>

namespace tumen {

/// A probing method. Traceroute methods send TTL-limited probes; `ping` sends ICMP echo
/// requests to the target for end-to-end latency.
enum class method : std::uint8_t {
    udp_paris,  ///< fixed 5-tuple; identity in the UDP checksum (payload adjusted)
    icmp_paris, ///< echo request; identity in the sequence number, checksum kept constant
                ///< by compensating in the payload
    tcp_syn,    ///< fixed ports to `tcp_port`; identity in the TCP sequence number
    udp,        ///< classic traceroute: destination port = base port + identity
    ping,       ///< ICMP echo ping of the target (latency only)
};

/// "udp-paris", "icmp-paris", "tcp-syn", "udp", "ping" ("unknown" for other values).
const char* to_string(method m) noexcept;
/// Inverse of to_string(method); nullopt for unknown names.
std::optional<method> parse_method(std::string_view text) noexcept;
/// True for the traceroute methods (every method but `ping`).
constexpr bool is_traceroute(method m) noexcept {
    return m != method::ping;
}

} // namespace tumen
