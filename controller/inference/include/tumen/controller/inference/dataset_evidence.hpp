#pragma once
/// @file
/// The versions of the AS-map data sets a verdict was inferred with, as they appear in the
/// verdict evidence (/api/v1/paths) and in `classify --format json`: one object per data set
/// with its kind, file name (no directory), date (null when undated) and SHA-256 of the file's
/// bytes (null when unknown).
#include <nlohmann/json.hpp>

#include <tumen/controller/asmap/as_map.hpp>

namespace tumen::controller::inference {

/// [{"kind", "file", "date", "sha256"}, ...] for the data sets of `map`, in load order.
nlohmann::json dataset_evidence(const asmap::as_map& map);

} // namespace tumen::controller::inference
