#pragma once
/// @file
/// Polling for tests that wait on a server's timers (campaign poll, staleness sweep): the test
/// asserts the outcome, never the time it took.
#include <chrono>
#include <thread>

namespace tumen::test {

/// Polls `pred` every `step` until it holds or `limit` has passed; its last value.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(30),
                std::chrono::milliseconds step = std::chrono::milliseconds(50)) {
    for (auto waited = std::chrono::milliseconds(0); waited < limit; waited += step) {
        if (pred()) {
            return true;
        }
        std::this_thread::sleep_for(step);
    }
    return pred();
}

} // namespace tumen::test
