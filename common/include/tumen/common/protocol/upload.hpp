#pragma once
/// @file
/// The parser of the upload body (POST /api/v1/results, batch.hpp): the one place that reads
/// it, with its limits (result_json.hpp, json/bounded_parse.hpp's depth and repeated keys).
/// The body is parsed once into a simdjson tape (no tree of allocated nodes); each result is
/// read from the tape into a trace or ping, and its bytes are cut out of the body
/// (batch_elements), so the controller stores exactly what the agent sent.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <tumen/common/result.hpp>

namespace tumen::protocol {

/// One result of an upload body.
struct upload_result {
    std::variant<result::trace, result::ping> value;
    std::string_view text; ///< its bytes in the body
};

/// Why a body was refused.
struct upload_error {
    std::string what;  ///< human-readable description
    std::string where; ///< "byte N", or a path such as "results[2].result[0].hop"; may be empty
    std::size_t results = 0; ///< results in the body (0: not even an array of results)
};

/// Receives the results of a body in order: `index` of `count`; returns false to stop.
using upload_sink = std::function<bool(std::size_t index, std::size_t count, upload_result&&)>;

/// The text of the refusal of a body of another shape than an array of results or
/// {"results": [...]}.
inline constexpr const char* upload_shape_error =
    "expected a JSON array of results or {\"results\": [...]}";

/// Parses an upload body: a JSON array of results or {"results": [...]}, each a strict tumen
/// "traceroute" or "ping" (result_json.hpp). Hands each result to `sink` in order until it
/// returns false. Refuses (nothing handed after the refusal; results before it were) invalid
/// JSON ("byte N"), the limits of bounded_parse (with the field path, paths of a bare array
/// named as in the wrapped form: "results[0]..."), another shape, and the first invalid
/// result ("results[i].<field>"). Never throws.
std::optional<upload_error> parse_upload(std::string_view body, const upload_sink& sink);

} // namespace tumen::protocol
