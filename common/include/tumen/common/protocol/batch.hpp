#pragma once
/// @file
/// The upload body (POST /api/v1/results): `{"results":[<result>,...]}`, each result being
/// the JSON text of one trace or ping (result_json.hpp). The agent writes it with batch_body();
/// the controller finds the text of each result in it with batch_elements(), so it stores
/// exactly the bytes the agent sent (no re-serialisation on the ingest path).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tumen::protocol {

/// The upload body of `results` (each one JSON object text, kept byte for byte), in order.
std::string batch_body(const std::vector<std::string_view>& results);

/// The elements of the results array of a body that a JSON parser already accepted:
/// either `[e0, e1, ...]` or an object with the single key "results" whose value is that
/// array. Each view is one element's text without the white space around it (RFC 8259
/// section 2: white space is allowed around structural characters), pointing into `body`.
/// nullopt when the text does not have this shape (callers then fall back to serialising
/// the parsed values).
std::optional<std::vector<std::string_view>> batch_elements(std::string_view body);

} // namespace tumen::protocol
