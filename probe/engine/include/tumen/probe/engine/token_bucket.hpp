#pragma once
/// @file
/// A token bucket for the engine's global probes-per-second limit. Pure: the caller passes
/// the time, so tests need no clock.
#include <algorithm>
#include <chrono>
#include <cstdint>

namespace tumen::probe::engine {

/// Rate limiter: `rate` tokens per second, at most `burst` stored.
class token_bucket {
public:
    using clock = std::chrono::steady_clock;

    /// rate <= 0: unlimited (take() always succeeds). The bucket starts full.
    token_bucket(double rate, double burst, clock::time_point now) noexcept
        : rate_(rate)
        , burst_(std::max(burst, 1.0))
        , tokens_(burst_)
        , last_(now) {}

    /// Tokens per second (<= 0: unlimited).
    double rate() const noexcept { return rate_; }
    double burst() const noexcept { return burst_; }

    /// Takes one token if available.
    bool take(clock::time_point now) noexcept {
        if (rate_ <= 0) {
            return true;
        }
        refill(now);
        if (tokens_ >= 1.0) {
            tokens_ -= 1.0;
            return true;
        }
        return false;
    }

    /// Tokens available now (fractional).
    double available(clock::time_point now) noexcept {
        if (rate_ <= 0) {
            return burst_;
        }
        refill(now);
        return tokens_;
    }

    /// Time until one token is available (zero if one is).
    clock::duration until_next(clock::time_point now) noexcept { return until(1.0, now); }

    /// Time until `n` tokens are available (zero if they are); `n` is capped at the burst.
    clock::duration until(double n, clock::time_point now) noexcept {
        if (rate_ <= 0) {
            return clock::duration::zero();
        }
        refill(now);
        n = std::min(n, burst_);
        if (tokens_ >= n) {
            return clock::duration::zero();
        }
        const double seconds = (n - tokens_) / rate_;
        return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(seconds)) +
               clock::duration(1);
    }

private:
    void refill(clock::time_point now) noexcept {
        if (now > last_) {
            const double elapsed = std::chrono::duration<double>(now - last_).count();
            tokens_ = std::min(burst_, tokens_ + elapsed * rate_);
            last_ = now;
        }
    }

    double rate_;
    double burst_;
    double tokens_;
    clock::time_point last_;
};

} // namespace tumen::probe::engine
