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
    if (o.path.empty() || o.path == path_none) {
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
    if (!count_for_candidate(o) || state_.candidate_observations < state_.k) {
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

bool path_tracker::count_for_candidate(const path_observation& o) {
    if (o.round) {
        auto& rounds = state_.candidate_rounds;
        const bool counted = std::find(rounds.begin(), rounds.end(), *o.round) != rounds.end();
        if (counted && !o.confirmation) {
            return false; // another trace of a round already counted: the same observation
        }
        if (!counted) {
            rounds.push_back(*o.round);
        }
    }
    ++state_.candidate_observations;
    return true;
}

} // namespace tumen::controller::inference
