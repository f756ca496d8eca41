#pragma once
/// @file
/// The first step of ingest: parse_batch() validates an upload body as a whole (no store, no
/// clock, no metrics), so it can be tested and fuzzed on its own. A batch with any invalid
/// result is refused whole: an agent's spool then keeps every result and nothing is
/// half-applied.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <tumen/common/result.hpp>
#include <tumen/controller/pipeline/error.hpp>

namespace tumen::controller::pipeline {

/// Limits parse_batch enforces beyond the result parsers.
struct batch_limits {
    std::size_t max_id_length = 256; ///< result ids are 1..max_id_length characters
};

/// One validated result of a batch.
struct parsed_result {
    std::variant<result::trace, result::ping> value;
    std::string_view slice; ///< its bytes in the request body (the usual case)
    std::string owned;      ///< or its serialisation, when the body could not be sliced
    /// The text to store: exactly what the agent sent when the body could be sliced.
    std::string_view raw() const { return owned.empty() ? slice : std::string_view(owned); }
    /// The result id.
    const std::string& id() const;
};

/// A validated batch of one agent. Its slices point into the body given to parse_batch,
/// which must outlive it.
struct parsed_batch {
    std::string agent;
    std::vector<parsed_result> results;
};

/// Validates `body` uploaded by `agent` (already authenticated): a JSON array of results or
/// {"results": [...]}, each a strict tumen "traceroute" or "ping" (result_json.hpp) with an
/// id within `limits` and `agent` as its agent. Errors: error_kind::invalid (bad JSON, shape,
/// result or id; `where` names the byte or field) and error_kind::other_agent. Never throws.
expected<parsed_batch> parse_batch(std::string_view agent, std::string_view body,
                                   const batch_limits& limits = {});

} // namespace tumen::controller::pipeline
