#include <set>

#include <doctest/doctest.h>

#include <tumen/probe/agent/backoff.hpp>

using tumen::probe::agent::backoff;
using ms = std::chrono::milliseconds;

TEST_CASE("backoff: doubling ceilings, equal jitter, capped, reset") {
    backoff b(ms(1000), ms(30000));
    CHECK(b.ceiling() == ms(1000));
    // u = 0 gives the floor (half the ceiling), u = 1 the ceiling.
    CHECK(b.next(0.0) == ms(500));
    CHECK(b.next(1.0) == ms(2000));
    CHECK(b.next(0.5) == ms(3000)); // ceiling 4000: 2000 + 0.5 * 2000
    CHECK(b.next(1.0) == ms(8000));
    CHECK(b.next(1.0) == ms(16000));
    CHECK(b.next(1.0) == ms(30000)); // 32000 capped
    CHECK(b.next(0.0) == ms(15000));
    CHECK(b.failures() == 7);
    for (int i = 0; i < 100; ++i) {
        (void)b.next(1.0); // no overflow however long the outage
    }
    CHECK(b.ceiling() == ms(30000));
    b.reset();
    CHECK(b.failures() == 0);
    CHECK(b.next(1.0) == ms(1000));
}

TEST_CASE("backoff: random jitter stays within [ceiling/2, ceiling] and varies") {
    backoff b(ms(100), ms(10000));
    std::mt19937_64 rng(42);
    std::set<ms::rep> at_cap;
    for (int i = 0; i < 30; ++i) {
        const auto c = b.ceiling();
        const auto d = b.next_random(rng);
        CHECK(d >= c / 2);
        CHECK(d <= c);
        if (c == ms(10000)) {
            at_cap.insert(d.count());
        }
    }
    CHECK(at_cap.size() > 1); // agents failing together do not retry in lockstep
}
