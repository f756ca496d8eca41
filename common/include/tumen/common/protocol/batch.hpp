#pragma once
/// @file
/// The upload body (POST /api/v1/results): `{"results":[<result>,...]}`, each result being
/// the JSON text of one trace or ping (result_json.hpp). The agent writes it with batch_body();
/// the controller finds the text of each result in it with batch_elements(), so it stores
/// exactly the bytes the agent sent (no re-serialisation on the ingest path).
///
/// The reply: 200 `{"stored": n, "duplicates": n, "changes": n, "rejected": [...]}`, where
/// `rejected` lists the results refused one by one (not the agent's assigned work; the others
/// were stored); 403 `{"status": 403, "error": "...", "where": "...", "rejected": [...]}` when
/// every result was refused. Each entry is `{"index": i, "id": "...", "reason": "...",
/// "error": "..."}` (docs/api.md); the controller writes it with rejected_json(), the agent
/// reads it with parse_rejected().
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace tumen::protocol {

/// One result of an upload refused on its own.
struct rejected_entry {
    std::size_t index = 0; ///< its position in the uploaded batch
    std::string id;        ///< its result id
    std::string reason;    ///< reason code, e.g. "not_assigned"
    std::string error;     ///< human-readable reason
    friend bool operator==(const rejected_entry&, const rejected_entry&) = default;
};

/// The `rejected` array of a reply.
nlohmann::json rejected_json(const std::vector<rejected_entry>& rejected);

/// The `rejected` entries of a reply body: empty when the body has none (an older
/// controller), nullopt when the body is not JSON or an entry is malformed (a field missing
/// or of the wrong type; indices are not checked against any batch here).
std::optional<std::vector<rejected_entry>> parse_rejected(std::string_view reply_body);

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
