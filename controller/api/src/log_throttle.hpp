#pragma once
/// @file
/// Logs a repeated event at most once per period, with a count of the occurrences that were
/// not logged, so that an error that repeats in a tight loop (EMFILE on accept) cannot grow
/// the log without bound. Not thread-safe: use it from one strand.
#include <chrono>
#include <cstdint>
#include <optional>

namespace tumen::controller::api {

class log_throttle {
public:
    using clock = std::chrono::steady_clock;

    explicit log_throttle(clock::duration period)
        : period_(period) {}

    /// Records one occurrence at `now`; returns the number of earlier occurrences that were
    /// not logged when this one should be logged, nullopt when it should not.
    std::optional<std::uint64_t> occur(clock::time_point now) {
        if (logged_once_ && now - last_ < period_) {
            ++suppressed_;
            return std::nullopt;
        }
        logged_once_ = true;
        last_ = now;
        const auto n = suppressed_;
        suppressed_ = 0;
        return n;
    }

private:
    clock::duration period_;
    clock::time_point last_{};
    bool logged_once_ = false;
    std::uint64_t suppressed_ = 0;
};

} // namespace tumen::controller::api
