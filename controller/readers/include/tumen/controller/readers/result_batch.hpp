#pragma once
/// @file
/// What a result reader returns: the traces and pings read, and one issue per record that was
/// skipped (malformed, or well-formed but unsupported).
#include <cstddef>
#include <string>
#include <vector>

#include <tumen/common/result.hpp>

namespace tumen::controller::readers {

/// One problem with one record.
struct record_issue {
    std::string file;
    std::size_t line = 0; ///< 1-based line (0 if unknown)
    std::string element;  ///< "[3]" for the 4th element of an array/`results`, else empty
    std::string message;
    bool unsupported = false; ///< well-formed but not handled (IPv6, scamper tracelb): a note
    /// "file:line: message" (or "file[3]: message").
    std::string to_string() const;
};

/// What a file (or text) held.
struct result_batch {
    std::vector<result::trace> traces;
    std::vector<result::ping> pings;
    std::vector<record_issue> issues;
    /// Number of malformed records (issues that are not `unsupported`).
    std::size_t error_count() const;
};

} // namespace tumen::controller::readers
