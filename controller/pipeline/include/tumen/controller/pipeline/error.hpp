#pragma once
/// @file
/// Why the pipeline refused a batch, as a domain error (the HTTP layer maps each kind to a
/// status code, see tumen/controller/api/ingest_status.hpp), and expected<T>, the outcome of the
/// pipeline's steps: a value or a batch_error. Never throws.
#include <cstddef>
#include <string>

#include <tumen/common/value_or_error.hpp>

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
using expected = value_or_error<T, batch_error>;

} // namespace tumen::controller::pipeline
