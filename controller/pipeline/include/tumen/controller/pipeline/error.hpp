#pragma once
/// @file
/// Why the pipeline refused a batch, as a domain error (the HTTP layer maps each kind to a
/// status code, see tumen/controller/api/ingest_status.hpp), and expected<T>, the outcome of the
/// pipeline's steps: a value or a batch_error. Never throws.
#include <cassert>
#include <cstddef>
#include <string>
#include <utility>
#include <variant>

namespace tumen::controller::pipeline {

/// The kinds of refusal.
enum class error_kind {
    invalid,             ///< the body or one of its results is malformed: nothing stored
    other_agent,         ///< a result names another agent than the uploader: nothing stored
    storage_unavailable, ///< the store failed: nothing stored, the agent retries later
};

/// A refused batch: what went wrong, where, and how many results the batch held.
struct batch_error {
    error_kind kind = error_kind::invalid;
    std::string what;        ///< human-readable description
    std::string where;       ///< field path, e.g. "results[2].result[0].hop"; may be empty
    std::size_t results = 0; ///< results in the refused batch (0: not even an array)
};

/// A value, or the batch_error that prevented it.
template <class T>
class expected {
public:
    /// A success.
    expected(T value)
        : data_(std::move(value)) {}
    /// A refusal.
    expected(batch_error error)
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
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    /// The error; only when !ok().
    const batch_error& error() const {
        assert(!ok());
        return std::get<1>(data_);
    }

private:
    std::variant<T, batch_error> data_;
};

} // namespace tumen::controller::pipeline
