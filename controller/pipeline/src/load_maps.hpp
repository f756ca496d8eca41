#pragma once
/// @file
/// The AS map ingest works with, loaded from the configured pfx2as, IXP and AS-names files.
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/pipeline/ingest_service.hpp>

namespace tumen::controller::pipeline {

/// Builds the AS map of `options`, logging each file's counts and bad lines. Throws
/// asmap_error if a file cannot be read (start-up).
asmap::as_map load_maps(const ingest_options& options);

} // namespace tumen::controller::pipeline
