#include <algorithm>

#include <tumen/controller/inference/path_names.hpp>
#include <tumen/controller/pipeline/standing.hpp>

namespace tumen::controller::pipeline {

standing_rules::standing_rules(const campaign::campaign_set& campaigns,
                               const std::optional<agent_labels>& agents)
    : agents_(agents) {
    for (const auto& c : campaigns.campaigns) {
        for (const auto& p : c.targets.prefixes) {
            by_target_[p.to_string()].push_back(&c);
        }
    }
}

bool standing_rules::agent_in_force(const std::string& agent) const {
    return !agents_ || agents_->count(agent) > 0;
}

std::optional<std::chrono::milliseconds>
standing_rules::stale_after(const std::string& agent, const std::string& target) const {
    auto listed = by_target_.find(target);
    if (listed == by_target_.end() || !agent_in_force(agent)) {
        return std::nullopt;
    }
    static const std::vector<std::string> no_labels;
    const std::vector<std::string>* labels = &no_labels;
    if (agents_) {
        labels = &agents_->at(agent);
    }
    std::optional<std::chrono::milliseconds> out;
    for (const auto* c : listed->second) {
        // Without a roster the labels are unknown: the prefix alone decides.
        if (agents_ && !c->agents.matches(agent, *labels)) {
            continue;
        }
        const auto s = c->params.stale_after_or_default();
        out = out ? std::max(*out, s) : s;
    }
    return out;
}

verdict_standing standing_rules::standing(const store::verdict_row& row, std::int64_t now) const {
    const std::int64_t last = row.observed > 0 ? row.observed : row.updated;
    const auto after = stale_after(row.agent, row.target);
    if (!after) {
        auto f = inference::evaluate_freshness(last, now, std::chrono::milliseconds(0));
        f.stale = true;
        return verdict_standing{false, f};
    }
    return verdict_standing{true, inference::evaluate_freshness(last, now, *after)};
}

namespace {

/// Brings the metrics of one verdict in line with its standing at `now`.
void publish_one(const store::verdict_row& row, const standing_rules& rules, std::int64_t now,
                 metrics::controller_metrics& m) {
    const auto s = rules.standing(row, now);
    if (!s.in_force) {
        return; // retain_in_force() removes its series
    }
    m.set_verdict_age(row.agent, row.target, static_cast<double>(s.freshness.age_seconds));
    if (s.freshness.stale) {
        m.clear_border_path(row.agent, row.target);
    } else if (!row.path.empty()) {
        m.set_border_path(row.agent, row.target, inference::path_name(row.path));
    }
}

} // namespace

void publish_standing(const verdict_state& state, const standing_rules& rules, std::int64_t now,
                      metrics::controller_metrics& m) {
    for (const auto& [key, row] : state.verdicts()) {
        publish_one(row, rules, now, m);
    }
    retain_in_force(rules, m);
}

std::optional<verdict_map::key_type>
publish_standing_slice(const verdict_state& state, const standing_rules& rules, std::int64_t now,
                       metrics::controller_metrics& m, const verdict_map::key_type& from,
                       std::size_t count) {
    const auto& verdicts = state.verdicts();
    auto it = verdicts.lower_bound(from);
    for (std::size_t done = 0; it != verdicts.end() && done < count; ++it, ++done) {
        publish_one(it->second, rules, now, m);
    }
    if (it == verdicts.end()) {
        return std::nullopt;
    }
    return it->first;
}

void retain_in_force(const standing_rules& rules, metrics::controller_metrics& m) {
    m.retain(
        [&](const std::string& agent, const std::string& target) {
            return rules.stale_after(agent, target).has_value();
        },
        [&](const std::string& agent) { return rules.agent_in_force(agent); });
}

} // namespace tumen::controller::pipeline
