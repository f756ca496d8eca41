#pragma once
/// @file
/// Readers of result files into result::trace / result::ping: tumen JSON, RIPE Atlas
/// traceroute/ping results, scamper `trace` JSON (sc_warts2json) including M-Lab
/// traceroute-caller's wrapped forms, and plain traceroute text output. Layouts: one object
/// per line, a JSON array, or an object with `results`. Files may be gzipped.
///
/// Every malformed record becomes an issue with file and line (or array element) and is
/// skipped; the rest of the file is read. Nothing here throws.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/common/result.hpp>

namespace tumen::controller::ingest {

/// One problem with one record.
struct ingest_issue {
    std::string file;
    std::size_t line = 0; ///< 1-based line (0 if unknown)
    std::string element;  ///< "[3]" for the 4th element of an array/`results`, else empty
    std::string message;
    bool unsupported = false; ///< well-formed but not handled (IPv6, scamper tracelb): a note
    /// "file:line: message" (or "file[3]: message").
    std::string to_string() const;
};

/// What a file (or text) held.
struct ingest_batch {
    std::vector<result::trace> traces;
    std::vector<result::ping> pings;
    std::vector<ingest_issue> issues;
    /// Number of malformed records (issues that are not `unsupported`).
    std::size_t error_count() const;
};

/// Reads a file (plain or gzip). An unreadable file gives one issue.
ingest_batch read_results_file(const std::string& path);
/// Reads results from text; `source` names it in issues.
ingest_batch read_results_text(std::string_view text, const std::string& source);
/// Reads text traceroute output (Linux/BSD `traceroute -n` or with names): one trace per
/// "traceroute to" header. `agent` names the vantage point.
ingest_batch read_traceroute_text(std::string_view text, const std::string& source,
                                  const std::string& agent);

} // namespace tumen::controller::ingest
