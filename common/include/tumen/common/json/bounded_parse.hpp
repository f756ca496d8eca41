#pragma once
/// @file
/// The one way untrusted JSON text is parsed: nlohmann's parser (iterative) with a callback
/// that bounds the nesting depth before anything recursive can touch the document, refuses
/// repeated keys and a leading byte order mark, and names the field of a number beyond the
/// range of a double.
#include <cstddef>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tumen/common/parse_error.hpp>

namespace tumen::json_fields {

/// The nesting allowed in untrusted JSON: arrays and objects, the outermost counting as 1.
inline constexpr std::size_t max_json_depth = 64;

/// A refusal of bounded_parse: where and what, and for invalid JSON text the byte offset.
struct json_parse_error : parse_error {
    /// The 1-based offset of the byte where the text stopped being valid JSON (0 before the
    /// first byte); empty when a limit refused well-formed JSON (`where` is then a field path).
    std::optional<std::size_t> byte;
};

/// Parses `text` into `out`. Refuses, with the field path (e.g. "results[0].result[2].rtt")
/// or "byte N" in `where`: invalid JSON, a UTF-8 byte order mark before the text, more than
/// `max_depth` nested arrays/objects, a key repeated in one object, and a number that does
/// not fit a double. On error `out` is left null.
std::optional<json_parse_error> bounded_parse(std::string_view text, nlohmann::json& out,
                                              std::size_t max_depth = max_json_depth);

} // namespace tumen::json_fields
