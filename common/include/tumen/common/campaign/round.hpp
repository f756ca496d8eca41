#pragma once
/// @file
/// Round arithmetic, the one place for it: the controller numbers the rounds of a campaign
/// in its assignment documents, the agent numbers them in standalone mode and when it
/// repeats a round. Round r of a campaign covers the Unix seconds
/// [r * interval_s, (r + 1) * interval_s), interval_s being the interval in whole seconds
/// (at least 1).
#include <chrono>
#include <cstdint>

namespace tumen::campaign {

/// The rounds of one campaign interval.
class round_clock {
public:
    /// `interval` is rounded down to whole seconds, and to at least one second.
    explicit round_clock(std::chrono::milliseconds interval) noexcept;

    /// The interval in whole seconds (>= 1).
    std::int64_t interval_s() const noexcept { return interval_s_; }
    /// The round at Unix time `unix_s` (times before the epoch are round 0).
    std::uint64_t round_at(std::int64_t unix_s) const noexcept;
    /// The Unix second at which `round` starts.
    std::int64_t start_of(std::uint64_t round) const noexcept;
    /// The Unix second at which `round` ends (the next round starts): an assignment for
    /// `round` is valid until then.
    std::int64_t end_of(std::uint64_t round) const noexcept;

private:
    std::int64_t interval_s_;
};

/// Whole Unix seconds of a system-clock time.
std::int64_t unix_seconds(std::chrono::system_clock::time_point t) noexcept;

} // namespace tumen::campaign
