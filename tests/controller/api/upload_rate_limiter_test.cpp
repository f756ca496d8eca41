// The per-agent upload rate limit (issue 12): token buckets per agent, refilled at the
// configured rate up to the burst, and the whole seconds to wait when empty. Times are given
// explicitly, never read from a clock.
#include <doctest/doctest.h>

#include <tumen/controller/api/upload_rate_limiter.hpp>

using std::chrono::milliseconds;
using std::chrono::seconds;
using tumen::controller::api::token_bucket;
using tumen::controller::api::upload_rate_limiter;
using tumen::controller::config::upload_rate;

namespace {
const token_bucket::clock::time_point t0{std::chrono::hours(1)};
}

TEST_CASE("upload rate: a bucket admits its burst at once, then refills at the rate") {
    token_bucket b(upload_rate{2, 3}, t0);
    CHECK_FALSE(b.take(t0));
    CHECK_FALSE(b.take(t0));
    CHECK_FALSE(b.take(t0));
    // Empty: one token comes back in 0.5 s, announced as 1 whole second.
    auto wait = b.take(t0);
    REQUIRE(wait);
    CHECK(*wait == seconds(1));
    CHECK_FALSE(b.take(t0 + milliseconds(500)));
    CHECK(b.take(t0 + milliseconds(500)));
    // A long pause refills to the burst only.
    CHECK_FALSE(b.take(t0 + seconds(100)));
    CHECK(b.tokens() == doctest::Approx(2.0));
    // A clock that goes backwards adds nothing.
    CHECK_FALSE(b.take(t0 + seconds(50)));
    CHECK_FALSE(b.take(t0 + seconds(50)));
    CHECK(b.take(t0 + seconds(50)));
}

TEST_CASE("upload rate: Retry-After is the whole seconds until a token is back") {
    token_bucket slow(upload_rate{0.1, 1}, t0); // one upload per 10 s
    CHECK_FALSE(slow.take(t0));
    auto wait = slow.take(t0);
    REQUIRE(wait);
    CHECK(*wait == seconds(10));
    wait = slow.take(t0 + milliseconds(2500));
    REQUIRE(wait);
    CHECK(*wait == seconds(8)); // 7.5 s rounded up
    CHECK_FALSE(slow.take(t0 + seconds(10)));
    // A tiny rate still gives a bounded answer.
    token_bucket tiny(upload_rate{1e-9, 1}, t0);
    CHECK_FALSE(tiny.take(t0));
    wait = tiny.take(t0);
    REQUIRE(wait);
    CHECK(*wait == seconds(86400));
}

TEST_CASE("upload rate: each agent has a bucket of its own; a new rate caps the tokens") {
    upload_rate_limiter lim(upload_rate{1, 2});
    CHECK_FALSE(lim.admit("fra", t0));
    CHECK_FALSE(lim.admit("fra", t0));
    CHECK(lim.admit("fra", t0));
    // Another agent is not affected by fra's uploads.
    CHECK_FALSE(lim.admit("tyo", t0));
    CHECK_FALSE(lim.admit("tyo", t0));
    CHECK(lim.admit("tyo", t0));
    CHECK_FALSE(lim.admit("fra", t0 + seconds(1)));
    lim.set_rate(upload_rate{100, 1});
    CHECK(lim.rate().burst == 1);
    CHECK_FALSE(lim.admit("msk", t0 + seconds(1)));
    CHECK(lim.admit("msk", t0 + seconds(1)));
    CHECK_FALSE(lim.admit("msk", t0 + seconds(1) + milliseconds(10)));
}

TEST_CASE("upload rate: the defaults never stop an agent uploading once a second for a day") {
    upload_rate_limiter lim(upload_rate{});
    for (int i = 0; i < 86400; ++i) {
        REQUIRE_FALSE(lim.admit("fra", t0 + seconds(i)));
    }
    // ... nor a burst of 600 after an outage (a spool sent in 600 batches at once).
    for (int i = 0; i < 599; ++i) {
        REQUIRE_FALSE(lim.admit("tyo", t0));
    }
}

TEST_CASE("upload rate: a reload drops the buckets of agents it removed") {
    upload_rate_limiter limiter(upload_rate{1, 1});
    CHECK_FALSE(limiter.admit("fra", t0));
    CHECK_FALSE(limiter.admit("sin", t0));
    CHECK(limiter.admit("sin", t0)); // sin's bucket is empty
    REQUIRE(limiter.bucket_count() == 2);
    tumen::controller::config::agent_entry fra;
    fra.name = "fra";
    limiter.keep_only({fra});
    CHECK(limiter.bucket_count() == 1);
    // fra keeps its (empty) bucket; a sin added back later starts with a full one.
    CHECK(limiter.admit("fra", t0));
    CHECK_FALSE(limiter.admit("sin", t0));
}
