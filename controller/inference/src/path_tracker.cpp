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
}

} // namespace

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
        state_.candidate = o.path;
        state_.candidate_asn = o.transit_asn;
        state_.candidate_trace_ids.clear();
        state_.candidate_first_time = o.time;
    }
    state_.candidate_trace_ids.push_back(o.trace_id);
    if (state_.candidate_trace_ids.size() < state_.k) {
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
    state_.current = state_.candidate;
    state_.current_asn = o.transit_asn;
    state_.current_since = state_.candidate_first_time;
    state_.last_current_time = o.time;
    state_.last_current_trace_id = o.trace_id;
    drop_candidate(state_);
    ++state_.changes;
    return e;
}

} // namespace tumen::controller::inference
