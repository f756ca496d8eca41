#pragma once
/// @file
/// Exponential backoff with jitter for retrying uploads: the n-th consecutive failure waits
/// a delay drawn uniformly from [d/2, d] where d = min(max, initial * 2^(n-1)) ("equal
/// jitter": agents that failed together do not retry together, and a floor remains).
/// A 429 or 503 with `Retry-After` (RFC 9110 section 10.2.3, delay-seconds) waits at least
/// that long, capped at retry_after_cap; a malformed Retry-After is ignored.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

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

/// The longest wait a server's Retry-After can impose (a larger value is capped).
inline constexpr std::chrono::seconds retry_after_cap{3600};

/// Parses a Retry-After value in delay-seconds form ("120", optional surrounding spaces or
/// tabs); nullopt for the HTTP-date form (the controller never sends it), an empty, negative,
/// fractional or malformed value. Values beyond retry_after_cap (even ones too large for any
/// integer type) give retry_after_cap.
inline std::optional<std::chrono::seconds> parse_retry_after(std::string_view v) noexcept {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
        v.remove_prefix(1);
    }
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) {
        v.remove_suffix(1);
    }
    if (v.empty() ||
        !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    std::uint64_t s = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
    if (ec == std::errc::result_out_of_range ||
        (ec == std::errc{} && s > static_cast<std::uint64_t>(retry_after_cap.count()))) {
        return retry_after_cap; // all digits, just very large
    }
    if (ec != std::errc{} || p != v.data() + v.size()) {
        return std::nullopt;
    }
    return std::chrono::seconds(static_cast<std::int64_t>(s));
}

/// The wait before retrying after an answer with HTTP `status` (0: no answer): the backoff's
/// `delay`, or, for a 429 or a 503 with a Retry-After, that many seconds when longer (capped
/// at retry_after_cap). Other statuses ignore Retry-After.
inline std::chrono::milliseconds retry_delay(std::chrono::milliseconds delay, unsigned status,
                                             std::optional<std::chrono::seconds> retry_after) {
    if ((status == 429 || status == 503) && retry_after) {
        const auto asked = std::min(*retry_after, retry_after_cap);
        return std::max<std::chrono::milliseconds>(delay, asked);
    }
    return delay;
}

} // namespace tumen::probe::agent
