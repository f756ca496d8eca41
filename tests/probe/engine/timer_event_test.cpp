// timer_event: what the 16-byte packing keeps (slots, serial checks across 2^32, job ids up
// to 62 bits) and that the timer_queue orders it by time.
#include <chrono>
#include <cstdint>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/probe/engine/timer_event.hpp>
#include <tumen/probe/engine/timer_queue.hpp>

using tumen::probe::engine::timer_event;
using namespace std::chrono_literals;

namespace {
const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
}

TEST_CASE("a probe's event keeps its slot, its purge flag and its serial's low 32 bits") {
    const auto ev = timer_event::probe(t0, timer_event::max_slot, 0x1234'5678'9abcULL, true);
    CHECK(ev.at == t0);
    CHECK_FALSE(bool(ev.wake));
    CHECK(bool(ev.purge));
    CHECK(std::uint32_t{ev.slot} == timer_event::max_slot);
    CHECK(ev.names(0x1234'5678'9abcULL));
    CHECK_FALSE(ev.names(0x1234'5678'9abdULL));
    CHECK_FALSE(ev.names(0)); // a free slot
    const auto timeout = timer_event::probe(t0, 7, 42);
    CHECK_FALSE(bool(timeout.purge));
    CHECK(std::uint32_t{timeout.slot} == 7u);
}

TEST_CASE("a probe's serial check tells apart serials across the 32-bit wrap") {
    // Serials go on past 2^32: the check is the low 32 bits, which 2^32 - 1 probes sent
    // later still tell apart; only the 2^32-th later serial looks the same (timer_event).
    const std::uint64_t serial = (std::uint64_t{1} << 32) - 2;
    const auto ev = timer_event::probe(t0, 3, serial);
    CHECK(ev.names(serial));
    CHECK_FALSE(ev.names(serial + 1));
    CHECK_FALSE(ev.names(serial + 2)); // 2^32: low bits 0
    CHECK_FALSE(ev.names(serial + (std::uint64_t{1} << 32) - 1));
    CHECK(ev.names(serial + (std::uint64_t{1} << 32)));
    const auto after_wrap = timer_event::probe(t0, 3, std::uint64_t{1} << 32);
    CHECK(after_wrap.check == 0u);
    CHECK(after_wrap.names(std::uint64_t{1} << 32));
    CHECK_FALSE(after_wrap.names(1));
}

TEST_CASE("a job's wake-up carries job ids up to 62 bits") {
    for (const std::uint64_t job :
         {std::uint64_t{1}, std::uint64_t{0xffff'ffff}, std::uint64_t{1} << 32,
          std::uint64_t{0x2345'6789'abcd'ef01}, timer_event::max_job}) {
        const auto ev = timer_event::job_wake(t0, job);
        CHECK(bool(ev.wake));
        CHECK_FALSE(bool(ev.purge));
        CHECK(ev.job() == job);
    }
}

TEST_CASE("the timer queue orders packed events by time") {
    tumen::probe::engine::timer_queue<timer_event, std::chrono::steady_clock::duration> q;
    q.push(timer_event::probe(t0 + 1000ms, 1, 10), 1000ms);
    q.push(timer_event::job_wake(t0 + 5ms, 77), 0ms);
    q.push(timer_event::probe(t0 + 1001ms, 2, 11), 1000ms);
    q.push(timer_event::probe(t0 + 500ms, 3, 12, true), 1000ms); // earlier: to the heap
    std::vector<std::uint32_t> order;
    while (!q.empty()) {
        const timer_event& ev = q.top();
        order.push_back(ev.wake ? static_cast<std::uint32_t>(ev.job()) : ev.slot);
        q.pop();
    }
    CHECK(order == std::vector<std::uint32_t>{77, 3, 1, 2});
}
