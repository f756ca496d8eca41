#pragma once
/// @file
/// The assignment document (GET /api/v1/agents/<name>/assignment): what the controller tells
/// an agent to probe. Written by the controller (controller/api handlers), parsed by the agent
/// (probe/agent daemon); both sides use this file:
///
///     {"agent": "fra", "campaigns": [{"name": "c1", "round": 5831}], "work": [<work item>...],
///      "version": "<hex sha256 of agent+campaigns+work>", "valid_until": <unix s> | null}
///
/// Work items are campaign/work.hpp's JSON form; every work item names a listed campaign.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/common/campaign/work.hpp>
#include <tumen/common/parse_error.hpp>

namespace tumen::protocol {

/// A campaign of an assignment and the round its work items belong to.
struct campaign_round {
    std::string name;
    std::uint64_t round = 0;
    friend bool operator==(const campaign_round&, const campaign_round&) = default;
};

/// The assignment document.
struct assignment {
    std::string agent;                       ///< the agent it is for
    std::vector<campaign_round> campaigns;   ///< in the order of the campaign set
    std::vector<campaign::work_item> work;   ///< the work of this round
    std::string version;                     ///< changes only when the work changes (ETag)
    std::optional<std::int64_t> valid_until; ///< Unix seconds of the next round boundary

    /// The round of campaign `name`, or nullopt when it is not listed.
    std::optional<std::uint64_t> round_of(std::string_view name) const;
    friend bool operator==(const assignment&, const assignment&) = default;
};

/// The part of the document that `version` digests: agent, campaigns and work.
nlohmann::json content_json(const assignment& a);
/// The whole document: content_json() plus version and valid_until (null when absent).
nlohmann::json to_json(const assignment& a);

/// Strict inverse of to_json(assignment): errors name the field ("work[3].wait_ms").
/// `agent` and `version` may be absent (then empty); `valid_until` may be absent or null.
parsed<assignment> parse_assignment(const nlohmann::json& j);
/// parse_assignment() of a JSON text.
parsed<assignment> parse_assignment(std::string_view text);

} // namespace tumen::protocol
