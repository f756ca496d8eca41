#include <algorithm>

#include <tumen/controller/inference/staleness.hpp>

namespace tumen::controller::inference {

freshness evaluate_freshness(std::int64_t last_observation, std::int64_t now,
                             std::chrono::milliseconds stale_after) noexcept {
    if (last_observation <= 0) {
        return freshness{true, std::max<std::int64_t>(0, now)};
    }
    const std::int64_t age = std::max<std::int64_t>(0, now - last_observation);
    // Compared in milliseconds: stale_after need not be whole seconds.
    return freshness{std::chrono::seconds(age) > stale_after, age};
}

} // namespace tumen::controller::inference
