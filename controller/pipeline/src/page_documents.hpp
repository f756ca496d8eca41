#pragma once
/// @file
/// The read side's documents for the controller's page (docs/api.md): the compact matrix of
/// current verdicts (one cell per agent x target prefix, small enough for 100 agents x 1,000
/// prefixes) and the RTT series of one (agent, target prefix), each point under the path in
/// force when it was measured.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/common/ipv4.hpp>
#include <tumen/controller/inference/classifier.hpp>
#include <tumen/controller/pipeline/standing.hpp>
#include <tumen/controller/pipeline/verdict_state.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::pipeline {

/// {"now", "agents": [names], "targets": [prefixes], "paths": [{"name", "class",
/// "transit_asn", "transit_name"}], "cells": [[agent index, target index, path index, flags,
/// since, age_seconds, border address or null, border RTT or null, candidate path index or
/// -1]]}; flags: 1 stale, 2 unreachable, 4 suspected (a candidate path is being confirmed).
/// Reachability and candidate come from the trackers in memory (the stored snapshot for a
/// verdict without one), the border hop from the evidence's "border" object alone, and the
/// text is written directly: 100,000 cells without parsing 200,000 JSON documents.
std::string matrix_document(const verdict_map& verdicts, const asmap::as_map& map,
                            const std::map<inference::track_key, inference::path_tracker>& trackers,
                            const standing_rules& rules, std::int64_t now);

/// The path of (agent, target) at each time, from its change events (oldest first) and the
/// current path: before the first change its `from`, after a change its `to` from the time
/// the first trace on the new path was measured (evidence `first_new_time`, else the
/// change's time).
class path_timeline {
public:
    path_timeline(const std::vector<store::change_row>& changes, std::string current);
    /// The path name in force at `t`.
    std::string at(std::int64_t t) const;

private:
    struct step {
        std::int64_t from_time = 0;
        std::string from;
        std::string to;
    };
    std::vector<step> steps_;
    std::string current_;
};

/// {"agent", "target", "from", "to", "points": [{"time", "kind", "id", "rtt_ms", "path"}],
/// "changes": [{"time", "from", "to"}], "paths": [names]}: the traces to addresses in `target`
/// (RTT at their last replying TTL) and the pings to `target` or to `ping_target` (each echo's
/// median RTT), oldest first.
nlohmann::json series_document(const std::string& agent, const ipv4_prefix& target,
                               std::int64_t from, std::int64_t to,
                               const std::vector<store::series_row>& rows,
                               const std::vector<store::change_row>& changes,
                               const std::string& current_path,
                               const std::optional<ipv4_addr>& ping_target);

} // namespace tumen::controller::pipeline
