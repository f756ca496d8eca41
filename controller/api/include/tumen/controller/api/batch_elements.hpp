#pragma once
/// @file
/// Finds the text of each result in an upload body, so the controller stores exactly the
/// bytes the agent sent (no re-serialisation on the ingest path).
#include <optional>
#include <string_view>
#include <vector>

namespace tumen::controller::api {

/// The elements of the results array of a body that a JSON parser already accepted:
/// either `[e0, e1, ...]` or an object with the single key "results" whose value is that
/// array. Each view is one element's text without the white space around it (RFC 8259
/// section 2: white space is allowed around structural characters), pointing into `body`.
/// nullopt when the text does not have this shape (callers then fall back to serialising
/// the parsed values).
std::optional<std::vector<std::string_view>> batch_elements(std::string_view body);

} // namespace tumen::controller::api
