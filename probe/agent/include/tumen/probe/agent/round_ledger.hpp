#pragma once
/// @file
/// Which work items of each campaign's current round have been started, so an item starts at
/// most once per round even when the assignment changes (or is repeated) mid-round: only the
/// items new to the round are started; a new round number starts afresh.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <tumen/common/campaign/work.hpp>

namespace tumen::probe::agent {

/// What identifies a work item within a round: campaign, address and method.
std::string work_item_key(const campaign::work_item& w);

/// The items started in each campaign's current round.
class round_ledger {
public:
    /// The items of `items` to start for round `round` of `campaign`: those naming `campaign`
    /// and not started yet in that round, in order, each once. They count as started from now
    /// on. A round other than the campaign's current one becomes its current round (nothing
    /// of the previous one is remembered).
    std::vector<campaign::work_item> admit(const std::string& campaign, std::uint64_t round,
                                           const std::vector<campaign::work_item>& items);

private:
    std::map<std::string, std::pair<std::uint64_t, std::set<std::string>>>
        started_; ///< per campaign: current round, keys started in it
};

} // namespace tumen::probe::agent
