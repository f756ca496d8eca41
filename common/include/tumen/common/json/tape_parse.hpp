#pragma once
/// @file
/// The parse of untrusted JSON text on the hot paths (upload bodies, result files): simdjson's
/// DOM parser, which validates the whole text and writes it to one flat tape reused across
/// parses (one thread-local parser per thread, no allocation per value), with the refusals of
/// bounded_parse: a byte order mark, more than `max_depth` nested arrays/objects, a key
/// repeated in one object (with the field path), and a number beyond a double. The text of a
/// refusal is bounded_parse's (it describes where the text stopped being JSON); the accepted
/// texts are the same.
///
/// Why not simdjson's on-demand API: it leaves the values a reader skips unvalidated, and the
/// upload contract refuses a body with invalid JSON anywhere in it. (The RIPE Atlas line
/// reader of controller/readers uses it, visiting every value, and leaves to this parser each
/// line it does not take.)
#include <cstddef>
#include <optional>
#include <simdjson.h>
#include <string>
#include <string_view>

#include <tumen/common/json/bounded_parse.hpp>

namespace tumen::json_fields {

/// Parses `text` on this thread's parser. `out` stays valid until the next tape_parse on the
/// same thread. Refusals as bounded_parse().
std::optional<json_parse_error> tape_parse(std::string_view text, simdjson::dom::element& out,
                                           std::size_t max_depth = max_json_depth);

/// nlohmann-json's name of the type of `e` ("object", "array", "string", "number",
/// "boolean", "null"), so that error texts do not depend on the parser.
const char* type_name(const simdjson::dom::element& e) noexcept;

/// A field path built without allocating while nothing fails: each level points to its
/// parent; render() writes "result[3].result[0].rtt" (as join() and index() do).
struct path_ref {
    const path_ref* parent = nullptr;
    std::string_view key;  ///< a member of an object (when !is_index)
    std::size_t index = 0; ///< an element of an array (when is_index)
    bool is_index = false;

    /// The path of member `k` of this value.
    path_ref member(std::string_view k) const noexcept { return path_ref{this, k, 0, false}; }
    /// The path of element `i` of this value.
    path_ref element(std::size_t i) const noexcept { return path_ref{this, {}, i, true}; }
    /// The text of the path.
    std::string render() const;
};

} // namespace tumen::json_fields
