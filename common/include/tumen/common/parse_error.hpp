#pragma once
/// @file
/// A small result type for parsers of hostile input: either a value or an error that says
/// where (a field path, or file:line:column) and what went wrong. Never throws.
#include <string>

#include <tumen/common/value_or_error.hpp>

namespace tumen {

/// What went wrong while parsing, and where.
struct parse_error {
    std::string where; ///< field path ("result[3].result[0].rtt") or "file:line:column"
    std::string what;  ///< human-readable description

    /// "where: what" (or just "what" when `where` is empty).
    std::string message() const { return where.empty() ? what : where + ": " + what; }
};

/// Either a parsed value or a parse_error.
template <class T>
using parsed = value_or_error<T, parse_error>;

} // namespace tumen
