#pragma once
/// @file
/// The read side's JSON documents, built from the verdict mirror and the store's rows.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/controller/pipeline/verdict_state.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::pipeline {

/// {"paths": [...]}: each verdict with its evidence and hysteresis state; transit names from
/// `map`'s AS names.
nlohmann::json paths_document(const verdict_map& verdicts, const asmap::as_map& map);
/// {"since": since, "changes": [...]}; transit names from `map`'s AS names.
nlohmann::json changes_document(std::int64_t since, const std::vector<store::change_row>& rows,
                                const asmap::as_map& map);
/// {"agents": [...]}.
nlohmann::json agents_document(const std::vector<store::agent_row>& rows);

} // namespace tumen::controller::pipeline
