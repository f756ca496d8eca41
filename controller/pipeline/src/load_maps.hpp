#pragma once
/// @file
/// The AS map ingest works with, loaded from the configured pfx2as, iptoasn, IXP and AS-names
/// files.
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/pipeline/ingest_service.hpp>

namespace tumen::controller::pipeline {

/// How load_maps treats a bad line.
enum class map_lines {
    lenient, ///< logged as a warning and skipped (start-up)
    strict,  ///< the first one is an asmap_error "file:line: what" (a reload)
};

/// Builds the AS map of `options`, logging each file's counts (and, lenient, its bad lines).
/// Throws asmap_error if a file cannot be read, or (strict) at a file's first bad line.
asmap::as_map load_maps(const ingest_options& options, map_lines lines = map_lines::lenient);

} // namespace tumen::controller::pipeline
