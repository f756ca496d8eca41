#pragma once
/// @file
/// The read side's JSON documents, built from the verdict mirror and the store's rows.
#include <cstdint>
#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/controller/pipeline/standing.hpp>
#include <tumen/controller/pipeline/verdict_state.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::pipeline {

/// The standing of a verdict (staleness), for the paths document.
using standing_of = std::function<verdict_standing(const store::verdict_row&)>;

/// {"paths": [...]}: each verdict with its evidence and hysteresis state; transit names from
/// `map`'s AS names; `stale` and `age_seconds` from `standing` when given.
nlohmann::json paths_document(const verdict_map& verdicts, const asmap::as_map& map,
                              const standing_of& standing = {});
/// {"since": since, "changes": [...]}; transit names from `map`'s AS names.
nlohmann::json changes_document(std::int64_t since, const std::vector<store::change_row>& rows,
                                const asmap::as_map& map);
/// {"agents": [...]}.
nlohmann::json agents_document(const std::vector<store::agent_row>& rows);

} // namespace tumen::controller::pipeline
