#pragma once
// The engine's timer events (probe timeouts, ping intervals) on one Asio timer: a FIFO-lane
// timer_queue and a wake-up armed for the earliest event, events close together handled
// in one wake-up.
#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>

#include <tumen/common/asio.hpp>
#include <tumen/probe/engine/timer_queue.hpp>

namespace tumen::probe::engine {

/// Timer events (timeouts, ping intervals) this close together are handled in one wake-up:
/// at high probe rates one timer re-arm per batch instead of one per probe. An event runs at
/// most this much early or late; waits and intervals are milliseconds or more.
inline constexpr std::chrono::steady_clock::duration event_slack = std::chrono::microseconds(100);

/// A probe's timeout (serial != 0) or a job's wake-up (serial 0: its next ping is due).
struct timer_event {
    std::chrono::steady_clock::time_point at;
    std::uint64_t serial = 0; ///< probe serial; 0 = wake a job
    std::uint64_t job = 0;
    std::uint32_t slot = 0; ///< the probe's table slot
    bool purge = false;     ///< forget the probe (a wait after it expired)
};

/// Pending timer events and the Asio timer that wakes the engine for them.
class event_timer {
public:
    using clock = std::chrono::steady_clock;

    /// `wake` runs when events are due (it pops them, then calls rearm()).
    event_timer(boost::asio::io_context& io, std::function<void()> wake)
        : timer_(io)
        , wake_(std::move(wake)) {}

    /// Schedules `ev`, due "now + `delay`" (zero: a one-off time; see timer_queue).
    void push(timer_event ev, clock::duration delay) {
        const auto at = ev.at;
        events_.push(ev, delay);
        arm(at);
    }
    /// True when the earliest event is due by `now` (within the slack).
    bool due(clock::time_point now) const {
        return !events_.empty() && events_.top().at <= now + event_slack;
    }
    /// Takes the earliest event (requires one).
    timer_event pop() {
        timer_event ev = events_.top();
        events_.pop();
        return ev;
    }
    /// Arms the wake-up for the earliest event left, if any.
    void rearm() {
        if (!events_.empty()) {
            arm(events_.top().at);
        }
    }
    /// Drops every event and cancels the wake-up.
    void clear() {
        timer_.cancel();
        events_.clear();
        armed_at_ = clock::time_point::max();
    }

private:
    /// Makes sure a wake-up comes by `at`; one already due within the slack after `at` will
    /// handle it.
    void arm(clock::time_point at) {
        if (at + event_slack >= armed_at_) {
            return;
        }
        armed_at_ = at;
        timer_.expires_at(at);
        timer_.async_wait([this](boost::system::error_code e) {
            if (e == boost::asio::error::operation_aborted) {
                return;
            }
            armed_at_ = clock::time_point::max();
            wake_();
        });
    }

    boost::asio::steady_timer timer_;
    std::function<void()> wake_;
    timer_queue<timer_event, clock::duration> events_;
    clock::time_point armed_at_ = clock::time_point::max();
};

} // namespace tumen::probe::engine
