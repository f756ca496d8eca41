#pragma once
// Private: scamper `trace` JSON (sc_warts2json) -> result::trace.
#include <string>

#include <nlohmann/json.hpp>

#include <tumen/common/parse_error.hpp>
#include <tumen/common/result.hpp>

namespace tumen::controller::readers::detail {

/// Context from the lines around a trace (M-Lab metadata, scamper cycle-start).
struct scamper_context {
    std::string uuid;     ///< M-Lab metadata UUID (becomes the trace id)
    std::string hostname; ///< cycle-start hostname (becomes the agent)
};

/// Converts one scamper trace object. IPv6 traces give a parse_error with where == "af".
parsed<result::trace> parse_scamper_trace(const nlohmann::json& j, const scamper_context& ctx);

} // namespace tumen::controller::readers::detail
