#pragma once
/// @file
/// Change detection with hysteresis for one (agent, target prefix): a change is declared when
/// K independent observations (default 2) agree on a path different from the current one,
/// with no trace on the current path in between. Observations are counted, not traces
/// (docs/api.md, "Hysteresis"): the traces of one campaign round (several methods, several
/// addresses of the prefix) are one observation; a trace without a round and a confirmation
/// trace are one each. ECMP alternation inside one transit is not a change (path identity is
/// the class, or the ASN for unknown transits, never the hop address); "none" verdicts are
/// ignored (they neither confirm nor break a streak). Traces that did not reach the target are
/// weak evidence (docs/api.md, "Weak traces and reachability"): they count like the others only
/// when they end at a known border interface (border_interfaces.hpp); otherwise one through
/// the current path's transit keeps the current path alive, and a run of K (counted like
/// hysteresis) that show neither marks the (agent, target) unreachable, never a change. The state
/// is a plain struct so the server can persist it (SQLite, tracker_snapshot.hpp) and restore it
/// after a restart.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tumen/common/campaign/model.hpp>
#include <tumen/common/result.hpp>
#include <tumen/controller/inference/border_interfaces.hpp>

namespace tumen::controller::inference {

/// How much a verdict shows (docs/api.md, "Weak traces and reachability").
enum class evidence_strength : std::uint8_t {
    reached, ///< the trace reached the target
    border,  ///< it stopped before the target, at a known border interface
    weak,    ///< it stopped before the target elsewhere
};

/// One verdict fed to the tracker.
struct path_observation {
    std::string path; ///< path name: class, "AS<asn>", "other", "none" (path_names.hpp)
    std::optional<std::uint32_t> transit_asn;
    std::int64_t time = 0; ///< trace timestamp (Unix seconds)
    std::string trace_id;
    /// The campaign round the trace belongs to (trace_round()); nullopt when the trace ran
    /// outside tumen's rounds (foreign data): it is then an observation on its own.
    std::optional<std::uint64_t> round = std::nullopt;
    /// A confirmation trace: counts as an observation on its own even inside a round already
    /// counted. The hook for the traces an agent runs at once after a watch alarm; no result
    /// carries such a marker yet, so nothing sets it today.
    bool confirmation = false;
    /// Whether the trace reached the target, a known border interface, or neither.
    evidence_strength strength = evidence_strength::reached;
    /// Every transit path the trace passed through (border_verdict::transits): a weak trace
    /// through the current path's transit keeps the current path alive.
    std::vector<std::string> via = {};
};

/// The round of `t` for the tracker: the round of its campaign `c` (campaign::round_clock over
/// the campaign's interval) that contains the trace's start time, when the trace names its
/// campaign (it was run by an agent on that round clock); nullopt otherwise.
std::optional<std::uint64_t> trace_round(const result::trace& t, const campaign::campaign& c);

/// A declared change.
struct change_event {
    std::string from; ///< path identity before ("" when first path)
    std::string to;
    std::optional<std::uint32_t> from_asn;
    std::optional<std::uint32_t> to_asn;
    std::int64_t last_old_time = 0;  ///< time of the last trace on the old path
    std::int64_t first_new_time = 0; ///< time of the first trace on the new path
    std::string last_old_trace_id;
    std::string first_new_trace_id;
    /// Every trace on the new path since it became the candidate: the K observations and
    /// the further traces of their rounds.
    std::vector<std::string> trace_ids;
    /// The distinct rounds counted among them (empty when no trace had a round).
    std::vector<std::uint64_t> rounds;
    friend bool operator==(const change_event&, const change_event&) = default;
};

/// The complete tracker state (serialisable; restore with path_tracker(snapshot)).
struct path_tracker_snapshot {
    std::uint32_t k = 2;
    std::string current; ///< current path identity; "" = none yet
    std::optional<std::uint32_t> current_asn;
    std::int64_t current_since = 0;     ///< first trace time of the current path
    std::int64_t last_current_time = 0; ///< last trace seen on the current path
    std::string last_current_trace_id;
    std::string candidate; ///< path being confirmed; "" = none
    std::optional<std::uint32_t> candidate_asn;
    std::vector<std::string> candidate_trace_ids; ///< every trace on the candidate path
    std::int64_t candidate_first_time = 0;
    /// Independent observations of the candidate so far (< k). Snapshots stored before rounds
    /// were counted lack it: their candidate keeps one observation per trace.
    std::uint32_t candidate_observations = 0;
    /// The rounds already counted for the candidate (a further trace of one of them adds its
    /// id, not an observation). Empty in snapshots stored before rounds were counted.
    std::vector<std::uint64_t> candidate_rounds;
    std::uint64_t observations = 0;       ///< verdicts seen, "none" included
    std::uint64_t changes = 0;            ///< changes declared
    std::vector<std::string> named_paths; ///< paths named so far, first seen first (cap_path)
    /// False after a run of K weak observations that showed neither a known border interface
    /// nor the current transit; true again after a trace that reached the target or a known
    /// border interface. Snapshots stored before reachability was tracked load as reachable.
    bool reachable = true;
    std::string reachability_reason;         ///< why `reachable` is what it is ("" = no trace)
    std::int64_t unreachable_since = 0;      ///< first trace of the run that made it unreachable
    std::uint32_t weak_observations = 0;     ///< the current run of weak observations
    std::vector<std::uint64_t> weak_rounds;  ///< the rounds counted in that run
    std::int64_t weak_first_time = 0;        ///< first trace time of that run
    std::vector<known_border> known_borders; ///< border interfaces this agent's traces showed
    friend bool operator==(const path_tracker_snapshot&, const path_tracker_snapshot&) = default;
};

/// Hysteresis state machine for one (agent, target prefix).
class path_tracker {
public:
    /// K >= 1 agreeing independent observations declare a change.
    explicit path_tracker(std::uint32_t k = 2);
    /// Restores a saved state.
    explicit path_tracker(path_tracker_snapshot state);

    /// Feeds one verdict (in time order per round; the rounds of a candidate may come in any
    /// order). Returns the change it completes, if any. The very first non-"none" verdict
    /// sets the initial path without a change event.
    std::optional<change_event> observe(const path_observation& o);

    /// Current path identity ("" before the first non-"none" verdict).
    const std::string& current() const noexcept { return state_.current; }
    /// Whether the target is reachable (path_tracker_snapshot::reachable).
    bool reachable() const noexcept { return state_.reachable; }
    /// Remembers a border interface this (agent, target prefix)'s traces showed, so that it is
    /// stored with the state (the classifier shares it with every agent).
    void learn_border(const known_border& b) { inference::learn_border(state_.known_borders, b); }
    /// The paths named for this (agent, target prefix), kept with the state (see cap_path).
    std::vector<std::string>& named_paths() noexcept { return state_.named_paths; }
    /// A copy of the state for persistence.
    const path_tracker_snapshot& snapshot() const noexcept { return state_; }

private:
    /// Updates the reachability with `o`.
    void observe_reachability(const path_observation& o);

    path_tracker_snapshot state_;
};

} // namespace tumen::controller::inference
