#pragma once
// The engine's one wake-up timer: its timer events (probe timeouts, ping intervals) in a
// FIFO-lane timer_queue, and the pump's pacing wake-ups, on one timerfd of the engine's own
// armed for the earliest deadline. Events may run a little late so that they ride on a
// wake-up that comes anyway (at 1,000 pps the pacing wakes the engine every millisecond):
// one wake-up serves both, instead of one wake-up per probe for its timeout.
//
// Why a timerfd of our own beside Asio's steady_timer, which does the same job: Asio's timer
// costs two timerfd_settime() per wake-up (its reactor re-arms its timerfd after it fires,
// then again for the next deadline), about 5% of the engine's CPU at 1,000 pps in perf.
// While the pump is paced, this one is periodic at the pacing interval: each pacing
// wake-up costs the epoll_wait() that returns it and one read() of the expiry count
// (BENCH_SYSCALLS=1 bench/probe/run.sh). The gain is small: at 1,000 pps tumen's CPU over
// scamper's went from 1.04x to 0.96x (loaded VM, nine runs) and from 1.12x to 1.06x (idle,
// five runs) against the same engine on Asio's timer (README, "Probe engine").
#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>

#include <tumen/common/asio.hpp>
#include <tumen/probe/engine/timer_event.hpp>
#include <tumen/probe/engine/timer_queue.hpp>

namespace tumen::probe::engine {

/// Timer events (timeouts, ping intervals) this close after a wake-up are handled in it: an
/// event runs at most this much early. Waits and intervals are milliseconds or more.
inline constexpr std::chrono::steady_clock::duration event_slack = std::chrono::microseconds(100);
/// An event runs at most this much late: a wake-up that comes anyway by then handles it
/// (at most a thousandth of the shortest wait, 1 s by default, and of ping intervals).
inline constexpr std::chrono::steady_clock::duration event_late_slack =
    std::chrono::microseconds(1000);
/// A periodic pacing wake-up this much later than the pump asked for serves (the pump's next
/// token falls on the next tick but for rounding; the bucket keeps what the delay adds).
inline constexpr std::chrono::steady_clock::duration send_tick_slack =
    std::chrono::microseconds(50);

/// Pending timer events, the pump's next pacing time, and the timerfd that wakes the
/// engine for the earliest of them.
class event_timer {
public:
    using clock = std::chrono::steady_clock;

    /// `wake` runs at each wake-up: it handles the due events (pop()), pumps when
    /// take_send_wake() says so, then calls rearm(). Throws std::system_error when no
    /// timerfd can be made.
    event_timer(boost::asio::io_context& io, std::function<void()> wake);

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
    /// At the end of a wake-up: stops the periodic pacing wake-ups when the pump no longer
    /// needs them, and arms the wake-up for the earliest event left, if any.
    void rearm();

    /// Wakes the engine at `at` (not later than send_tick_slack) to pump sends, and every
    /// `period` after it (zero: once) until a wake-up where the pump asks for none.
    void wake_to_send(clock::time_point at, clock::duration period);
    /// When the next wake-up comes (time_point::max() when none is armed).
    clock::time_point armed_at() const noexcept { return armed_at_; }
    /// True while a pacing wake-up is pending.
    bool send_wake_pending() const noexcept { return send_wake_; }
    /// At a wake-up: true when a pacing wake-up was pending (the pump runs now, and arms
    /// the next one if it needs one).
    bool take_send_wake() noexcept { return std::exchange(send_wake_, false); }

    /// Drops every event and stops the wake-ups.
    void clear();

private:
    /// Makes sure a wake-up comes by `at`. One armed earlier serves: its wake-up arms the
    /// timer again for what is left.
    void arm(clock::time_point at) {
        if (armed_at_ > at) {
            set(at, clock::duration::zero());
        }
    }
    /// timerfd_settime(): first expiry at `at`, then every `period` (zero: once).
    void set(clock::time_point at, clock::duration period);
    /// Disarms the timerfd.
    void disarm();
    /// Reads the timerfd's next expiry count.
    void wait();
    /// A wake-up: where the timer stands now, then `wake_`.
    void fired();

    boost::asio::posix::stream_descriptor fd_;
    std::function<void()> wake_;
    timer_queue<timer_event, clock::duration> events_;
    clock::time_point armed_at_ = clock::time_point::max(); ///< the next expiry
    clock::duration period_ = clock::duration::zero();      ///< zero: a one-shot expiry
    bool waiting_ = false;                                  ///< a read is queued on fd_
    std::uint64_t expiries_[2] = {};                        ///< the read's buffer
    bool send_wake_ = false;
};

} // namespace tumen::probe::engine
