#pragma once
#include <optional>
/// @file
/// The rows ingest writes: a result with its hops mapped to ASes, and the evidence
/// documents (JSON) of verdicts and change events.
#include <cstdint>
#include <string>

#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/inference/classifier.hpp>
#include <tumen/controller/pipeline/batch.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::pipeline {

/// The results row of `r` from `agent` received at `now`; a trace's hops carry the address
/// of their first reply, its AS in `map`, the lowest RTT and the reply count.
store::result_row result_row_of(const parsed_result& r, const std::string& agent, std::int64_t now,
                                const asmap::as_map& map);

/// The evidence of a verdict (the /api/v1/paths "evidence" object), with the data sets of
/// `map`, the AS map it was inferred with, and the address pings go to (null: none chosen).
std::string verdict_evidence(const inference::verdict_record& r, const asmap::as_map& map,
                             const std::optional<ipv4_addr>& ping_target = std::nullopt);

/// The evidence of a change event (the /api/v1/changes "evidence" object).
std::string change_evidence(const inference::change_record& c);

} // namespace tumen::controller::pipeline
