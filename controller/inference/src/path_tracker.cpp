#include <algorithm>

#include <tumen/common/campaign/round.hpp>
#include <tumen/controller/inference/border.hpp>
#include <tumen/controller/inference/path_tracker.hpp>

namespace tumen::controller::inference {
namespace {

/// Forgets the candidate path (the current one was seen again, or the candidate became it).
void drop_candidate(path_tracker_snapshot& s) {
    s.candidate.clear();
    s.candidate_asn.reset();
    s.candidate_trace_ids.clear();
    s.candidate_first_time = 0;
    s.candidate_observations = 0;
    s.candidate_rounds.clear();
}

/// Counts `o` in a run of observations (`count`, with the `rounds` already counted): once per
/// round, once per trace without a round, once per confirmation trace. True when it counted.
bool count_observation(std::vector<std::uint64_t>& rounds, std::uint32_t& count,
                       const path_observation& o) {
    if (o.round) {
        const bool counted = std::find(rounds.begin(), rounds.end(), *o.round) != rounds.end();
        if (counted && !o.confirmation) {
            return false; // another trace of a round already counted: the same observation
        }
        if (!counted) {
            rounds.push_back(*o.round);
        }
    }
    ++count;
    return true;
}

/// True when `o` shows the path `current`: its own path, or a transit it passed through.
bool shows(const path_observation& o, const std::string& current) {
    return !current.empty() &&
           (o.path == current || std::find(o.via.begin(), o.via.end(), current) != o.via.end());
}

void reset_weak_run(path_tracker_snapshot& s) {
    s.weak_observations = 0;
    s.weak_rounds.clear();
    s.weak_first_time = 0;
}

} // namespace

std::optional<std::uint64_t> trace_round(const result::trace& t, const campaign::campaign& c) {
    if (t.campaign.empty() || t.campaign != c.name) {
        return std::nullopt;
    }
    return campaign::round_clock(c.params.interval).round_at(t.timestamp);
}

path_tracker::path_tracker(std::uint32_t k) {
    state_.k = k == 0 ? 1 : k;
}

path_tracker::path_tracker(path_tracker_snapshot state)
    : state_(std::move(state)) {
    if (state_.k == 0) {
        state_.k = 1;
    }
}

std::optional<change_event> path_tracker::observe(const path_observation& o) {
    ++state_.observations;
    observe_reachability(o);
    if (o.path.empty() || o.path == path_none) {
        return std::nullopt;
    }
    if (o.strength == evidence_strength::weak) {
        // No evidence for or against a candidate; it may keep the current path alive.
        if (shows(o, state_.current)) {
            state_.last_current_time = o.time;
            state_.last_current_trace_id = o.trace_id;
        }
        return std::nullopt;
    }
    if (state_.current.empty()) {
        state_.current = o.path;
        state_.current_asn = o.transit_asn;
        state_.current_since = o.time;
        state_.last_current_time = o.time;
        state_.last_current_trace_id = o.trace_id;
        return std::nullopt;
    }
    if (o.path == state_.current) {
        state_.last_current_time = o.time;
        state_.last_current_trace_id = o.trace_id;
        state_.current_asn = o.transit_asn;
        drop_candidate(state_);
        return std::nullopt;
    }
    if (o.path != state_.candidate) {
        drop_candidate(state_);
        state_.candidate = o.path;
        state_.candidate_asn = o.transit_asn;
        state_.candidate_first_time = o.time;
    }
    state_.candidate_trace_ids.push_back(o.trace_id);
    if (!count_observation(state_.candidate_rounds, state_.candidate_observations, o) ||
        state_.candidate_observations < state_.k) {
        return std::nullopt;
    }
    change_event e;
    e.from = state_.current;
    e.to = state_.candidate;
    e.from_asn = state_.current_asn;
    e.to_asn = o.transit_asn;
    e.last_old_time = state_.last_current_time;
    e.first_new_time = state_.candidate_first_time;
    e.last_old_trace_id = state_.last_current_trace_id;
    e.first_new_trace_id = state_.candidate_trace_ids.front();
    e.trace_ids = state_.candidate_trace_ids;
    e.rounds = state_.candidate_rounds;
    state_.current = state_.candidate;
    state_.current_asn = o.transit_asn;
    state_.current_since = state_.candidate_first_time;
    state_.last_current_time = o.time;
    state_.last_current_trace_id = o.trace_id;
    drop_candidate(state_);
    ++state_.changes;
    return e;
}

void path_tracker::observe_reachability(const path_observation& o) {
    auto& s = state_;
    if (o.strength != evidence_strength::weak) {
        s.reachable = true;
        s.reachability_reason = o.strength == evidence_strength::reached
                                    ? "the last trace reached the target"
                                    : "the last trace stopped at a known border interface";
        s.unreachable_since = 0;
        reset_weak_run(s);
        return;
    }
    if (shows(o, s.current)) {
        reset_weak_run(s);
        if (s.reachable) {
            s.reachability_reason = "the last trace stopped before the target, in the current "
                                    "path's transit";
        }
        return;
    }
    if (s.weak_observations == 0) {
        s.weak_first_time = o.time;
    }
    count_observation(s.weak_rounds, s.weak_observations, o);
    if (!s.reachable) {
        return; // still unreachable: the reason given when it became so stands
    }
    const std::string what = " stopped before the target, neither at a known border interface "
                             "nor in the current path's transit";
    if (s.weak_observations < s.k) {
        s.reachability_reason = "the last trace" + what + " (" +
                                std::to_string(s.weak_observations) + " of " + std::to_string(s.k) +
                                " observations before unreachable)";
        return;
    }
    s.reachable = false;
    s.unreachable_since = s.weak_first_time;
    s.reachability_reason = std::to_string(s.weak_observations) + " observations in a row" + what;
}

} // namespace tumen::controller::inference
