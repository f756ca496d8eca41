#pragma once
/// @file
/// The text output of `tumen-probe trace` and `ping`, in the style of traceroute(8) and
/// ping(8) (the JSON output is common/result_json).
/// The format is documented in docs/probe.md.
#include <cstdint>
#include <string>

#include <tumen/common/result.hpp>

namespace tumen::probe::tool {

/// "traceroute to DST (DST) from SRC, METHOD, flow N, max M hops" (no newline).
std::string format_trace_header(const result::trace& t, std::uint8_t max_ttl);
/// One line per hop: ` 3  198.18.48.1  20.123 ms  *  [MPLS: L=16 E=0 S=1 TTL=1]`; a new
/// address within the hop is printed before its RTT; `!` and the Atlas `err` follow
/// unreachable RTTs, `!NAT` marks a rewritten quote. No trailing newline on the last line.
std::string format_trace_hops(const result::trace& t);
/// Header, hops and a final "stop: REASON" line, each ending in a newline.
std::string format_trace_text(const result::trace& t, std::uint8_t max_ttl);

/// Summary statistics of a ping series (RTTs in ms, as ping(8): stddev = mdev, the
/// population standard deviation).
struct ping_summary {
    std::uint32_t sent = 0;
    std::uint32_t received = 0;
    double loss_percent = 0;
    double min_ms = 0;
    double avg_ms = 0;
    double max_ms = 0;
    double stddev_ms = 0;
};
ping_summary summarize(const result::ping& p);

/// "--- DST ping (METHOD) ---\nN sent, M received, L% loss\nrtt min/avg/max/stddev = ... ms\n"
/// (the rtt line only when something was received).
std::string format_ping_text(const result::ping& p);

} // namespace tumen::probe::tool
