#pragma once
/// @file
/// Change detection with hysteresis for one (agent, target prefix): a change is declared when
/// K consecutive traces (default 2) agree on a path different from the current one. ECMP
/// alternation inside one transit is not a change (path identity is the class, or the ASN
/// for unknown transits, never the hop address); "none" verdicts are ignored (they neither
/// confirm nor break a streak). The state is a plain struct so the server can persist it
/// (SQLite) and restore it after a restart.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tumen::controller::inference {

/// One verdict fed to the tracker.
struct path_observation {
    std::string path; ///< path name: class, "AS<asn>", "other", "none" (path_names.hpp)
    std::optional<std::uint32_t> transit_asn;
    std::int64_t time = 0; ///< trace timestamp (Unix seconds)
    std::string trace_id;
};

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
    std::vector<std::string> trace_ids; ///< the K traces that confirmed the new path
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
    std::vector<std::string> candidate_trace_ids;
    std::int64_t candidate_first_time = 0;
    std::uint64_t observations = 0;       ///< verdicts seen, "none" included
    std::uint64_t changes = 0;            ///< changes declared
    std::vector<std::string> named_paths; ///< paths named so far, first seen first (cap_path)
    friend bool operator==(const path_tracker_snapshot&, const path_tracker_snapshot&) = default;
};

/// Hysteresis state machine for one (agent, target prefix).
class path_tracker {
public:
    /// K >= 1 consecutive agreeing traces declare a change.
    explicit path_tracker(std::uint32_t k = 2);
    /// Restores a saved state.
    explicit path_tracker(path_tracker_snapshot state);

    /// Feeds one verdict (in time order). Returns the change it completes, if any. The very
    /// first non-"none" verdict sets the initial path without a change event.
    std::optional<change_event> observe(const path_observation& o);

    /// Current path identity ("" before the first non-"none" verdict).
    const std::string& current() const noexcept { return state_.current; }
    /// The paths named for this (agent, target prefix), kept with the state (see cap_path).
    std::vector<std::string>& named_paths() noexcept { return state_.named_paths; }
    /// A copy of the state for persistence.
    const path_tracker_snapshot& snapshot() const noexcept { return state_; }

private:
    path_tracker_snapshot state_;
};

} // namespace tumen::controller::inference
