#pragma once
/// @file
/// The whole per-result pipeline shared by `tumen-controller classify` and the server:
/// pick the campaign and target prefix of a trace, infer its border path, name it under the
/// cap of named paths of its (agent, target prefix) (path_names.hpp), feed the tracker,
/// accumulate latency.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tumen/common/campaign.hpp>
#include <tumen/common/result.hpp>
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/inference/border.hpp>
#include <tumen/controller/inference/border_interfaces.hpp>
#include <tumen/controller/inference/latency.hpp>
#include <tumen/controller/inference/path_names.hpp>
#include <tumen/controller/inference/path_tracker.hpp>

namespace tumen::controller::inference {

/// Key of a tracked series.
struct track_key {
    std::string agent;
    ipv4_prefix target; ///< the campaign's target prefix
    friend auto operator<=>(const track_key&, const track_key&) = default;
    friend bool operator==(const track_key&, const track_key&) = default;
};

/// Hash of a track_key (the classifier's per-trace index).
struct track_key_hash {
    std::size_t operator()(const track_key& k) const noexcept;
};

/// The verdict for one trace, with its context.
struct verdict_record {
    std::string agent;
    std::string campaign;
    ipv4_prefix target;
    std::int64_t time = 0;
    std::string trace_id;
    border_verdict verdict;
    /// The (agent, target prefix)'s reachability after this trace (path_tracker_snapshot).
    bool reachable = true;
    std::string reachability_reason;
};

/// A change with its context.
struct change_record {
    std::string agent;
    std::string campaign;
    ipv4_prefix target;
    change_event event;
    std::string from_transit_name; ///< the AS-names file's name of event.from_asn, or empty
    std::string to_transit_name;   ///< the AS-names file's name of event.to_asn, or empty
    /// How the change was found: "watch" when the trace that completed it was started by a
    /// watch alarm (a re-trace or a confirmation trace), else "round".
    std::string detected_by = "round";
};

/// Result of processing one trace.
struct classify_outcome {
    std::optional<verdict_record> verdict; ///< empty when the trace matches no campaign
    std::optional<change_record> change;
    std::string skipped; ///< why there is no verdict
};

/// Runs inference and change detection over results (fed in time order per key). Weighs each
/// trace (reached the target, stopped at a known border interface, or weak) with the border
/// interfaces known per target prefix, learned from the traces of every agent.
class classifier {
public:
    /// Both references must outlive the classifier. `k` = independent observations (distinct
    /// rounds, path_tracker.hpp) needed to declare a change; `max_paths` = distinct paths named
    /// per (agent, target prefix) before "other".
    classifier(const campaign::campaign_set& campaigns, const asmap::as_map& map,
               std::uint32_t k = 2, std::uint32_t max_paths = default_max_paths_per_target);
    /// Not copyable: it keeps pointers into its own maps.
    classifier(const classifier&) = delete;
    classifier& operator=(const classifier&) = delete;

    /// Processes one trace.
    classify_outcome process(const result::trace& t);
    /// Adds a ping's latency to the series of the path the latest trace of its (agent, target)
    /// observed (not the confirmed path; "none" before any trace).
    /// Returns false when the ping matches no campaign target.
    bool process(const result::ping& p);

    /// The campaign and target prefix of a destination (the trace's campaign when named).
    std::optional<std::pair<const campaign::campaign*, ipv4_prefix>>
    match(std::string_view campaign_name, ipv4_addr dst) const;

    /// Trackers by key (for persistence: snapshot() each).
    const std::map<track_key, path_tracker>& trackers() const noexcept { return trackers_; }
    /// Restores a tracker state (e.g. from SQLite at start-up).
    void restore(const track_key& key, path_tracker_snapshot state);
    /// The border interfaces known for `target` (empty when none).
    const std::vector<known_border>& known_borders(const ipv4_prefix& target) const;
    /// Latency series.
    const latency_accumulator& latency() const noexcept { return latency_; }

private:
    /// How much `v` (of trace `t`, campaign `c`) shows; learns its border interface when it
    /// reached the target or answered for it, with `tracker` (the trace's agent) and in
    /// `known` (the target prefix's, for every agent); marks `v` known_border / prohibited.
    evidence_strength weigh(const result::trace& t, const campaign::campaign& c,
                            std::vector<known_border>& known, border_verdict& v,
                            path_tracker& tracker);

    /// What one trace of a (agent, target prefix) touches, found with one hash lookup instead
    /// of a walk down each ordered map (bench_classify: the three tree walks with string
    /// compares were about a fifth of the time per trace). The pointers are into the nodes
    /// of trackers_, borders_ and latency_'s map, which never move.
    struct series_slot {
        path_tracker* tracker = nullptr;
        std::vector<known_border>* borders = nullptr;
        std::string last_observed; ///< path identity of the latest trace
        /// The latency series of each path seen, by path identity (few per key).
        std::vector<std::pair<std::string, latency_stats*>> latency;
    };
    /// The slot of `key`, created (with its tracker) on first use.
    series_slot& slot(const track_key& key);
    /// The latency series of `path` in `s` (the series of (key, path)).
    latency_stats& latency_of(series_slot& s, const track_key& key, const std::string& path);

    const campaign::campaign_set& campaigns_;
    const asmap::as_map& map_;
    std::uint32_t k_;
    std::uint32_t max_paths_;
    std::map<track_key, path_tracker> trackers_;
    std::map<ipv4_prefix, std::vector<known_border>> borders_; ///< target prefix -> known
    std::unordered_map<track_key, series_slot, track_key_hash> slots_;
    latency_accumulator latency_;
    std::vector<annotated_hop> hops_; ///< scratch for infer_border, reused across traces
};

} // namespace tumen::controller::inference
