#include <algorithm>

#include <tumen/probe/agent/round_plan.hpp>

namespace tumen::probe::agent {
using sys_clock = std::chrono::system_clock;

round_plan plan_local_round(const campaign::campaign& c, const std::string& agent,
                            const std::vector<std::string>& labels, sys_clock::time_point now) {
    const campaign::round_clock clock(c.params.interval);
    round_plan p;
    p.campaign = c.name;
    p.round = clock.round_at(campaign::unix_seconds(now));
    campaign::campaign_set one;
    one.campaigns.push_back(c);
    p.items = campaign::compute_work(one, agent, labels, p.round);
    p.end = sys_clock::time_point(std::chrono::seconds(clock.end_of(p.round)));
    return p;
}

std::vector<round_plan> plan_assignment(const protocol::assignment& a, sys_clock::time_point now) {
    std::vector<round_plan> plans;
    for (const auto& [name, round] : a.campaigns) {
        round_plan p;
        p.campaign = name;
        p.round = round;
        for (const auto& w : a.work) {
            if (w.campaign == name) {
                p.items.push_back(w);
            }
        }
        p.end = a.valid_until ? sys_clock::time_point(std::chrono::seconds(*a.valid_until))
                              : now + (p.items.empty() ? std::chrono::milliseconds(60000)
                                                       : p.items.front().params.interval);
        plans.push_back(std::move(p));
    }
    return plans;
}

std::optional<protocol::assignment> next_round_of(const protocol::assignment& last,
                                                  sys_clock::time_point now) {
    if (last.work.empty()) {
        return std::nullopt;
    }
    std::chrono::milliseconds shortest{std::chrono::hours(24)};
    for (const auto& w : last.work) {
        shortest = std::min(shortest, w.params.interval);
    }
    protocol::assignment next = last;
    for (auto& c : next.campaigns) {
        ++c.round;
    }
    next.valid_until = campaign::unix_seconds(now) + campaign::round_clock(shortest).interval_s();
    return next;
}

std::chrono::milliseconds start_offset(sys_clock::time_point now, sys_clock::time_point round_end,
                                       std::chrono::milliseconds jitter, std::mt19937_64& rng) {
    auto span = std::chrono::duration_cast<std::chrono::milliseconds>(round_end - now);
    span = std::min(span, jitter);
    if (span.count() <= 1) {
        return std::chrono::milliseconds{0};
    }
    return std::chrono::milliseconds(
        std::uniform_int_distribution<std::int64_t>(0, span.count() - 1)(rng));
}

} // namespace tumen::probe::agent
