#include <algorithm>

#include <spdlog/spdlog.h>

#include <tumen/common/campaign/round.hpp>
#include <tumen/probe/agent/assignment_poller.hpp>
#include <tumen/probe/agent/round_plan.hpp>

namespace tumen::probe::agent {
namespace asio = boost::asio;
using sys_clock = std::chrono::system_clock;

std::chrono::milliseconds next_poll_delay(std::chrono::milliseconds poll_interval,
                                          std::optional<std::int64_t> valid_until,
                                          std::int64_t now_s,
                                          std::chrono::milliseconds after_boundary) {
    if (!valid_until) {
        return poll_interval;
    }
    const auto until = std::chrono::milliseconds((*valid_until - now_s) * 1000) + after_boundary;
    return std::clamp(until, std::chrono::milliseconds(1000), poll_interval);
}

assignment_poller::assignment_poller(asio::io_context& io, http_client& client, std::string agent,
                                     const controller_config& controller, agent_metrics& metrics,
                                     apply_fn apply)
    : io_(io)
    , client_(client)
    , target_("/api/v1/agents/" + agent + "/assignment")
    , controller_(controller)
    , metrics_(metrics)
    , apply_(std::move(apply))
    , timer_(io)
    , rng_(std::random_device{}()) {}

void assignment_poller::start() {
    asio::co_spawn(io_, run(), [](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::critical("assignment polling stopped: {}", ex.what());
            }
        }
    });
}

void assignment_poller::refresh() {
    etag_.clear();
    timer_.cancel(); // poll now
}

void assignment_poller::stop() {
    stopping_ = true;
    timer_.cancel();
}

asio::awaitable<void> assignment_poller::run() {
    while (!stopping_) {
        http_request req;
        req.target = target_;
        req.headers.emplace_back("Authorization", "Bearer " + controller_.token);
        req.headers.emplace_back("Accept", "application/json");
        if (!etag_.empty()) {
            req.headers.emplace_back("If-None-Match", etag_);
        }
        auto res = co_await client_.request(std::move(req));
        if (stopping_) {
            break;
        }
        const auto now_s = campaign::unix_seconds(sys_clock::now());
        on_response(res, now_s);
        // Next poll: the poll interval, or shortly after the round boundary if sooner.
        const auto valid_until = current_ ? current_->valid_until : std::nullopt;
        const std::chrono::milliseconds after_boundary(
            valid_until ? std::uniform_int_distribution<int>(200, 2000)(rng_) : 0);
        timer_.expires_after(
            next_poll_delay(controller_.poll_interval, valid_until, now_s, after_boundary));
        boost::system::error_code ec;
        co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void assignment_poller::on_response(const http_response& res, std::int64_t now_s) {
    if (!res.ec && res.status == 200) {
        auto a = protocol::parse_assignment(std::string_view(res.body));
        if (!a) {
            metrics_.assignment_poll("error");
            spdlog::error("assignment: controller sent an invalid document ({}); keeping the "
                          "previous one",
                          a.error().message());
            return;
        }
        etag_ = res.etag;
        spdlog::info("assignment: version {}: {} item(s) in {} campaign(s)",
                     a->version.substr(0, 12), a->work.size(), a->campaigns.size());
        current_ = std::move(*a);
        metrics_.assignment_poll("changed");
        apply_(*current_);
        return;
    }
    if (!res.ec && res.status == 304) {
        metrics_.assignment_poll("unchanged");
        return;
    }
    metrics_.assignment_poll("error");
    if (res.ec) {
        spdlog::warn("assignment: GET {} failed at {}: {}", target_, res.error_step,
                     res.ec.message());
    } else {
        spdlog::warn("assignment: GET {} answered HTTP {}: {}", target_, res.status,
                     res.body.substr(0, 300));
    }
    if (current_ && current_->valid_until && now_s >= *current_->valid_until) {
        repeat_last_round();
    }
}

void assignment_poller::repeat_last_round() {
    // The controller is unreachable past the round's end: keep measuring with the last
    // assignment (same addresses) so the outage leaves no gap; results are spooled.
    auto next = next_round_of(*current_, sys_clock::now());
    if (!next) {
        return;
    }
    current_ = std::move(*next);
    spdlog::warn("assignment: controller unreachable after the round ended; repeating the last "
                 "assignment ({} item(s))",
                 current_->work.size());
    apply_(*current_);
}

} // namespace tumen::probe::agent
