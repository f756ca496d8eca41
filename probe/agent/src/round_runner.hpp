#pragma once
/// @file
/// Runs rounds on the scheduler: in controller mode the rounds of each assignment
/// (round_plan.hpp), in standalone mode every campaign of the local schedule round after round
/// on a timer at each round's end (or one round with --once).
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <tumen/common/asio.hpp>
#include <tumen/common/campaign.hpp>
#include <tumen/common/protocol/assignment.hpp>
#include <tumen/probe/agent/agent_metrics.hpp>
#include <tumen/probe/agent/scheduler.hpp>

namespace tumen::probe::agent {

/// The round runner. Single-threaded (the scheduler's io_context).
class round_runner {
public:
    /// `labels` (read at every standalone round, a reload may change them), `sched` and
    /// `metrics` must outlive the runner. `once`: standalone rounds are not repeated.
    round_runner(boost::asio::io_context& io, scheduler& sched, agent_metrics& metrics,
                 std::string agent, const std::vector<std::string>& labels, bool once);
    round_runner(const round_runner&) = delete;
    round_runner& operator=(const round_runner&) = delete;

    /// Controller mode: schedules the round of every campaign of `a`.
    void run_assignment(const protocol::assignment& a);
    /// Standalone mode: runs the campaigns of `set` from their current round on, in place of
    /// the previous schedule (whose pending rounds are cancelled).
    void run_local(campaign::campaign_set set);
    /// The campaigns of the standalone schedule.
    std::size_t local_campaigns() const noexcept { return campaigns_.campaigns.size(); }
    /// Starts no further standalone round.
    void stop();

private:
    void schedule_campaign(std::size_t index);
    void cancel_timers();

    boost::asio::io_context& io_;
    scheduler& scheduler_;
    agent_metrics& metrics_;
    std::string agent_;
    const std::vector<std::string>& labels_;
    bool once_;
    bool stopped_ = false;
    campaign::campaign_set campaigns_;
    std::vector<std::unique_ptr<boost::asio::steady_timer>> timers_;
};

} // namespace tumen::probe::agent
