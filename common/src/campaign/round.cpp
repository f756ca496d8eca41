#include <algorithm>

#include <tumen/common/campaign/round.hpp>

namespace tumen::campaign {

round_clock::round_clock(std::chrono::milliseconds interval) noexcept
    : interval_s_(std::max<std::int64_t>(
          1, std::chrono::duration_cast<std::chrono::seconds>(interval).count())) {}

std::uint64_t round_clock::round_at(std::int64_t unix_s) const noexcept {
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, unix_s) / interval_s_);
}

std::int64_t round_clock::start_of(std::uint64_t round) const noexcept {
    return static_cast<std::int64_t>(round) * interval_s_;
}

std::int64_t round_clock::end_of(std::uint64_t round) const noexcept {
    return static_cast<std::int64_t>(round + 1) * interval_s_;
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point t) noexcept {
    return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

} // namespace tumen::campaign
