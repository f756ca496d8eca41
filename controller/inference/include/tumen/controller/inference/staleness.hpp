#pragma once
/// @file
/// Staleness of a verdict: a verdict whose agent x target prefix had no observation for
/// longer than its campaign's `stale_after` is stale (docs/api.md, "Staleness"). A pure
/// function of the last observation time, the time now and stale_after; the controller
/// re-evaluates it on a timer and at each ingest.
#include <chrono>
#include <cstdint>

namespace tumen::controller::inference {

/// How a verdict stands at a given time.
struct freshness {
    bool stale = false;
    std::int64_t age_seconds = 0; ///< seconds since the last observation (0 if in the future)
    friend bool operator==(const freshness&, const freshness&) = default;
};

/// The freshness at `now` of a verdict last observed at `last_observation` (Unix seconds):
/// stale when its age is longer than `stale_after`. A last observation after `now` (clock
/// step) is age 0 and fresh; no observation at all (`last_observation` <= 0) is stale.
freshness evaluate_freshness(std::int64_t last_observation, std::int64_t now,
                             std::chrono::milliseconds stale_after) noexcept;

} // namespace tumen::controller::inference
