#pragma once
/// @file
/// Authorization by work: a result is accepted only for an (agent, campaign, target prefix)
/// the agent was assigned when the result was measured (its timestamp, within a clock skew),
/// by the assignment history the store keeps (store::assignment_row). Pure: no store, no clock.
///
/// A trace, or a ping to an address inside a target prefix of its campaign, needs a period of
/// (agent, campaign, that prefix) covering its time. A ping to an address outside every
/// prefix the campaign ever assigned the agent is a ping to a ping target the controller chose
/// (inference/ping_target.hpp): it needs a period of (agent, campaign) covering its time.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <tumen/common/ipv4.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::pipeline {

/// Clock skew allowed by default between an agent's clock and the controller's.
inline constexpr std::int64_t default_clock_skew_seconds = 300;

/// Reason codes of a refusal (label `reason` of tumen_results_rejected_total).
namespace refusal_reason {
inline constexpr const char* not_assigned = "not_assigned"; ///< never assigned
/// assigned, but not when the result was measured
inline constexpr const char* outside_assignment = "outside_assignment";
} // namespace refusal_reason

/// What a result claims as work.
struct work_claim {
    std::string agent;
    std::string campaign;
    ipv4_addr dst;
    std::int64_t timestamp = 0; ///< measurement time (Unix seconds, the agent's clock)
    bool ping = false;
};

/// Why a result is refused.
struct refusal {
    std::string reason; ///< a refusal_reason code
    std::string what;   ///< human-readable, names the agent, campaign, target and time
};

/// Does a period cover time `t` within `skew` seconds on both sides?
bool covers(const store::assignment_row& period, std::int64_t t, std::int64_t skew) noexcept;

/// nullopt when `history` (the periods of claim.agent's assignments) authorizes `claim`,
/// else the refusal. Periods of other agents in `history` are ignored.
std::optional<refusal> authorize(const work_claim& claim,
                                 const std::vector<store::assignment_row>& history,
                                 std::int64_t skew = default_clock_skew_seconds);

} // namespace tumen::controller::pipeline
