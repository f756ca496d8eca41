#include <random>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/probe/engine/trace_machine.hpp>

using namespace tumen;
using namespace tumen::probe::engine;
using result::stop_reason;

namespace {

const ipv4_addr dst{198, 51, 100, 7};

ipv4_addr router(int n) {
    return ipv4_addr{192, 0, 2, static_cast<std::uint8_t>(n)};
}

result::hop_reply reply_from(ipv4_addr a, double rtt = 1.0) {
    result::hop_reply r;
    r.from = a;
    r.rtt_ms = rtt;
    return r;
}

trace_request request(std::uint8_t max_ttl = 32, std::uint8_t attempts = 2,
                      std::uint8_t gap_limit = 5) {
    trace_request r;
    r.dst = dst;
    r.max_ttl = max_ttl;
    r.attempts = attempts;
    r.gap_limit = gap_limit;
    return r;
}

/// Answers the probe in flight with a time-exceeded from `from`.
void answer(trace_machine& m, ipv4_addr from, reply_meaning meaning = reply_meaning::hop) {
    auto slot = m.next();
    REQUIRE(slot);
    REQUIRE(m.on_reply(*slot, reply_from(from), meaning));
}

void silence(trace_machine& m) {
    auto slot = m.next();
    REQUIRE(slot);
    REQUIRE(m.on_timeout(*slot));
}

} // namespace

TEST_CASE("completed: hop by hop until the destination answers") {
    trace_machine m(request());
    auto first = m.next();
    REQUIRE(first);
    CHECK(first->ttl == 1);
    CHECK(first->attempt == 0);
    CHECK_FALSE(m.next()); // one probe in flight at a time
    REQUIRE(m.on_reply(*first, reply_from(router(1)), reply_meaning::hop));
    answer(m, router(2));
    answer(m, dst, reply_meaning::destination);
    CHECK(m.done());
    CHECK(m.stop() == stop_reason::completed);
    const auto& t = m.result();
    REQUIRE(t.hops.size() == 3);
    CHECK(t.hops[0].ttl == 1);
    CHECK(t.hops[2].ttl == 3);
    CHECK(t.hops[2].replies.at(0).from == dst);
    CHECK_FALSE(m.next());
}

TEST_CASE("a timeout retries the same hop, then moves on") {
    trace_machine m(request(32, 2));
    silence(m);
    auto retry = m.next();
    REQUIRE(retry);
    CHECK(retry->ttl == 1);
    CHECK(retry->attempt == 1);
    REQUIRE(m.on_reply(*retry, reply_from(router(1)), reply_meaning::hop));
    auto next = m.next();
    REQUIRE(next);
    CHECK(next->ttl == 2);
    CHECK(next->attempt == 0);
    const auto t = m.result();
    const auto& h = t.hops.at(0);
    REQUIRE(h.replies.size() == 2);
    CHECK(h.replies[0].timeout);
    CHECK_FALSE(h.replies[1].timeout);
}

TEST_CASE("a silent router shows as * and the trace goes on") {
    trace_machine m(request(32, 2, 5));
    answer(m, router(1));
    silence(m);
    silence(m); // hop 2 silent on both attempts
    answer(m, router(3));
    answer(m, dst, reply_meaning::destination);
    CHECK(m.stop() == stop_reason::completed);
    REQUIRE(m.result().hops.size() == 4);
    CHECK(m.result().hops[1].replies.size() == 2);
    CHECK(m.result().hops[1].replies[0].timeout);
    CHECK(m.result().hops[1].replies[1].timeout);
}

TEST_CASE("unreachable ends the trace") {
    trace_machine m(request());
    answer(m, router(1));
    answer(m, router(2), reply_meaning::unreachable);
    CHECK(m.stop() == stop_reason::unreachable);
    CHECK(m.result().hops.size() == 2);
}

TEST_CASE("gap limit: consecutive silent hops end the trace") {
    trace_machine m(request(32, 1, 3));
    answer(m, router(1));
    silence(m);
    silence(m);
    CHECK_FALSE(m.done());
    answer(m, router(4)); // a reply resets the gap count
    silence(m);
    silence(m);
    CHECK_FALSE(m.done());
    silence(m);
    CHECK(m.done());
    CHECK(m.stop() == stop_reason::gap_limit);
    CHECK(m.result().hops.size() == 7);
    CHECK(m.result().hops.back().ttl == 7);
}

TEST_CASE("loop: the same address at non-adjacent hops") {
    trace_machine m(request());
    answer(m, router(1));
    answer(m, router(2));
    answer(m, router(2)); // adjacent repeat: not a loop
    CHECK_FALSE(m.done());
    answer(m, router(3));
    answer(m, router(2)); // seen at hops 2-3, now at 5
    CHECK(m.stop() == stop_reason::loop);
}

TEST_CASE("max_ttl: reached the last TTL without the destination") {
    trace_machine m(request(4));
    for (int i = 1; i <= 4; ++i) {
        CHECK_FALSE(m.done());
        answer(m, router(i));
    }
    CHECK(m.stop() == stop_reason::max_ttl);
    CHECK(m.result().hops.size() == 4);
}

TEST_CASE("max_ttl also when the last hops are silent below the gap limit") {
    trace_machine m(request(3, 1, 5));
    answer(m, router(1));
    silence(m);
    silence(m);
    CHECK(m.stop() == stop_reason::max_ttl);
}

TEST_CASE("first TTL above max TTL ends immediately") {
    auto r = request(4);
    r.first_ttl = 9;
    trace_machine m(r);
    CHECK(m.done());
    CHECK(m.stop() == stop_reason::max_ttl);
    CHECK_FALSE(m.next());
}

TEST_CASE("first TTL is where probing starts") {
    auto r = request();
    r.first_ttl = 3;
    trace_machine m(r);
    auto s = m.next();
    REQUIRE(s);
    CHECK(s->ttl == 3);
}

TEST_CASE("replies and timeouts for a slot not in flight are ignored") {
    trace_machine m(request());
    CHECK_FALSE(m.on_reply(probe_slot{1, 0}, reply_from(router(1)), reply_meaning::hop));
    auto s = m.next();
    REQUIRE(s);
    CHECK_FALSE(m.on_reply(probe_slot{2, 0}, reply_from(router(1)), reply_meaning::hop));
    CHECK_FALSE(m.on_timeout(probe_slot{1, 1}));
    CHECK(m.in_flight() == s);
    CHECK(m.result().hops.empty());
}

TEST_CASE("fail records a local error") {
    trace_machine m(request());
    answer(m, router(1));
    m.next();
    m.fail("sendto: Network is unreachable");
    CHECK(m.stop() == stop_reason::error);
    CHECK(m.result().hops.back().error == "sendto: Network is unreachable");
}

TEST_CASE("classify_reply: meaning and fields") {
    probe::codec::reply r;
    r.from = router(9);
    r.ttl = 250;
    r.size = 56;
    r.kind = probe::codec::reply_kind::time_exceeded;
    r.icmp_type = 11;
    probe::codec::quoted_probe q;
    q.ttl = 1;
    r.quote = q;
    r.mpls = {result::mpls_entry{16001, 0, true, 1}};
    auto c = classify_reply(r, dst, 12.5, true);
    CHECK(c.meaning == reply_meaning::hop);
    CHECK(c.hop.from == router(9));
    CHECK(c.hop.rtt_ms == doctest::Approx(12.5));
    CHECK(c.hop.size == 56);
    CHECK(c.hop.ttl == 250);
    CHECK(c.hop.quoted_ttl == std::optional<std::uint8_t>(1));
    CHECK(c.hop.nat);
    REQUIRE(c.hop.mpls.size() == 1);
    CHECK(c.hop.mpls[0].label == 16001);

    r.kind = probe::codec::reply_kind::dest_unreachable;
    r.icmp_type = 3;
    r.icmp_code = 3;
    auto p = classify_reply(r, dst, 1, false);
    CHECK(p.meaning == reply_meaning::unreachable);
    CHECK(p.hop.err == "p"); // RIPE Atlas: port unreachable from another address
    r.from = dst;            // port unreachable from the destination: a completed UDP trace
    auto d = classify_reply(r, dst, 1, false);
    CHECK(d.meaning == reply_meaning::destination);
    CHECK(d.hop.err.empty());
    r.icmp_code = 1; // host unreachable
    auto u = classify_reply(r, dst, 1, false);
    CHECK(u.meaning == reply_meaning::unreachable);
    CHECK_FALSE(u.hop.err.empty());
    CHECK(u.hop.err == "H");
    r.icmp_code = 13; // communication administratively prohibited: Atlas "A", not "X"
    CHECK(classify_reply(r, dst, 1, false).hop.err == "A");
    r.icmp_code = 10; // no Atlas letter: the code
    CHECK(classify_reply(r, dst, 1, false).hop.err == "10");
    r.icmp_code = 1;

    r.kind = probe::codec::reply_kind::tcp_rst;
    auto t = classify_reply(r, dst, 1, false);
    CHECK(t.meaning == reply_meaning::destination);
    CHECK(t.hop.icmp_type == 255);

    r.kind = probe::codec::reply_kind::echo_reply;
    CHECK(classify_reply(r, dst, 1, false).meaning == reply_meaning::destination);
}

// ---------------------------------------------------------------- hops in flight > 1

namespace {

trace_request parallel_request(std::uint8_t hops_in_flight, std::uint8_t attempts = 1,
                               std::uint8_t gap_limit = 5, std::uint8_t max_ttl = 32) {
    trace_request r = request(max_ttl, attempts, gap_limit);
    r.hops_in_flight = hops_in_flight;
    return r;
}

/// Takes the next probe, which must be at `ttl`.
probe_slot take(trace_machine& m, int ttl) {
    auto slot = m.next();
    REQUIRE(slot);
    CHECK(slot->ttl == ttl);
    return *slot;
}

} // namespace

TEST_CASE("hops in flight: N probes at once, a silent hop's wait overlaps the hops after it") {
    // The lab's shape: hops 1-2 answer, 3 is silent, 4-5 answer, 6 is the destination.
    trace_machine m(parallel_request(2));
    const probe_slot p1 = take(m, 1);
    const probe_slot p2 = take(m, 2);
    CHECK_FALSE(m.next()); // two in flight
    REQUIRE(m.on_reply(p1, reply_from(router(1)), reply_meaning::hop));
    const probe_slot p3 = take(m, 3);
    REQUIRE(m.on_reply(p2, reply_from(router(2)), reply_meaning::hop));
    // Hop 3 stays silent while 4 and 5 answer.
    REQUIRE(m.on_reply(take(m, 4), reply_from(router(4)), reply_meaning::hop));
    REQUIRE(m.on_reply(take(m, 5), reply_from(router(5)), reply_meaning::hop));
    REQUIRE(m.on_reply(take(m, 6), reply_from(dst), reply_meaning::destination));
    CHECK_FALSE(m.next()); // nothing above the destination
    CHECK_FALSE(m.done()); // hop 3 still within its wait
    CHECK(m.result().hops.size() == 2);
    REQUIRE(m.on_timeout(p3));
    REQUIRE(m.done());
    CHECK(m.stop() == stop_reason::completed);
    const auto hops = m.result().hops;
    REQUIRE(hops.size() == 6);
    for (std::size_t i = 0; i < hops.size(); ++i) {
        CHECK(hops[i].ttl == i + 1);
        REQUIRE(hops[i].replies.size() == 1);
    }
    CHECK(hops[2].replies[0].timeout);
    CHECK(hops[3].replies[0].from == router(4));
    CHECK(hops[5].replies[0].from == dst);
}

TEST_CASE("hops in flight: the window holds at most 2N TTLs above a silent hop") {
    trace_machine m(parallel_request(2));
    auto p1 = m.next();
    REQUIRE(p1);
    std::vector<probe_slot> answered;
    // Hop 1 silent; 2, 3, 4 answer one after another; then the window (1-4) is full.
    auto p = m.next();
    for (int ttl = 2; ttl <= 4; ++ttl) {
        REQUIRE(p);
        CHECK(p->ttl == ttl);
        REQUIRE(m.on_reply(*p, reply_from(router(ttl)), reply_meaning::hop));
        p = m.next();
    }
    CHECK_FALSE(p);
    REQUIRE(m.on_timeout(*p1));
    CHECK(m.result().hops.size() == 4);
    auto p5 = m.next();
    REQUIRE(p5);
    CHECK(p5->ttl == 5);
}

TEST_CASE("hops in flight: the gap limit ends the trace in TTL order; later replies are ignored") {
    trace_machine m(parallel_request(3, 1, /*gap_limit=*/2));
    auto a = m.next();
    auto b = m.next();
    auto c = m.next();
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    REQUIRE(m.on_timeout(*a));
    REQUIRE(m.on_timeout(*b)); // two silent hops in a row
    REQUIRE(m.done());
    CHECK(m.stop() == stop_reason::gap_limit);
    CHECK(m.result().hops.size() == 2);
    CHECK_FALSE(m.on_reply(*c, reply_from(router(3)), reply_meaning::hop));
    CHECK(m.result().hops.size() == 2);
}

TEST_CASE("hops in flight: a retry at the lowest hop goes before a new TTL") {
    trace_machine m(parallel_request(2, /*attempts=*/2));
    auto a = m.next();
    auto b = m.next();
    REQUIRE(m.on_timeout(*a));
    auto retry = m.next();
    REQUIRE(retry);
    CHECK(retry->ttl == 1);
    CHECK(retry->attempt == 1);
    CHECK_FALSE(m.on_reply(*a, reply_from(router(1)), reply_meaning::hop)); // old attempt
    REQUIRE(m.on_reply(*retry, reply_from(router(1)), reply_meaning::hop));
    REQUIRE(m.on_reply(*b, reply_from(router(2)), reply_meaning::hop));
    const auto hops = m.result().hops;
    REQUIRE(hops.size() == 2);
    REQUIRE(hops[0].replies.size() == 2);
    CHECK(hops[0].replies[0].timeout);
    CHECK(hops[0].replies[1].from == router(1));
}

TEST_CASE("hops in flight: same hops and stop reason as one at a time, for any outcomes") {
    // Each (TTL, attempt) gets a fixed outcome; the parallel machine sees them in a shuffled
    // order. The result must equal the sequential machine's, hop for hop.
    std::mt19937 rng(5);
    for (int round = 0; round < 2000; ++round) {
        const std::uint8_t attempts = 1 + rng() % 2;
        const std::uint8_t gap_limit = 1 + rng() % 4;
        const std::uint8_t max_ttl = 4 + rng() % 12;
        // outcome: 0 silent, 1 router, 2 destination, 3 unreachable, 4 repeat of router 1
        auto outcome = [&](int ttl, int attempt) {
            const std::uint32_t h = (ttl * 131 + attempt * 7 + round * 1009) % 97;
            if (h < 30) {
                return 0;
            }
            if (h < 84) {
                return 1;
            }
            return ttl > 3 ? 2 + static_cast<int>(h % 3) : 1;
        };
        auto feed = [&](trace_machine& m, probe_slot s) {
            switch (outcome(s.ttl, s.attempt)) {
            case 0:
                return m.on_timeout(s);
            case 1:
                return m.on_reply(s, reply_from(router(s.ttl)), reply_meaning::hop);
            case 2:
                return m.on_reply(s, reply_from(dst), reply_meaning::destination);
            case 3:
                return m.on_reply(s, reply_from(router(s.ttl)), reply_meaning::unreachable);
            default:
                return m.on_reply(s, reply_from(router(1)), reply_meaning::hop); // a loop
            }
        };
        trace_machine seq(parallel_request(1, attempts, gap_limit, max_ttl));
        int seq_sent = 0;
        while (auto s = seq.next()) {
            ++seq_sent;
            REQUIRE(feed(seq, *s));
        }
        REQUIRE(seq.done());
        const int n = 2 + static_cast<int>(rng() % 4);
        trace_machine par(
            parallel_request(static_cast<std::uint8_t>(n), attempts, gap_limit, max_ttl));
        std::vector<probe_slot> flying;
        int sent = 0;
        while (!par.done()) {
            while (auto s = par.next()) {
                flying.push_back(*s);
                ++sent;
            }
            REQUIRE_FALSE(flying.empty());
            const std::size_t pick = rng() % flying.size();
            const probe_slot s = flying[pick];
            flying.erase(flying.begin() + static_cast<std::ptrdiff_t>(pick));
            REQUIRE(feed(par, s));
        }
        CAPTURE(round);
        CHECK(par.stop() == seq.stop());
        REQUIRE(par.result().hops.size() == seq.result().hops.size());
        for (std::size_t i = 0; i < seq.result().hops.size(); ++i) {
            const auto x = par.result().hops[i];
            const auto y = seq.result().hops[i];
            CHECK(x.ttl == y.ttl);
            REQUIRE(x.replies.size() == y.replies.size());
            for (std::size_t k = 0; k < y.replies.size(); ++k) {
                CHECK(x.replies[k].timeout == y.replies[k].timeout);
                CHECK(x.replies[k].from == y.replies[k].from);
            }
        }
        // The same probes, plus at most the other 2N - 1 TTLs of the window above the stop.
        CHECK(sent >= seq_sent);
        CHECK(sent - seq_sent <= (2 * n - 1) * attempts);
    }
}
