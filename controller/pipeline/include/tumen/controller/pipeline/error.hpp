#pragma once
/// @file
/// Why the pipeline refused a batch, as a domain error (the HTTP layer maps each kind to a
/// status code, see tumen/controller/api/ingest_status.hpp), and expected<T>, the outcome of the
/// pipeline's steps: a value or a batch_error. Never throws.
#include <cstddef>
#include <string>
#include <vector>

#include <tumen/common/value_or_error.hpp>

namespace tumen::controller::pipeline {

/// The kinds of refusal.
enum class error_kind {
    invalid,             ///< the body or one of its results is malformed: nothing stored
    other_agent,         ///< a result names another agent than the uploader: nothing stored
    not_assigned,        ///< no result of the batch is the agent's assigned work: nothing stored
    storage_unavailable, ///< the store failed: nothing stored, the agent retries later
};

/// One result refused on its own (authorization by work, authorize.hpp): the rest of its
/// batch may be stored.
struct rejected_result {
    std::size_t index = 0; ///< its position in the batch
    std::string id;        ///< its result id
    std::string reason;    ///< the reason code ("not_assigned", "outside_assignment")
    std::string what;      ///< human-readable reason
};

/// A refused batch: what went wrong, where, and how many results the batch held.
struct batch_error {
    error_kind kind = error_kind::invalid;
    std::string what;        ///< human-readable description
    std::string where;       ///< field path, e.g. "results[2].result[0].hop"; may be empty
    std::size_t results = 0; ///< results in the refused batch (0: not even an array)
    std::vector<rejected_result> rejected{}; ///< not_assigned: every result, with its reason
};

/// A value, or the batch_error that prevented it.
template <class T>
using expected = value_or_error<T, batch_error>;

} // namespace tumen::controller::pipeline
