#pragma once
/// @file
/// The read side's path-graph documents (/api/v1/graph and /api/v1/trace): which stored
/// traces stand for the paths of one (agent, target prefix), and their JSON form
/// (docs/api.md, "Path graph").
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::pipeline {

/// A path of one (agent, target prefix) and the latest trace known to stand for it.
struct path_source {
    std::string identity; ///< path identity as stored ("china-unicom", "AS64500")
    std::string trace_id;
    std::int64_t time = 0; ///< the trace's time
};

/// The paths of (agent, target) known at `until` (Unix seconds) from the verdict's evidence
/// (its latest trace and observed path) and the change events (the last trace of the old path,
/// the first of the new one), each trace counted when its time is at most `until` (a change
/// after `until` still tells the last trace of the path it left): per path the latest such
/// trace, oldest path first. Paths named
/// "" or whose trace has no id are left out.
std::vector<path_source> path_sources(const store::verdict_row* verdict,
                                      const std::vector<store::change_row>& changes,
                                      std::int64_t until);

/// Loads a stored trace by id (nullopt when unknown).
using trace_loader = std::function<std::optional<store::trace_row>(const std::string& id)>;

/// The /api/v1/graph document of (`agent`, `target`): the path graph (common/path_graph.hpp)
/// of the traces of `sources`, hops as stored with their AS and the AS name from `map`, the
/// border hop of each trace as the campaign of the trace (in `campaigns`) infers it now.
/// `current` is the verdict's current path identity ("" when none); `at` echoes the query.
nlohmann::json graph_document(const std::string& agent, const std::string& target,
                              std::optional<std::int64_t> at, const std::string& current,
                              const std::vector<path_source>& sources, const trace_loader& load,
                              const campaign::campaign_set& campaigns, const asmap::as_map& map);

/// The /api/v1/trace document of one stored trace.
nlohmann::json trace_document(const store::trace_row& trace, const asmap::as_map& map);

} // namespace tumen::controller::pipeline
