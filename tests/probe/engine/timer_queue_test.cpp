#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/probe/engine/timer_queue.hpp>

using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

struct event {
    clock_type::time_point at;
    int id = 0;
};

using queue = tumen::probe::engine::timer_queue<event, clock_type::duration>;

} // namespace

TEST_CASE("timer queue pops lane and one-off events in time order") {
    const auto t0 = clock_type::time_point{} + 100s;
    queue q;
    q.push({t0 + 1000ms, 1}, 1000ms); // timeout lane
    q.push({t0 + 5ms, 2}, 5ms);       // interval lane
    q.push({t0 + 3ms, 3}, 0ms);       // one-off: heap
    q.push({t0 + 1001ms, 4}, 1000ms);
    q.push({t0 + 10ms, 5}, 5ms);
    REQUIRE(q.size() == 5);
    std::vector<int> order;
    while (!q.empty()) {
        order.push_back(q.top().id);
        q.pop();
    }
    CHECK(order == std::vector<int>{3, 2, 5, 1, 4});
}

TEST_CASE("an event earlier than its lane's last goes to the heap and keeps the order") {
    const auto t0 = clock_type::time_point{} + 100s;
    queue q;
    q.push({t0 + 1000ms, 1}, 1000ms);
    q.push({t0 + 999ms, 2}, 1000ms); // "now" went backwards for this caller
    CHECK(q.top().id == 2);
    q.pop();
    CHECK(q.top().id == 1);
    q.pop();
    CHECK(q.empty());
}

TEST_CASE("timer queue matches a sorted reference under random use") {
    std::mt19937 rng(7);
    const auto t0 = clock_type::time_point{} + 100s;
    // More distinct delays than lanes, so some go to the heap; "now" advances by random
    // steps and pops are interleaved with pushes.
    std::vector<clock_type::duration> delays;
    for (int i = 1; i <= 12; ++i) {
        delays.push_back(std::chrono::milliseconds(i * 7));
    }
    delays.push_back(clock_type::duration::zero());
    queue q;
    std::multiset<std::int64_t> reference;
    auto now = t0;
    int next_id = 0;
    for (int step = 0; step < 20000; ++step) {
        now += std::chrono::microseconds(rng() % 500);
        if (rng() % 3 != 0) {
            const auto d = delays[rng() % delays.size()];
            // One-off events get an arbitrary future time.
            const auto at = d == clock_type::duration::zero()
                                ? now + std::chrono::microseconds(rng() % 200000)
                                : now + d;
            q.push({at, next_id++}, d);
            reference.insert(at.time_since_epoch().count());
        } else if (!q.empty()) {
            const auto got = q.top().at.time_since_epoch().count();
            REQUIRE(got == *reference.begin());
            reference.erase(reference.begin());
            q.pop();
        }
        REQUIRE(q.size() == reference.size());
    }
    while (!q.empty()) {
        REQUIRE(q.top().at.time_since_epoch().count() == *reference.begin());
        reference.erase(reference.begin());
        q.pop();
    }
    CHECK(reference.empty());
}
