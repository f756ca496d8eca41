#include "event_timer.hpp"

#include <cerrno>
#include <sys/timerfd.h>
#include <system_error>

namespace tumen::probe::engine {
namespace {

timespec to_timespec(std::chrono::nanoseconds ns) {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(ns);
    return timespec{static_cast<time_t>(s.count()), static_cast<long>((ns - s).count())};
}

int make_timerfd() {
    // CLOCK_MONOTONIC: the clock of std::chrono::steady_clock under libstdc++.
    const int fd = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) {
        throw std::system_error(errno, std::generic_category(), "timerfd_create");
    }
    return fd;
}

} // namespace

event_timer::event_timer(boost::asio::io_context& io, std::function<void()> wake)
    : fd_(io, make_timerfd())
    , wake_(std::move(wake)) {}

void event_timer::rearm() {
    if (period_ > clock::duration::zero() && !send_wake_) {
        // The pump asked for no pacing wake-up: no more ticks.
        if (events_.empty()) {
            disarm();
        } else {
            set(events_.top().at + event_late_slack, clock::duration::zero());
        }
        return;
    }
    if (!events_.empty()) {
        arm(events_.top().at + event_late_slack);
    }
}

void event_timer::wake_to_send(clock::time_point at, clock::duration period) {
    send_wake_ = true;
    if (armed_at_ <= at || (period_ == period && period_ > clock::duration::zero() &&
                            armed_at_ <= at + send_tick_slack)) {
        return; // a wake-up comes by then: its pump asks again if it is early
    }
    set(at, period);
}

void event_timer::clear() {
    disarm();
    if (waiting_) {
        fd_.cancel(); // its handler sees operation_aborted and touches nothing
        waiting_ = false;
    }
    events_.clear();
    send_wake_ = false;
}

void event_timer::set(clock::time_point at, clock::duration period) {
    // A time at or before the clock's epoch would disarm: the earliest real time instead.
    const auto value = std::max(at.time_since_epoch(), clock::duration(1));
    itimerspec its{};
    its.it_value = to_timespec(value);
    its.it_interval = to_timespec(period);
    if (::timerfd_settime(fd_.native_handle(), TFD_TIMER_ABSTIME, &its, nullptr) != 0) {
        // Only for values out of range, which a steady_clock time is not.
        throw std::system_error(errno, std::generic_category(), "timerfd_settime");
    }
    armed_at_ = at;
    period_ = period;
    if (!waiting_) {
        wait();
    }
}

void event_timer::disarm() {
    if (armed_at_ == clock::time_point::max()) {
        return;
    }
    const itimerspec its{};
    ::timerfd_settime(fd_.native_handle(), 0, &its, nullptr); // disarming cannot fail
    armed_at_ = clock::time_point::max();
    period_ = clock::duration::zero();
}

void event_timer::wait() {
    // A read of the expiry count, not async_wait(): Asio re-registers the descriptor
    // (epoll_ctl) at each async_wait() and, as the count is not read, reports it ready again
    // at once. The buffer is larger than the count's 8 bytes, so that Asio takes the read as
    // the end of what is there and does not try another read before the next expiry.
    waiting_ = true;
    fd_.async_read_some(boost::asio::buffer(expiries_),
                        [this](boost::system::error_code e, std::size_t) {
                            if (e == boost::asio::error::operation_aborted) {
                                return; // cancelled by clear() or destruction: leave *this
                            }
                            waiting_ = false;
                            fired();
                        });
}

void event_timer::fired() {
    wait(); // before `wake_`, which may destroy the engine (the destructor cancels the wait)
    const auto now = clock::now();
    if (armed_at_ <= now) { // it expired (not an event left over from a re-arm)
        if (period_ > clock::duration::zero()) {
            armed_at_ += ((now - armed_at_) / period_ + 1) * period_; // the next tick
        } else {
            armed_at_ = clock::time_point::max();
        }
    }
    wake_();
}

} // namespace tumen::probe::engine
