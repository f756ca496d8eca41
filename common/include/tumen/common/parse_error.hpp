#pragma once
/// @file
/// A small result type for parsers of hostile input: either a value or an error that says
/// where (a field path, or file:line:column) and what went wrong. Never throws.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

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
class parsed {
public:
    /// A successful result.
    parsed(T value)
        : data_(std::move(value)) {}
    /// A failed result.
    parsed(parse_error error)
        : data_(std::move(error)) {}

    /// True when a value is held.
    bool ok() const noexcept { return data_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }

    /// The value; only when ok().
    T& value() & {
        assert(ok());
        return std::get<0>(data_);
    }
    const T& value() const& {
        assert(ok());
        return std::get<0>(data_);
    }
    T&& value() && {
        assert(ok());
        return std::get<0>(std::move(data_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    /// The error; only when !ok().
    const parse_error& error() const {
        assert(!ok());
        return std::get<1>(data_);
    }

private:
    std::variant<T, parse_error> data_;
};

} // namespace tumen
