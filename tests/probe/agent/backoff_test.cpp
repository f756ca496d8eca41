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

TEST_CASE("Retry-After: delay-seconds parsed, bad values ignored, large ones capped") {
    using std::chrono::seconds;
    using tumen::probe::agent::parse_retry_after;
    using tumen::probe::agent::retry_after_cap;
    CHECK(parse_retry_after("0") == seconds(0));
    CHECK(parse_retry_after("120") == seconds(120));
    CHECK(parse_retry_after(" 7\t") == seconds(7));
    CHECK(parse_retry_after("3600") == retry_after_cap);
    CHECK(parse_retry_after("3601") == retry_after_cap);
    CHECK(parse_retry_after("99999999999999999999999999") == retry_after_cap);
    for (const char* bad : {"", " ", "-5", "+5", "1.5", "5s", "0x10", "1e3", "5 5",
                            "Wed, 21 Oct 2015 07:28:00 GMT"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_retry_after(bad));
    }
}

TEST_CASE("Retry-After: a 429 or 503 waits at least that long (capped); other statuses do not") {
    using std::chrono::seconds;
    using tumen::probe::agent::retry_after_cap;
    using tumen::probe::agent::retry_delay;
    CHECK(retry_delay(ms(500), 429, seconds(30)) == ms(30000));
    CHECK(retry_delay(ms(500), 503, seconds(30)) == ms(30000));
    CHECK(retry_delay(ms(60000), 429, seconds(30)) == ms(60000)); // the backoff is longer
    CHECK(retry_delay(ms(500), 429, seconds(86400)) == retry_after_cap);
    CHECK(retry_delay(ms(500), 429, std::nullopt) == ms(500)); // absent or malformed
    CHECK(retry_delay(ms(500), 500, seconds(30)) == ms(500));
    CHECK(retry_delay(ms(500), 401, seconds(30)) == ms(500));
    CHECK(retry_delay(ms(500), 0, seconds(30)) == ms(500)); // no answer at all
}
