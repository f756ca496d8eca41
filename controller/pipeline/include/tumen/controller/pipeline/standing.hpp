#pragma once
/// @file
/// How each verdict stands: whether its agent x target prefix is still in force (a configured
/// agent that a campaign in force assigns that prefix to) and whether it is fresh or stale
/// (inference/staleness.hpp, with the campaign's stale_after). publish_standing() brings the
/// metrics in line: the series of stale verdicts and of pairs no longer in force go away, so
/// that exactly one tumen_border_path series per fresh agent x target is 1 (docs/api.md,
/// "Staleness").
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/inference/staleness.hpp>
#include <tumen/controller/metrics/controller_metrics.hpp>
#include <tumen/controller/pipeline/verdict_state.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::pipeline {

/// Configured agents: name -> labels.
using agent_labels = std::map<std::string, std::vector<std::string>>;

/// How one verdict stands.
struct verdict_standing {
    bool in_force = false; ///< a configured agent, assigned the prefix by a campaign in force
    inference::freshness freshness; ///< stale when not in force
};

/// The rules of standing at one moment: the campaigns in force and the configured agents.
class standing_rules {
public:
    /// `agents`: nullopt when every agent counts as configured (tests without a roster).
    /// Both must outlive the rules.
    standing_rules(const campaign::campaign_set& campaigns,
                   const std::optional<agent_labels>& agents);

    /// Is `agent` configured?
    bool agent_in_force(const std::string& agent) const;
    /// The stale_after of agent x target (the longest of the campaigns that assign the prefix
    /// to the agent), or nullopt when no campaign in force does.
    std::optional<std::chrono::milliseconds> stale_after(const std::string& agent,
                                                         const std::string& target) const;
    /// The standing of a verdict at `now`: its age counts from `observed` (or `updated` in
    /// rows stored before `observed` existed).
    verdict_standing standing(const store::verdict_row& row, std::int64_t now) const;

private:
    const std::optional<agent_labels>& agents_;
    /// target prefix text -> the campaigns listing it
    std::map<std::string, std::vector<const campaign::campaign*>> by_target_;
};

/// Re-evaluates every verdict of `state` at `now`: fresh verdicts with a path show it in
/// tumen_border_path, stale ones lose their tumen_border_path series (and their share);
/// tumen_verdict_age_seconds of every verdict in force; every series of pairs and agents no
/// longer in force is removed.
void publish_standing(const verdict_state& state, const standing_rules& rules, std::int64_t now,
                      metrics::controller_metrics& m);

/// The first part of publish_standing, one slice at a time: re-evaluates at most `count`
/// verdicts of `state` at `now`, from the first whose key is not below `from`. Returns the key to
/// resume from, or nullopt when the last verdict was done.
std::optional<verdict_map::key_type>
publish_standing_slice(const verdict_state& state, const standing_rules& rules, std::int64_t now,
                       metrics::controller_metrics& m, const verdict_map::key_type& from,
                       std::size_t count);

/// The last part of publish_standing: removes every series of pairs and agents no longer in
/// force.
void retain_in_force(const standing_rules& rules, metrics::controller_metrics& m);

} // namespace tumen::controller::pipeline
