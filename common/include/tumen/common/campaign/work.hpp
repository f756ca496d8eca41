#pragma once
/// @file
/// The work items of a round: which agent probes which address with which method, the
/// rotation of addresses through a prefix, and the JSON form of a work item (the assignment
/// endpoint sends a list of them; protocol/assignment.hpp holds the whole document).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/common/campaign/model.hpp>
#include <tumen/common/parse_error.hpp>

namespace tumen::campaign {

/// The hysteresis K assumed when a work item does not carry one.
inline constexpr std::uint32_t default_hysteresis = 2;

/// One unit of work: probe `address` (inside `target_prefix`; for a `ping`, the controller may
/// choose an address outside it that answers for the prefix, e.g. its border hop) with `how`.
struct work_item {
    std::string campaign;
    ipv4_prefix target_prefix;
    ipv4_addr address;
    method how = method::udp_paris;
    probe_params params;
    /// The controller's hysteresis K: with watch probes on, the agent runs K-1 confirmation
    /// traces after a re-trace that shows a new border (docs/agent.md, "Watch probes").
    /// Optional in JSON (absent from older controllers' items): 2.
    std::uint32_t hysteresis = default_hysteresis;
    friend bool operator==(const work_item&, const work_item&) = default;
};

/// The work of one agent for one round (round numbers start at 0 and grow by one per
/// campaign interval, see round.hpp; rotation uses them).
std::vector<work_item> compute_work(const campaign_set& set, std::string_view agent,
                                    const std::vector<std::string>& labels, std::uint64_t round);

/// The usable host addresses of `prefix`: all of a /31 or /32, else all but the network and
/// broadcast addresses.
std::uint64_t usable_addresses(const ipv4_prefix& prefix) noexcept;

/// The address probed for `prefix` in `round` at slot `slot` (< addresses_per_prefix):
/// usable host addresses (network and broadcast excluded for prefixes shorter than /31) taken
/// in order, moving by addresses_per_prefix each round when `rotate`.
ipv4_addr address_for_round(const ipv4_prefix& prefix, std::uint32_t per_prefix, bool rotate,
                            std::uint64_t round, std::uint32_t slot);

/// JSON form of a work item (the assignment endpoint sends a list of them).
nlohmann::json to_json(const work_item& w);
/// Strict inverse of to_json(work_item): the probe parameters pass validate() (the limits of
/// the YAML parser), errors name the JSON field.
parsed<work_item> parse_work_item(const nlohmann::json& j);

} // namespace tumen::campaign
