#include <chrono>
#include <set>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/probe/engine/send_scheduler.hpp>

using namespace tumen::probe::engine;
using namespace std::chrono_literals;

namespace {

const send_scheduler::clock::time_point t0{};

auto wait_of(std::chrono::milliseconds w) {
    return [w](std::uint64_t) { return w; };
}

std::vector<std::uint64_t> drain(send_scheduler& s, std::size_t active,
                                 std::chrono::milliseconds wait) {
    std::vector<std::uint64_t> out;
    while (s.any_ready()) {
        out.push_back(s.pop(active, wait_of(wait)));
    }
    return out;
}

} // namespace

TEST_CASE("scheduler: jobs under way go before new ones, FIFO within each") {
    send_scheduler s(100, t0);
    CHECK_FALSE(s.any_ready());
    s.push(1, false);
    s.push(2, false);
    s.push(3, true);
    s.push(4, true);
    // 2 active jobs at 100 pps take 20 ms, below the 1 s wait: depth-first.
    CHECK(drain(s, 2, 1000ms) == std::vector<std::uint64_t>{3, 4, 1, 2});
}

TEST_CASE("scheduler: new jobs first when one probe each takes longer than a wait") {
    send_scheduler s(10, t0);
    s.push(1, false);
    s.push(2, true);
    s.push(3, false);
    // 20 active jobs at 10 pps take 2 s, above the 1 s wait: breadth-first.
    CHECK(drain(s, 20, 1000ms) == std::vector<std::uint64_t>{1, 3, 2});
    // No cap: always depth-first.
    send_scheduler u(0, t0);
    u.push(1, false);
    u.push(2, true);
    CHECK(drain(u, 1000, 1ms) == std::vector<std::uint64_t>{2, 1});
}

TEST_CASE("scheduler: by-TTL jobs first, lowest next TTL first, then in arrival order") {
    send_scheduler s(100, t0);
    s.push(9, true);
    s.push_by_ttl(1, 5);
    s.push_by_ttl(2, 3);
    s.push_by_ttl(3, 5);
    s.push_by_ttl(4, 255);
    CHECK(drain(s, 4, 1000ms) == std::vector<std::uint64_t>{2, 1, 3, 4, 9});
}

TEST_CASE("scheduler: the global bucket paces sends") {
    send_scheduler s(1000, t0);
    // Burst of max(1, pps / 100) = 10 tokens, then one per millisecond.
    for (int i = 0; i < 10; ++i) {
        CHECK(s.bucket().until_next(t0) == 0ns);
        CHECK(s.bucket().take(t0));
    }
    CHECK(s.bucket().until_next(t0) > 0ns);
    CHECK(s.bucket().until_next(t0 + 1ms) == 0ns);
}

TEST_CASE("scheduler: pacing wake-ups come per token up to 1,000 pps, per quantum above") {
    // 1,000 pps: wake for every token (no burst the rate does not allow probe by probe).
    send_scheduler slow(1000, t0);
    while (slow.bucket().take(t0)) {
    }
    const auto one = slow.next_wake(t0) - t0;
    CHECK(one > 0ns);
    CHECK(one <= 1001us);
    // 10,000 pps: wake once the quantum's 10 tokens are there, 1 ms later, and send them.
    send_scheduler fast(10000, t0);
    while (fast.bucket().take(t0)) {
    }
    const auto wake = fast.next_wake(t0);
    CHECK(wake - t0 >= 999us);
    CHECK(wake - t0 <= 1001us);
    int sent = 0;
    while (fast.bucket().take(wake)) {
        ++sent;
    }
    CHECK(sent == 10);
    // Over a simulated second of such wake-ups the rate holds: 10,000 sent, + the burst.
    sent = 0;
    auto now = wake;
    while (now < wake + 1s) {
        while (fast.bucket().take(now)) {
            ++sent;
        }
        now = fast.next_wake(now);
    }
    CHECK(sent >= 9990);
    CHECK(sent <= 10010);
}

TEST_CASE("scheduler: periodic pacing wake-ups each find a token and hold the rate") {
    // The engine's timer ticks every wake_period() from the first next_wake() while the pump
    // is paced; each tick comes a little late (30 us here) and sends what the bucket holds.
    for (const double pps : {10.0, 1000.0, 10000.0}) {
        CAPTURE(pps);
        send_scheduler s(pps, t0);
        while (s.bucket().take(t0)) {
        }
        const auto period = s.wake_period();
        CHECK(period >= (pps > 1000 ? 999us : std::chrono::microseconds(999'999 / int(pps))));
        auto tick = s.next_wake(t0);
        int sent = 0;
        int empty_ticks = 0;
        const auto end = tick + 1s;
        while (tick < end) {
            const auto now = tick + 30us;
            int here = 0;
            while (s.bucket().take(now)) {
                ++here;
            }
            empty_ticks += here == 0 ? 1 : 0;
            sent += here;
            tick += period;
            // The pump's next wake-up falls on the next tick, but for rounding. Not at 10 pps,
            // whose bucket holds one token: the lateness of a wake-up is lost, and the
            // engine re-arms its timer when that adds up to more than send_tick_slack.
            const auto next = s.next_wake(now);
            if (pps >= 1000) {
                CHECK(next <= tick + 1us);
                CHECK(next >= tick - 1us);
            }
        }
        CHECK(empty_ticks == 0);
        CHECK(sent >= pps * 0.999);
        CHECK(sent <= pps * 1.001 + 1);
    }
}

TEST_CASE("scheduler: rate groups are created, shared and re-rated by name") {
    send_scheduler s(0, t0);
    CHECK(s.group_for("", 10, t0) == nullptr);
    CHECK(s.group_for("a", 0, t0) == nullptr);
    rate_group* a = s.group_for("a", 10, t0);
    REQUIRE(a != nullptr);
    CHECK(s.group_for("a", 10, t0) == a);
    CHECK(a->bucket.rate() == 10);
    CHECK(s.group_for("a", 50, t0) == a);
    CHECK(a->bucket.rate() == 50);
    CHECK(s.group_for("b", 5, t0) != a);
    CHECK(s.groups().size() == 2);
}

TEST_CASE("scheduler: a group without tokens parks jobs and releases them oldest first") {
    send_scheduler s(0, t0);
    rate_group& g = *s.group_for("a", 100, t0); // burst 1 token, one per 10 ms
    REQUIRE(g.bucket.take(t0));
    const auto at = s.block(g, 1, t0);
    CHECK(at == t0 + g.bucket.until_next(t0));
    CHECK(at > t0);
    s.block(g, 2, t0);
    s.block(g, 3, t0);
    std::vector<std::uint64_t> released;
    std::set<std::uint64_t> gone{2};
    auto release = [&](std::uint64_t id) {
        if (gone.contains(id)) {
            return false;
        }
        released.push_back(id);
        return true;
    };
    // One token: job 1 released; 2 is gone and does not count, so 3 waits.
    auto next = s.release(g, t0 + 10ms, release);
    CHECK(released == std::vector<std::uint64_t>{1});
    REQUIRE(next);
    CHECK(*next == t0 + 20ms);
    // Still no token at the next look: at least one job goes anyway.
    next = s.release(g, *next, release);
    CHECK(released == std::vector<std::uint64_t>{1, 3});
    CHECK_FALSE(next);
    CHECK(g.blocked.empty());
}

TEST_CASE("scheduler: clear forgets queued and parked jobs") {
    send_scheduler s(0, t0);
    s.push(1, true);
    s.push(2, false);
    s.push_by_ttl(3, 1);
    rate_group& g = *s.group_for("a", 1, t0);
    s.block(g, 4, t0);
    g.timer_armed = true;
    s.clear();
    CHECK_FALSE(s.any_ready());
    CHECK(g.blocked.empty());
    CHECK_FALSE(g.timer_armed);
}
