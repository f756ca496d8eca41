#pragma once
/// @file
/// The controller's Prometheus metrics (prometheus-cpp registry), rendered with
/// prometheus::TextSerializer by the /metrics endpoint of the Beast server. Labels are
/// agent, target prefix, path and outcome names only: never per-hop addresses. Thread-safe.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <tumen/controller/metrics/process_metrics.hpp>

namespace tumen::controller::metrics {

/// Outcome label values of tumen_results_ingested_total.
namespace outcome {
inline constexpr const char* stored = "stored";       ///< new result, stored
inline constexpr const char* duplicate = "duplicate"; ///< id already stored (retry)
inline constexpr const char* rejected = "rejected";   ///< in a batch rejected with 400
inline constexpr const char* failed = "failed";       ///< storage error (503, agent retries)
} // namespace outcome

/// The window of the RTT summaries (tumen_rtt_window_seconds): samples older than this age
/// out, in rtt_window_age_buckets steps.
inline constexpr std::chrono::seconds rtt_window_max_age{600};
inline constexpr int rtt_window_age_buckets = 5;
/// The quantile error (in rank) of the RTT summaries.
inline constexpr double rtt_window_rank_error = 0.005;

/// Every controller metric.
class controller_metrics {
public:
    controller_metrics();
    controller_metrics(const controller_metrics&) = delete;
    controller_metrics& operator=(const controller_metrics&) = delete;

    /// tumen_border_path{agent,target,path}: 1 for `path`, 0 for every other path seen before
    /// for this agent x target (since it was last fresh). Also updates
    /// tumen_path_share_ratio{target,path}.
    void set_border_path(const std::string& agent, const std::string& target,
                         const std::string& path);
    /// tumen_path_changes_total{agent,target,from,to} += 1.
    void count_change(const std::string& agent, const std::string& target, const std::string& from,
                      const std::string& to);
    /// tumen_path_changes_total{agent,target,from,to} raised to `total` (never lowered): the
    /// count of stored change events, set by the replica that exports a shared store's
    /// verdicts. In change_total.cpp.
    void raise_change_total(const std::string& agent, const std::string& target,
                            const std::string& from, const std::string& to, double total);
    /// tumen_rtt_seconds{agent,target,path} (end-to-end RTT), histogram, and
    /// tumen_rtt_window_seconds{agent,target,path,quantile}, summary over rtt_window_max_age.
    void observe_rtt(const std::string& agent, const std::string& target, const std::string& path,
                     double seconds);
    /// tumen_border_rtt_seconds{agent,target,path} (RTT to the border hop), histogram, and
    /// tumen_border_rtt_window_seconds{agent,target,path,quantile}, summary.
    void observe_border_rtt(const std::string& agent, const std::string& target,
                            const std::string& path, double seconds);
    /// tumen_loss_ratio{agent,target}.
    void set_loss(const std::string& agent, const std::string& target, double ratio);
    /// tumen_path_loss_ratio{agent,target,path}: loss of the last ping, under the path the
    /// latest trace of agent x target observed.
    void set_path_loss(const std::string& agent, const std::string& target, const std::string& path,
                       double ratio);
    /// tumen_agent_last_seen_timestamp_seconds{agent}.
    void set_last_seen(const std::string& agent, double unix_seconds);
    /// tumen_results_ingested_total{agent,outcome} += n.
    void count_ingested(const std::string& agent, const char* outcome_name, double n);
    /// tumen_campaign_reloads_total{result} (result: "ok" or "error").
    void count_reload(bool ok);
    /// tumen_config_reloads_total{result} (result: "ok" or "error").
    void count_config_reload(bool ok);
    /// tumen_dataset_info{kind,version} = 1 for each (kind, version) given; the series of an
    /// earlier call that are not given again are removed (a reloaded map).
    void set_datasets(const std::vector<std::pair<std::string, std::string>>& kind_versions);

    /// tumen_target_reachable{agent,target} = 1 when reachable, 0 when unreachable (a run of
    /// weak traces: docs/api.md, "Weak traces and reachability"). In target_reachable.cpp.
    void set_target_reachable(const std::string& agent, const std::string& target, bool reachable);
    /// tumen_uploads_throttled_total{agent} += 1: an upload refused with 429 (over the
    /// agent's upload_rate). In uploads_throttled.cpp.
    void count_throttled(const std::string& agent);
    /// The value of tumen_uploads_throttled_total{agent} (tests).
    double throttled(const std::string& agent) const;
    /// tumen_verdict_age_seconds{agent,target}: seconds since the last observation.
    void set_verdict_age(const std::string& agent, const std::string& target, double seconds);
    /// A stale verdict: removes every tumen_border_path series of agent x target and
    /// recomputes tumen_path_share_ratio of the target without it (a target no fresh agent
    /// reports on has no share series).
    void clear_border_path(const std::string& agent, const std::string& target);
    /// Removes every series of the agent x target pairs for which `keep_pair` is false
    /// (border path, share, RTT histograms and windows, loss, path loss, verdict age,
    /// reachability) and the last-seen series of
    /// the agents for which `keep_agent` is false (a reload removed them).
    void retain(const std::function<bool(const std::string&, const std::string&)>& keep_pair,
                const std::function<bool(const std::string&)>& keep_agent);

    /// tumen_results_rejected_total{agent,reason} += n: results refused one by one (reason:
    /// "not_assigned", "outside_assignment"; docs/api.md "Authorization by work"). In
    /// results_rejected.cpp.
    void count_rejected(const std::string& agent, const std::string& reason, double n);
    /// The value of tumen_results_rejected_total{agent,reason} (tests).
    double rejected(const std::string& agent, const std::string& reason) const;

    /// The value of tumen_results_ingested_total{agent,outcome} (tests, bench).
    double ingested(const std::string& agent, const char* outcome_name) const;

    /// The text exposition (format 0.0.4) of every metric plus process metrics.
    std::string render() const;

    prometheus::Registry& registry() { return *registry_; }

private:
    using key2 = std::pair<std::string, std::string>;
    using key3 = std::tuple<std::string, std::string, std::string>;
    /// The tumen_(border_)rtt_seconds series of agent x target x path (created once).
    prometheus::Histogram& rtt_histogram(bool border, const std::string& agent,
                                         const std::string& target, const std::string& path);
    /// Sets tumen_path_share_ratio of `target` from current_ (mutex_ held).
    void update_shares(const std::string& target);
    /// Counts `path` in or out of counts_[target] (mutex_ held).
    void count_path(const std::string& target, const std::string& path, bool in);
    /// Removes the border path series of agent x target and its share (mutex_ held).
    void clear_border_path_locked(const std::string& agent, const std::string& target);
    /// The tumen_(border_)rtt_window_seconds series of agent x target x path (created once).
    prometheus::Summary& rtt_window(bool border, const std::string& agent,
                                    const std::string& target, const std::string& path);

    std::shared_ptr<prometheus::Registry> registry_;
    process_collector process_;
    prometheus::Family<prometheus::Gauge>& border_path_;
    prometheus::Family<prometheus::Counter>& changes_;
    prometheus::Family<prometheus::Histogram>& rtt_;
    prometheus::Family<prometheus::Histogram>& border_rtt_;
    prometheus::Family<prometheus::Gauge>& loss_;
    prometheus::Family<prometheus::Summary>& rtt_window_;
    prometheus::Family<prometheus::Summary>& border_rtt_window_;
    prometheus::Family<prometheus::Gauge>& path_loss_;
    prometheus::Family<prometheus::Gauge>& share_;
    prometheus::Family<prometheus::Gauge>& last_seen_;
    prometheus::Family<prometheus::Counter>& ingested_;
    prometheus::Family<prometheus::Counter>& reloads_;
    prometheus::Family<prometheus::Counter>& config_reloads_;
    prometheus::Family<prometheus::Gauge>& dataset_info_;
    prometheus::Family<prometheus::Gauge>& verdict_age_;

    mutable std::mutex mutex_;
    /// agent x target -> path -> gauge (for the 1/0 border path gauges)
    std::map<key2, std::map<std::string, prometheus::Gauge*>> paths_;
    /// target -> agent -> current path (for the share gauges)
    std::map<std::string, std::map<std::string, std::string>> current_;
    /// target -> path -> how many agents of current_[target] show it (kept with current_, so
    /// that a share update costs the target's paths, not its agents)
    std::map<std::string, std::map<std::string, std::size_t>> counts_;
    /// agent x target x path -> RTT histogram series
    std::map<key3, prometheus::Histogram*> rtt_series_;
    std::map<key3, prometheus::Histogram*> border_rtt_series_;
    /// agent x target x path -> windowed RTT summary series
    std::map<key3, prometheus::Summary*> rtt_window_series_;
    std::map<key3, prometheus::Summary*> border_rtt_window_series_;
    /// agent x target x path -> tumen_path_loss_ratio series
    std::map<key3, prometheus::Gauge*> path_losses_;
    /// target -> path -> share gauge
    std::map<std::string, std::map<std::string, prometheus::Gauge*>> shares_;
    /// kind x version -> tumen_dataset_info series
    std::map<key2, prometheus::Gauge*> datasets_;
    /// tumen_target_reachable (registered after every family above: registry_ is first).
    prometheus::Family<prometheus::Gauge>& reachable_ =
        prometheus::BuildGauge()
            .Name("tumen_target_reachable")
            .Help("1 when an agent reaches a target prefix (or a known border interface of it), "
                  "0 after a run of traces that stopped before it")
            .Register(*registry_);
    /// tumen_uploads_throttled_total (registered after every family above).
    prometheus::Family<prometheus::Counter>& throttled_ =
        prometheus::BuildCounter()
            .Name("tumen_uploads_throttled_total")
            .Help("Uploads refused with 429 because the agent was over its upload_rate")
            .Register(*registry_);
    /// agent -> tumen_uploads_throttled_total series
    std::map<std::string, prometheus::Counter*> throttled_series_;
    /// agent x target -> tumen_target_reachable series
    std::map<key2, prometheus::Gauge*> reachable_series_;
    /// agent x target -> tumen_verdict_age_seconds / tumen_loss_ratio series
    std::map<key2, prometheus::Gauge*> ages_;
    std::map<key2, prometheus::Gauge*> losses_;
    /// agent -> tumen_agent_last_seen_timestamp_seconds series
    std::map<std::string, prometheus::Gauge*> last_seen_series_;
    /// tumen_results_rejected_total (registered after every family above).
    prometheus::Family<prometheus::Counter>& rejected_ =
        prometheus::BuildCounter()
            .Name("tumen_results_rejected_total")
            .Help("Results refused one by one, by agent and reason (not_assigned: the agent was "
                  "never assigned the campaign target; outside_assignment: not at the time the "
                  "result was measured)")
            .Register(*registry_);
};

} // namespace tumen::controller::metrics
