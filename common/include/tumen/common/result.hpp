#pragma once
/// @file
/// The measurement result model shared by the probe (which writes it) and the controller
/// (which reads it from tumen agents, RIPE Atlas files and scamper files). The JSON form is
/// compatible with RIPE Atlas traceroute/ping results plus tumen fields (`id`, `agent`,
/// `method`, `stop_reason`); see docs/result-format.md and <tumen/common/result_json.hpp>.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tumen/common/ipv4.hpp>

namespace tumen::result {

/// Why a trace ended (scamper's stop reasons, named for humans).
enum class stop_reason : std::uint8_t {
    none,        ///< not recorded (e.g. a foreign result)
    completed,   ///< the destination answered
    unreachable, ///< an ICMP destination-unreachable other than port-unreachable from the target
    gap_limit,   ///< `gap_limit` consecutive hops without any reply
    loop,        ///< the same address answered at non-adjacent hops
    max_ttl,     ///< reached max TTL without the destination answering
    error,       ///< local error (send failure, no route)
};

/// One RFC 4950 MPLS label stack entry, as quoted in an RFC 4884 extension.
struct mpls_entry {
    std::uint32_t label = 0; ///< 20 bits
    std::uint8_t tc = 0;     ///< 3 bits (formerly EXP)
    bool bottom = false;     ///< S bit
    std::uint8_t ttl = 0;
    friend bool operator==(const mpls_entry&, const mpls_entry&) = default;
};

/// One reply (or the lack of one) to one probe at one hop.
struct hop_reply {
    bool timeout = false;              ///< true: no reply ("x": "*"); other fields unset
    ipv4_addr from;                    ///< source of the reply
    double rtt_ms = 0;                 ///< from capture timestamps
    std::uint16_t size = 0;            ///< IP total length of the reply
    std::uint8_t ttl = 0;              ///< TTL of the reply as received
    std::uint8_t icmp_type = 0;        ///< 11 time-exceeded, 3 unreachable, 0 echo reply; 255 TCP
    std::uint8_t icmp_code = 0;
    std::optional<std::uint8_t> quoted_ttl; ///< Atlas `ittl`: TTL of the probe as quoted
    std::string err;                   ///< Atlas `err`: "N","H","P","p","A" or a code (atlas_err)
    std::vector<mpls_entry> mpls;      ///< RFC 4950 label stack, outermost first
    bool nat = false;                  ///< the quote shows our probe was rewritten on the way
    bool late = false;                 ///< Atlas `late` replies
    friend bool operator==(const hop_reply&, const hop_reply&) = default;
};

/// All replies for one TTL.
struct hop {
    std::uint8_t ttl = 0;              ///< Atlas `hop`
    std::vector<hop_reply> replies;    ///< one entry per attempt, in send order
    std::string error;                 ///< Atlas per-hop `error`, if any
    friend bool operator==(const hop&, const hop&) = default;
};

/// One traceroute result.
struct trace {
    std::string id;                    ///< unique result id (idempotent ingest)
    std::string agent;                 ///< vantage point name (Atlas: prb_id as text)
    std::string campaign;              ///< campaign name, empty if none
    ipv4_addr dst;
    ipv4_addr src;
    std::string dst_name;
    std::string proto;                 ///< "UDP", "ICMP", "TCP"
    std::string method;                ///< "udp-paris", "icmp-paris", "tcp-syn", "udp"
    std::uint16_t paris_id = 0;        ///< flow id
    std::int64_t timestamp = 0;        ///< start, Unix seconds
    std::int64_t endtime = 0;          ///< end, Unix seconds
    stop_reason stop = stop_reason::none;
    std::vector<hop> hops;
    /// Why the agent ran the trace: empty for a round's trace, "watch" for a re-trace that a
    /// watch probe started (and its confirmation traces). JSON `trigger`, optional.
    std::string trigger;
    /// A confirmation trace run at once after a watch re-trace showed a new border: the
    /// controller counts it as an observation of its own. JSON `confirmation`, optional.
    bool confirmation = false;
    friend bool operator==(const trace&, const trace&) = default;
};

/// One ping (latency) result.
struct ping {
    std::string id;
    std::string agent;
    std::string campaign;
    ipv4_addr dst;
    ipv4_addr src;
    std::string method;                ///< "icmp", "tcp-syn", "udp"
    std::int64_t timestamp = 0;
    std::uint32_t sent = 0;
    std::uint32_t received = 0;
    std::vector<std::optional<double>> rtts_ms; ///< one per probe, nullopt when lost
    friend bool operator==(const ping&, const ping&) = default;
};

/// A ping's RTT summary in the Atlas convention: min, avg and max are -1 when nothing came
/// back.
struct rtt_summary {
    double min = -1;
    double avg = -1;
    double max = -1;
};
rtt_summary rtt_summary_of(const ping& p) noexcept;

/// The `trigger` of a trace started by a watch alarm.
inline constexpr const char* trigger_watch = "watch";

const char* to_string(stop_reason r) noexcept;
std::optional<stop_reason> parse_stop_reason(std::string_view text) noexcept;

} // namespace tumen::result
