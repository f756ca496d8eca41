#pragma once
/// @file
/// The one mapping of the pipeline's refusals to HTTP status codes.
#include <tumen/controller/api/http_types.hpp>
#include <tumen/controller/pipeline/error.hpp>

namespace tumen::controller::api {

/// 400 for an invalid batch, 401 for another agent's result (the token does not vouch for
/// it, RFC 6750 section 3.1 invalid_token), 403 when no result of the batch is the agent's
/// assigned work (authenticated, but not allowed: RFC 9110 section 15.5.4), 503 when storage
/// is unavailable (retry later).
http::status status_of(pipeline::error_kind kind) noexcept;

} // namespace tumen::controller::api
