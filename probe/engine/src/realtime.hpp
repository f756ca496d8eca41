#pragma once
// CLOCK_REALTIME in nanoseconds: send timestamps (when the outgoing copy is not captured)
// and the engine's made-up result ids.
#include <cstdint>
#include <ctime>

namespace tumen::probe::engine {

inline std::int64_t realtime_ns() noexcept {
    timespec ts{};
    ::clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace tumen::probe::engine
