#include <doctest/doctest.h>

#include <tumen/probe/engine/token_bucket.hpp>

using tumen::probe::engine::token_bucket;
using namespace std::chrono_literals;

TEST_CASE("token bucket starts full and allows exactly its burst") {
    const auto t0 = token_bucket::clock::time_point{} + 10s;
    token_bucket b(100, 5, t0);
    for (int i = 0; i < 5; ++i) {
        CHECK(b.take(t0));
    }
    CHECK_FALSE(b.take(t0));
    CHECK(b.until_next(t0) > token_bucket::clock::duration::zero());
}

TEST_CASE("token bucket refills at its rate") {
    const auto t0 = token_bucket::clock::time_point{} + 10s;
    token_bucket b(100, 1, t0); // one token per 10 ms
    CHECK(b.take(t0));
    CHECK_FALSE(b.take(t0 + 5ms));
    CHECK(b.take(t0 + 10ms));
    CHECK_FALSE(b.take(t0 + 10ms));
    // 1 s at 100/s would be 100 tokens, but the burst caps storage at 1.
    CHECK(b.take(t0 + 1010ms));
    CHECK_FALSE(b.take(t0 + 1010ms));
}

TEST_CASE("token bucket over a simulated second sends rate tokens") {
    const auto t0 = token_bucket::clock::time_point{} + 10s;
    token_bucket b(1000, 10, t0);
    int sent = 0;
    // Poll every 100 us for one second.
    for (int i = 0; i <= 10000; ++i) {
        const auto now = t0 + std::chrono::microseconds(100 * i);
        while (b.take(now)) {
            ++sent;
        }
    }
    // burst (10) + 1000 refilled during the second.
    CHECK(sent >= 1000);
    CHECK(sent <= 1011);
}

TEST_CASE("until_next says when the next token arrives") {
    const auto t0 = token_bucket::clock::time_point{} + 10s;
    token_bucket b(10, 1, t0); // 100 ms per token
    CHECK(b.until_next(t0) == token_bucket::clock::duration::zero());
    CHECK(b.take(t0));
    const auto wait = b.until_next(t0);
    CHECK(wait >= 99ms);
    CHECK(wait <= 101ms);
    CHECK_FALSE(b.take(t0 + wait - 1ms));
    CHECK(b.take(t0 + wait));
}

TEST_CASE("until says when n tokens are there, n capped at the burst") {
    const auto t0 = token_bucket::clock::time_point{} + 10s;
    token_bucket b(1000, 10, t0); // 1 ms per token, 10 stored at most
    for (int i = 0; i < 10; ++i) {
        REQUIRE(b.take(t0));
    }
    const auto ten = b.until(10, t0);
    CHECK(ten >= 9999us);
    CHECK(ten <= 10001us);
    CHECK(b.until(1000, t0) == ten); // never more than a full bucket
    CHECK(b.until(3, t0 + 3ms) == token_bucket::clock::duration::zero());
    CHECK(b.until(4, t0 + 3ms) > token_bucket::clock::duration::zero());
}

TEST_CASE("a non-positive rate means no cap") {
    const auto t0 = token_bucket::clock::time_point{} + 10s;
    token_bucket b(0, 1, t0);
    for (int i = 0; i < 100000; ++i) {
        REQUIRE(b.take(t0));
    }
    CHECK(b.until_next(t0) == token_bucket::clock::duration::zero());
}
