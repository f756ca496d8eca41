#pragma once
/// @file
/// Latency per (agent, target prefix, path): end-to-end RTT, border-hop RTT and loss, as
/// plain data the server turns into metrics.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/result.hpp>
#include <tumen/controller/inference/border.hpp>

namespace tumen::controller::inference {

/// What one trace or ping says about latency.
struct latency_observation {
    std::optional<double> end_rtt_ms;    ///< lowest RTT from the destination
    std::optional<double> border_rtt_ms; ///< RTT of the border hop (traces only)
    std::uint32_t sent = 0;              ///< probes toward the destination
    std::uint32_t lost = 0;              ///< of which unanswered
};

/// From a trace: end-to-end from the destination's replies; loss counts the probes of the
/// last hop when it is the destination's hop, otherwise every probe of a trace that did not
/// reach the destination counts as one lost probe.
latency_observation measure(const result::trace& t, const border_verdict& v);
/// From a ping: lowest RTT, sent/lost.
latency_observation measure(const result::ping& p);

/// Running summary of one series.
struct rtt_summary {
    std::uint64_t count = 0;
    double sum = 0;
    double min = 0;
    double max = 0;
    double last = 0;
    void add(double v);
    double mean() const { return count == 0 ? 0 : sum / static_cast<double>(count); }
};

/// Accumulated latency of one (agent, target, path).
struct latency_stats {
    std::uint64_t traces = 0;
    std::uint64_t pings = 0;
    rtt_summary end_to_end;
    rtt_summary border;
    std::uint64_t sent = 0;
    std::uint64_t lost = 0;
    double loss_ratio() const {
        return sent == 0 ? 0 : static_cast<double>(lost) / static_cast<double>(sent);
    }
};

/// Key of a latency series.
struct latency_key {
    std::string agent;
    ipv4_prefix target;
    std::string path;
    friend auto operator<=>(const latency_key&, const latency_key&) = default;
};

/// Accumulates latency per key.
class latency_accumulator {
public:
    /// Adds a trace or ping observation; `is_ping` selects the counter.
    void add(const latency_key& key, const latency_observation& o, bool is_ping);
    /// The series of `key`, created empty on first use. The reference stays valid for the
    /// accumulator's life (a map node).
    latency_stats& series_of(const latency_key& key) { return series_[key]; }
    /// Adds an observation to one series (what add() does once it found the series).
    static void add_to(latency_stats& s, const latency_observation& o, bool is_ping);
    const std::map<latency_key, latency_stats>& series() const noexcept { return series_; }

private:
    std::map<latency_key, latency_stats> series_;
};

} // namespace tumen::controller::inference
