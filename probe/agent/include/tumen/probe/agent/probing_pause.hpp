#pragma once
/// @file
/// When the agent stops probing because nothing more can be spooled (issue 12, defect 5): a
/// result that cannot be kept is a probe wasted, and on a full disk the agent's first job is
/// to upload the spool, which frees the space. Probing pauses when
///  - a spool write fails for lack of space (ENOSPC, EDQUOT): "disk full", or
///  - the spool holds `high` (95%) of its cap: "spool nearly full" (beyond the cap the
///    oldest results would be dropped);
/// and resumes when
///  - the spool is back to `low` (75%) of its cap (spool nearly full), or
///  - the uploader delivered at least a quarter of what was spooled at the pause, or
///    `retry_after` has passed since the pause (disk full: a trial; a write that fails again
///    pauses again, so the log has at most one pause/resume pair per `retry_after`).
/// Pure state: the caller passes the spool's level and the time; the scheduler asks paused()
/// before starting a job. Each change is logged by the caller with why().
#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>

namespace tumen::probe::agent {

/// Thresholds of the pause.
struct probing_pause_options {
    double high = 0.95;                   ///< pause when the spool holds this share of its cap
    double low = 0.75;                    ///< resume (spool nearly full) at or below this share
    std::chrono::seconds retry_after{30}; ///< disk full: try probing again after this long
};

/// The spool's fill level.
struct spool_level {
    std::uint64_t bytes = 0;     ///< unacknowledged bytes
    std::uint64_t max_bytes = 0; ///< the cap (0: no cap)
};

/// Why probing is paused.
enum class pause_reason { none, disk_full, spool_full };

/// The pause state machine.
class probing_pause {
public:
    using clock = std::chrono::steady_clock;

    explicit probing_pause(probing_pause_options options = {}) noexcept
        : options_(options) {}

    /// After a spool write that returned `ec` (success: empty). Returns true when the state
    /// changed (paused or resumed).
    bool after_write(std::error_code ec, spool_level level, clock::time_point now) noexcept;
    /// After space was released (an upload acknowledged) and on a periodic tick. Returns true
    /// when the state changed.
    bool update(spool_level level, clock::time_point now) noexcept;

    bool paused() const noexcept { return reason_ != pause_reason::none; }
    pause_reason reason() const noexcept { return reason_; }
    /// For the log line of the last change: why it paused, or what let it resume.
    const std::string& why() const noexcept { return why_; }
    /// Pauses since construction.
    std::uint64_t pauses() const noexcept { return pauses_; }

    /// True for the errors that mean "no space" (ENOSPC, EDQUOT).
    static bool is_no_space(std::error_code ec) noexcept;

private:
    bool pause(pause_reason reason, std::string why, spool_level level,
               clock::time_point now) noexcept;
    bool resume(std::string why) noexcept;
    bool nearly_full(spool_level level) const noexcept;

    probing_pause_options options_;
    pause_reason reason_ = pause_reason::none;
    std::string why_;
    std::uint64_t bytes_at_pause_ = 0;
    clock::time_point paused_at_{};
    std::uint64_t pauses_ = 0;
};

} // namespace tumen::probe::agent
