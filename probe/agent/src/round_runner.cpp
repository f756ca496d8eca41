#include "round_runner.hpp"

#include <tumen/probe/agent/round_plan.hpp>

namespace tumen::probe::agent {
namespace asio = boost::asio;
using sys_clock = std::chrono::system_clock;

round_runner::round_runner(asio::io_context& io, scheduler& sched, agent_metrics& metrics,
                           std::string agent, const std::vector<std::string>& labels, bool once)
    : io_(io)
    , scheduler_(sched)
    , metrics_(metrics)
    , agent_(std::move(agent))
    , labels_(labels)
    , once_(once) {}

void round_runner::run_assignment(const protocol::assignment& a) {
    for (const auto& p : plan_assignment(a, sys_clock::now())) {
        scheduler_.run_round(p.campaign, p.round, p.items, p.end);
    }
    metrics_.set_assignment_items(a.work.size());
}

void round_runner::run_local(campaign::campaign_set set) {
    campaigns_ = std::move(set);
    cancel_timers();
    timers_.clear();
    for (std::size_t i = 0; i < campaigns_.campaigns.size(); ++i) {
        schedule_campaign(i);
    }
}

void round_runner::stop() {
    stopped_ = true;
    cancel_timers();
}

void round_runner::cancel_timers() {
    for (auto& t : timers_) {
        t->cancel();
    }
}

void round_runner::schedule_campaign(std::size_t index) {
    if (stopped_ || index >= campaigns_.campaigns.size()) {
        return;
    }
    const auto p = plan_local_round(campaigns_.campaigns[index], agent_, labels_, sys_clock::now());
    scheduler_.run_round(p.campaign, p.round, p.items, p.end);
    if (once_) {
        return;
    }
    auto timer = std::make_unique<asio::steady_timer>(io_);
    timer->expires_after(p.end - sys_clock::now());
    timer->async_wait([this, index](const boost::system::error_code& ec) {
        if (!ec) {
            schedule_campaign(index);
        }
    });
    timers_.push_back(std::move(timer));
    // Keep the list short: expired timers are dropped lazily.
    if (timers_.size() > 4 * campaigns_.campaigns.size() + 16) {
        std::erase_if(timers_, [](const auto& t) {
            return t->expiry() < asio::steady_timer::clock_type::now();
        });
    }
}

} // namespace tumen::probe::agent
