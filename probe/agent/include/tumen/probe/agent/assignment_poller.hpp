#pragma once
/// @file
/// The assignment fetch/refresh loop of controller mode: `GET /api/v1/agents/{id}/assignment`
/// with the last ETag in If-None-Match, every poll interval and shortly after the round
/// boundary (`valid_until`) when that comes sooner. A new document (200) is applied; 304 keeps
/// the current one; an invalid document or a failed request keeps it too, and once the round
/// it was valid for is over while the controller stays unreachable, the same work is repeated
/// as the next round (round_plan.hpp) so an outage leaves no gap. The document is parsed by
/// common/protocol/assignment.hpp.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include <tumen/common/asio.hpp>
#include <tumen/common/protocol/assignment.hpp>
#include <tumen/probe/agent/agent_config.hpp>
#include <tumen/probe/agent/agent_metrics.hpp>
#include <tumen/probe/agent/http_client.hpp>

namespace tumen::probe::agent {

/// The delay until the next poll: `poll_interval`, or `after_boundary` past the round boundary
/// `valid_until` (Unix seconds) when that is sooner, but at least one second.
std::chrono::milliseconds next_poll_delay(std::chrono::milliseconds poll_interval,
                                          std::optional<std::int64_t> valid_until,
                                          std::int64_t now_s,
                                          std::chrono::milliseconds after_boundary);

/// The poll loop. Single-threaded (the client's io_context).
class assignment_poller {
public:
    /// Receives every assignment to run (new, or repeated for the next round).
    using apply_fn = std::function<void(const protocol::assignment&)>;

    /// `client`, `controller` (read at every poll: token, poll interval) and `metrics` must
    /// outlive the poller.
    assignment_poller(boost::asio::io_context& io, http_client& client, std::string agent,
                      const controller_config& controller, agent_metrics& metrics, apply_fn apply);
    assignment_poller(const assignment_poller&) = delete;
    assignment_poller& operator=(const assignment_poller&) = delete;

    /// Starts the loop (coroutine on the io_context).
    void start();
    /// Asks for the whole document again now (without If-None-Match).
    void refresh();
    /// Ends the loop (after the current request).
    void stop();
    /// The assignment being run, if any.
    const std::optional<protocol::assignment>& current() const noexcept { return current_; }

private:
    boost::asio::awaitable<void> run();
    void on_response(const http_response& res, std::int64_t now_s);
    void repeat_last_round();

    boost::asio::io_context& io_;
    http_client& client_;
    std::string target_;
    const controller_config& controller_;
    agent_metrics& metrics_;
    apply_fn apply_;
    boost::asio::steady_timer timer_;
    std::mt19937_64 rng_;
    std::string etag_;
    std::optional<protocol::assignment> current_;
    bool stopping_ = false;
};

} // namespace tumen::probe::agent
