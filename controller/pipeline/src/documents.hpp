#pragma once
/// @file
/// The read side's JSON documents, built from the verdict mirror and the store's rows.
#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/controller/pipeline/verdict_state.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::pipeline {

/// {"paths": [...]}: each verdict with its evidence and hysteresis state.
nlohmann::json paths_document(const verdict_map& verdicts);
/// {"since": since, "changes": [...]}.
nlohmann::json changes_document(std::int64_t since, const std::vector<store::change_row>& rows);
/// {"agents": [...]}.
nlohmann::json agents_document(const std::vector<store::agent_row>& rows);

} // namespace tumen::controller::pipeline
