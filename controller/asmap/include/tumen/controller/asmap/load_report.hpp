#pragma once
/// @file
/// What loading one AS-map source file did, and the error thrown when it cannot be read.
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include <tumen/common/parse_error.hpp>

namespace tumen::controller::asmap {

/// What one line of a source file is.
enum class line_kind {
    entry,   ///< a usable entry
    skipped, ///< well-formed but not used (blank, comment, IPv6, AS 0)
    error,   ///< malformed
};

/// What happened while loading one file. Bad lines are listed (at most `max_errors` kept,
/// `error_count` counts all); good lines are kept.
struct load_report {
    std::size_t lines = 0;
    std::size_t entries = 0;
    std::size_t skipped = 0; ///< well-formed but not used (IPv6, AS 0, comments)
    std::size_t error_count = 0;
    std::vector<parse_error> errors; ///< where = "file:line"
    static constexpr std::size_t max_errors = 100;

    /// Counts one bad line and keeps it if fewer than `max_errors` are kept.
    void add_error(std::string where, std::string what) {
        ++error_count;
        if (errors.size() < max_errors) {
            errors.push_back(parse_error{std::move(where), std::move(what)});
        }
    }
};

/// Thrown only when a file cannot be opened or read at all (a start-up edge); the message
/// names the file.
class asmap_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace tumen::controller::asmap
