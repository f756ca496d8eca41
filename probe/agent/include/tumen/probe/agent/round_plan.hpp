#pragma once
/// @file
/// Round planning, without timers or sockets: which work items the agent runs for a round and
/// until when, in both modes, and when in its round an item starts.
///  - standalone: the round of a campaign at a given time and its work, from campaign YAML
///    (round arithmetic from common/campaign/round.hpp);
///  - controller mode: one plan per campaign of an assignment document, valid until its
///    `valid_until`;
///  - controller unreachable past the round's end: the same work as the next round of every
///    campaign, so an outage leaves no gap in the measurements.
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <tumen/common/campaign.hpp>
#include <tumen/common/protocol/assignment.hpp>

namespace tumen::probe::agent {

/// The work of one campaign for one round.
struct round_plan {
    std::string campaign;                      ///< campaign name
    std::uint64_t round = 0;                   ///< round number (round.hpp)
    std::vector<campaign::work_item> items;    ///< the work items of `campaign`
    std::chrono::system_clock::time_point end; ///< no item starts after this
};

/// Standalone mode: the round of `c` that `now` falls in and `agent`'s work in it; the plan
/// ends at the round's end.
round_plan plan_local_round(const campaign::campaign& c, const std::string& agent,
                            const std::vector<std::string>& labels,
                            std::chrono::system_clock::time_point now);

/// Controller mode: one plan per campaign of `a`, in its order, with the work items that name
/// it. Each ends at `valid_until`; without one, one interval of the campaign's first item
/// after `now` (60 s when the campaign has no item).
std::vector<round_plan> plan_assignment(const protocol::assignment& a,
                                        std::chrono::system_clock::time_point now);

/// The assignment to run when the controller stays unreachable after `last` ran out: the
/// same work, every campaign one round further, valid for the shortest interval of its items
/// from `now`. nullopt when `last` has no work.
std::optional<protocol::assignment> next_round_of(const protocol::assignment& last,
                                                  std::chrono::system_clock::time_point now);

/// The random start offset of an item in its round: in [0, jitter), and never past
/// `round_end` (0 when less than 2 ms remain).
std::chrono::milliseconds start_offset(std::chrono::system_clock::time_point now,
                                       std::chrono::system_clock::time_point round_end,
                                       std::chrono::milliseconds jitter, std::mt19937_64& rng);

} // namespace tumen::probe::agent
