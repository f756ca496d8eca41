#pragma once
// The engine's one wake-up timer: its timer events (probe timeouts, ping intervals) in a
// FIFO-lane timer_queue, and the pump's pacing wake-ups, on one Asio timer armed for the
// earliest deadline. Events may run a little late so that they ride on a wake-up that comes
// anyway (at 1,000 pps the pacing wakes the engine every millisecond): one wake-up and one
// timer re-arm serve both, instead of one wake-up per probe for its timeout.
#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>

#include <tumen/common/asio.hpp>
#include <tumen/probe/engine/timer_queue.hpp>

namespace tumen::probe::engine {

/// Timer events (timeouts, ping intervals) this close after a wake-up are handled in it: an
/// event runs at most this much early. Waits and intervals are milliseconds or more.
inline constexpr std::chrono::steady_clock::duration event_slack = std::chrono::microseconds(100);
/// An event runs at most this much late: a wake-up that comes anyway by then handles it
/// (at most a thousandth of the shortest wait, 1 s by default, and of ping intervals).
inline constexpr std::chrono::steady_clock::duration event_late_slack =
    std::chrono::microseconds(1000);

/// A probe's timeout (serial != 0) or a job's wake-up (serial 0: its next ping is due).
struct timer_event {
    std::chrono::steady_clock::time_point at;
    std::uint64_t serial = 0; ///< probe serial; 0 = wake a job
    std::uint64_t job = 0;
    std::uint32_t slot = 0; ///< the probe's table slot
    bool purge = false;     ///< forget the probe (a wait after it expired)
};

/// Pending timer events, the pump's next pacing time, and the Asio timer that wakes the
/// engine for the earliest of them.
class event_timer {
public:
    using clock = std::chrono::steady_clock;

    /// `wake` runs at each wake-up: it handles the due events (pop()), pumps when
    /// take_send_wake() says so, then calls rearm().
    event_timer(boost::asio::io_context& io, std::function<void()> wake)
        : timer_(io)
        , wake_(std::move(wake)) {}

    /// Schedules `ev`, due "now + `delay`" (zero: a one-off time; see timer_queue).
    void push(timer_event ev, clock::duration delay) {
        const auto at = ev.at;
        events_.push(ev, delay);
        arm(at + event_late_slack);
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
            arm(events_.top().at + event_late_slack);
        }
    }

    /// Wakes the engine at `at` (not later) to pump sends.
    void wake_to_send(clock::time_point at) {
        send_wake_ = true;
        arm(at);
    }
    /// When the next wake-up comes (time_point::max() when none is armed).
    clock::time_point armed_at() const noexcept { return armed_at_; }
    /// True while a pacing wake-up is pending.
    bool send_wake_pending() const noexcept { return send_wake_; }
    /// At a wake-up: true when a pacing wake-up was pending (the pump runs now, and arms
    /// the next one if it needs one).
    bool take_send_wake() noexcept { return std::exchange(send_wake_, false); }

    /// Drops every event and cancels the wake-up.
    void clear() {
        timer_.cancel();
        events_.clear();
        armed_at_ = clock::time_point::max();
        send_wake_ = false;
    }

private:
    /// Makes sure a wake-up comes by `at`. One armed earlier serves: its handler arms the
    /// timer again for what is left.
    void arm(clock::time_point at) {
        if (armed_at_ <= at) {
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
    bool send_wake_ = false;
};

} // namespace tumen::probe::engine
