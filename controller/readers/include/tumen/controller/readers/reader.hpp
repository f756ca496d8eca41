#pragma once
/// @file
/// Readers of result files into result::trace / result::ping: tumen JSON, RIPE Atlas
/// traceroute/ping results, scamper `trace` JSON (sc_warts2json) including M-Lab
/// traceroute-caller's wrapped forms, and plain traceroute text output. Layouts: one object
/// per line, a JSON array, or an object with `results`. Files may be gzipped.
///
/// Every malformed record becomes an issue with file and line (or array element) and is
/// skipped; the rest of the file is read. Nothing here throws.
#include <string>
#include <string_view>

#include <tumen/controller/readers/result_batch.hpp>
#include <tumen/controller/readers/traceroute_text.hpp>

namespace tumen::controller::readers {

/// Reads a file (plain or gzip), detecting its format. An unreadable file gives one issue.
result_batch read_results_file(const std::string& path);
/// Reads results from text, detecting its format; `source` names it in issues.
result_batch read_results_text(std::string_view text, const std::string& source);

} // namespace tumen::controller::readers
