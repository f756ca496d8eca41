#pragma once
/// @file
/// Exponential backoff with jitter for retrying uploads: the n-th consecutive failure waits
/// a delay drawn uniformly from [d/2, d] where d = min(max, initial * 2^(n-1)) ("equal
/// jitter": agents that failed together do not retry together, and a floor remains).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace tumen::probe::agent {

/// Backoff state for one retry loop.
class backoff {
public:
    using duration = std::chrono::milliseconds;

    /// `initial` is the ceiling for the first retry; ceilings double up to `max`.
    backoff(duration initial, duration max) noexcept
        : initial_(std::max(initial, duration(1)))
        , max_(std::max(max, initial_)) {}

    /// The un-jittered ceiling the next failure would use.
    duration ceiling() const noexcept {
        auto d = initial_;
        for (std::uint32_t i = 0; i < failures_ && d < max_; ++i) {
            d *= 2;
        }
        return std::min(d, max_);
    }

    /// Records a failure and returns how long to wait; `u` in [0, 1] picks the point in
    /// [ceiling/2, ceiling] (deterministic, for tests).
    duration next(double u) noexcept {
        const auto c = ceiling();
        ++failures_;
        u = std::clamp(u, 0.0, 1.0);
        const auto half = c.count() / 2;
        return duration(half +
                        static_cast<duration::rep>(u * static_cast<double>(c.count() - half)));
    }

    /// Records a failure and returns a randomly jittered wait.
    template <class Rng>
    duration next_random(Rng& rng) {
        return next(std::uniform_real_distribution<double>(0.0, 1.0)(rng));
    }

    /// Success: the next failure starts again from `initial`.
    void reset() noexcept { failures_ = 0; }
    /// Consecutive failures recorded since the last reset().
    std::uint32_t failures() const noexcept { return failures_; }

private:
    duration initial_;
    duration max_;
    std::uint32_t failures_ = 0;
};

} // namespace tumen::probe::agent
