#pragma once
/// @file
/// The stored form of a path tracker's state: the JSON text of the verdicts table's
/// `tracker_json` column, written after each batch and read back at start-up. One writer
/// (snapshot_to_json) and one parser (snapshot_from_json); the field names are the
/// snapshot's member names. Snapshots stored before rounds were counted (without
/// `candidate_observations` and `candidate_rounds`) still load: their candidate keeps one
/// observation per trace. Snapshots stored before reachability was tracked (without
/// `reachable`, the weak run and `known_borders`) load as reachable.
#include <optional>
#include <string>
#include <string_view>

#include <tumen/controller/inference/path_tracker.hpp>

namespace tumen::controller::inference {

/// The JSON text of `s` (an object with every snapshot field; absent ASNs are null).
std::string snapshot_to_json(const path_tracker_snapshot& s);

/// Restores a snapshot written by snapshot_to_json, by this version or an earlier one;
/// nullopt if the text is damaged (not JSON, not an object, a field missing or of the wrong
/// type). A snapshot stored before paths were named (no `named_paths`) is upgraded:
/// "unknown:<asn>" reads as "AS<asn>" and its current and candidate paths are the named ones.
/// Never throws.
std::optional<path_tracker_snapshot> snapshot_from_json(std::string_view text);

} // namespace tumen::controller::inference
