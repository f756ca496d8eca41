// Round arithmetic: round numbers, starts and ends (the assignment's valid_until).
#include <chrono>

#include <doctest/doctest.h>

#include <tumen/common/campaign/round.hpp>

using tumen::campaign::round_clock;

TEST_CASE("rounds of a whole-second interval") {
    const round_clock c(std::chrono::minutes(5));
    CHECK(c.interval_s() == 300);
    CHECK(c.round_at(0) == 0);
    CHECK(c.round_at(299) == 0);
    CHECK(c.round_at(300) == 1);
    CHECK(c.round_at(1'700'000'123) == 5'666'667);
    CHECK(c.start_of(5'666'667) == 1'700'000'100);
    CHECK(c.end_of(5'666'667) == 1'700'000'400);
    CHECK(c.round_at(-5) == 0); // before the epoch: round 0
}

TEST_CASE("intervals are whole seconds, at least one") {
    CHECK(round_clock(std::chrono::milliseconds(1500)).interval_s() == 1);
    CHECK(round_clock(std::chrono::milliseconds(0)).interval_s() == 1);
    CHECK(round_clock(std::chrono::milliseconds(2999)).interval_s() == 2);
}

TEST_CASE("unix_seconds truncates a system-clock time") {
    const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(12'345));
    CHECK(tumen::campaign::unix_seconds(t) == 12);
}
