#pragma once
/// @file
/// Readers of result files into result::trace / result::ping: tumen JSON, RIPE Atlas
/// traceroute/ping results, scamper `trace` JSON (sc_warts2json) including M-Lab
/// traceroute-caller's wrapped forms, and plain traceroute text output. Layouts: one object
/// per line, a JSON array, or an object with `results`. Files may be gzipped.
///
/// Every malformed record becomes an issue with file and line (or array element) and is
/// skipped; the rest of the file is read. Nothing here throws.
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include <tumen/controller/readers/result_batch.hpp>
#include <tumen/controller/readers/traceroute_text.hpp>

namespace tumen::controller::readers {

/// Reads a file (plain or gzip), detecting its format. An unreadable file gives one issue.
result_batch read_results_file(const std::string& path);
/// Reads results from text, detecting its format; `source` names it in issues.
result_batch read_results_text(std::string_view text, const std::string& source);

/// One record of a result file: a trace, a ping, or an issue with a record.
using result_record = std::variant<result::trace, result::ping, record_issue>;

/// A result file read record by record, in file order, with the records and issues
/// read_results_file() gives. JSON lines (plain or gzip) are read in chunks and parsed one line
/// at a time (RIPE Atlas traceroutes on worker threads), so memory does not grow with the file; the
/// other layouts (a JSON array, an object holding `results`, traceroute text) are read whole at the
/// first next().
class result_stream {
public:
    /// Worker threads for JSON lines by default: the cores but one (the caller's thread
    /// parses too while it waits), at least 1, at most 4.
    static unsigned default_threads() noexcept;

    /// Opens `path` lazily (an unreadable file gives one issue). JSON lines are read on
    /// `threads` worker threads (0: on the caller's thread), and given in file order.
    explicit result_stream(std::string path, unsigned threads = default_threads());
    ~result_stream();
    result_stream(result_stream&&) noexcept;
    result_stream& operator=(result_stream&&) noexcept;

    /// The next record; false at the end of the file.
    bool next(result_record& out);

    /// Gives back a trace next() gave, once used: when the lines are read on worker threads,
    /// its memory is freed there, not on the caller's thread (which classifies, and is the
    /// one `classify` waits for).
    void recycle(result::trace&& t);

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace tumen::controller::readers
