#include <tumen/controller/pipeline/authorize.hpp>

namespace tumen::controller::pipeline {
namespace {

/// The periods of `claim`'s agent and campaign whose prefix contains its destination; the
/// longest prefix only (a /24 inside a listed /16 is a target of its own).
std::vector<const store::assignment_row*> periods_for(const work_claim& claim,
                                                      const std::vector<store::assignment_row>& h,
                                                      bool& campaign_known) {
    std::vector<const store::assignment_row*> out;
    int best = -1;
    campaign_known = false;
    for (const auto& p : h) {
        if (p.agent != claim.agent || p.campaign != claim.campaign) {
            continue;
        }
        campaign_known = true;
        auto prefix = ipv4_prefix::parse(p.target);
        if (!prefix || !prefix->contains(claim.dst) || prefix->length < best) {
            continue;
        }
        if (prefix->length > best) {
            out.clear();
            best = prefix->length;
        }
        out.push_back(&p);
    }
    return out;
}

std::string period_text(const store::assignment_row& p) {
    return std::to_string(p.since) + ".." + (p.until ? std::to_string(*p.until) : "now");
}

} // namespace

bool covers(const store::assignment_row& period, std::int64_t t, std::int64_t skew) noexcept {
    return period.since - skew <= t && (!period.until || t <= *period.until + skew);
}

std::optional<refusal> authorize(const work_claim& claim,
                                 const std::vector<store::assignment_row>& history,
                                 std::int64_t skew) {
    const std::string who = "agent \"" + claim.agent + "\"";
    const std::string when = " at its measurement time " + std::to_string(claim.timestamp);
    bool campaign_known = false;
    const auto periods = periods_for(claim, history, campaign_known);
    if (periods.empty() && claim.ping && campaign_known) {
        // A ping to a ping target: the campaign must have been assigned at the time.
        std::string seen;
        for (const auto& p : history) {
            if (p.agent != claim.agent || p.campaign != claim.campaign) {
                continue;
            }
            if (covers(p, claim.timestamp, skew)) {
                return std::nullopt;
            }
            seen += (seen.empty() ? "" : ", ") + period_text(p);
        }
        return refusal{refusal_reason::outside_assignment, who + " was not assigned campaign \"" +
                                                               claim.campaign + "\"" + when +
                                                               " (assigned " + seen + ")"};
    }
    if (periods.empty()) {
        return refusal{refusal_reason::not_assigned, who + " was never assigned " +
                                                         claim.dst.to_string() + " in campaign \"" +
                                                         claim.campaign + "\""};
    }
    std::string seen;
    for (const auto* p : periods) {
        if (covers(*p, claim.timestamp, skew)) {
            return std::nullopt;
        }
        seen += (seen.empty() ? "" : ", ") + period_text(*p);
    }
    return refusal{refusal_reason::outside_assignment,
                   who + " was not assigned target " + periods.front()->target + " of campaign \"" +
                       claim.campaign + "\"" + when + " (assigned " + seen + ")"};
}

} // namespace tumen::controller::pipeline
