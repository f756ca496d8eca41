// compact_reply: every field of a result::hop_reply survives the compact form an open trace
// keeps, and trace_machine builds the same result from it as the result model's replies.
#include <doctest/doctest.h>

#include <tumen/probe/engine/compact_reply.hpp>
#include <tumen/probe/engine/trace_machine.hpp>

using namespace tumen;
using namespace tumen::probe;
using namespace tumen::probe::engine;

namespace {

result::hop_reply full_reply() {
    result::hop_reply r;
    r.from = ipv4_addr{198, 18, 4, 1};
    r.rtt_ms = 12.345678;
    r.size = 148;
    r.ttl = 250;
    r.icmp_type = 3;
    r.icmp_code = 9;
    r.quoted_ttl = 0; // present, and zero: not the same as absent
    r.err = "9";
    r.mpls = {{16001, 5, false, 1}, {1048575, 7, true, 255}};
    r.nat = true;
    r.late = true;
    return r;
}

} // namespace

TEST_CASE("compact_reply: a reply with every field set round-trips") {
    const result::hop_reply r = full_reply();
    compact_reply_store store;
    const compact_reply c = from_reply(result::hop_reply(r), 7, &store);
    CHECK(c.hop == 7);
    REQUIRE(store.size() == 1);
    CHECK(c.rare == 1);
    CHECK(to_reply(c, store) == r);
    CHECK(to_reply(c, {}).mpls.empty()); // not in the store given: left out, no crash
}

TEST_CASE("compact_reply: each field on its own round-trips, rare ones only when present") {
    result::hop_reply plain;
    plain.from = ipv4_addr{198, 18, 0, 1};
    plain.rtt_ms = 0.001;
    plain.size = 56;
    plain.ttl = 64;
    plain.icmp_type = 11;
    compact_reply_store store;
    const compact_reply c = from_reply(result::hop_reply(plain), 1, &store);
    CHECK(c.rare == 0); // no label stack and no err: nothing stored
    CHECK(store.empty());
    CHECK(to_reply(c, store) == plain);
    CHECK_FALSE(to_reply(c, store).quoted_ttl);

    result::hop_reply timeout;
    timeout.timeout = true;
    CHECK(to_reply(from_reply(result::hop_reply(timeout), 2, nullptr), store) == timeout);

    result::hop_reply only_mpls = plain;
    only_mpls.mpls = {{3, 0, true, 1}};
    CHECK(to_reply(from_reply(result::hop_reply(only_mpls), 3, &store), store) == only_mpls);

    result::hop_reply only_err = plain;
    only_err.err = "p";
    CHECK(to_reply(from_reply(result::hop_reply(only_err), 3, &store), store) == only_err);
    CHECK(store.size() == 2);

    for (const bool nat : {false, true}) {
        for (const bool late : {false, true}) {
            result::hop_reply f = plain;
            f.nat = nat;
            f.late = late;
            f.quoted_ttl = 1;
            CHECK(to_reply(from_reply(result::hop_reply(f), 4, &store), store) == f);
        }
    }
}

TEST_CASE("trace_machine: hops built from compact replies carry every field") {
    trace_request req;
    req.dst = ipv4_addr{198, 18, 9, 9};
    req.max_ttl = 8;
    req.attempts = 2;
    req.gap_limit = 5;
    req.id = "t1";
    trace_machine m(req);
    auto s = m.next();
    REQUIRE(s);
    REQUIRE(m.on_timeout(*s));
    s = m.next();
    REQUIRE(s);
    result::hop_reply hop1 = full_reply();
    hop1.err.clear();
    hop1.icmp_type = 11;
    REQUIRE(m.on_reply(*s, hop1, reply_meaning::hop));
    s = m.next();
    REQUIRE(s);
    const result::hop_reply last = full_reply();
    REQUIRE(m.on_reply(*s, last, reply_meaning::unreachable));
    REQUIRE(m.done());

    const result::trace built = m.result();
    CHECK(built.stop == result::stop_reason::unreachable);
    CHECK(built.id == "t1");
    REQUIRE(built.hops.size() == 2);
    CHECK(built.hops[0].ttl == 1);
    REQUIRE(built.hops[0].replies.size() == 2);
    CHECK(built.hops[0].replies[0].timeout);
    CHECK(built.hops[0].replies[1] == hop1);
    CHECK(built.hops[1].ttl == 2);
    REQUIRE(built.hops[1].replies.size() == 1);
    CHECK(built.hops[1].replies[0] == last);

    const result::trace taken = m.take_result();
    CHECK(taken == built);
    CHECK(m.result().hops.empty()); // nothing kept once taken
}

TEST_CASE("trace_machine: a failure with no attempt at its hop still records the hop") {
    trace_request req;
    req.dst = ipv4_addr{198, 18, 9, 9};
    req.max_ttl = 8;
    req.first_ttl = 3;
    trace_machine m(req);
    m.fail("no route");
    const result::trace t = m.take_result();
    CHECK(t.stop == result::stop_reason::error);
    REQUIRE(t.hops.size() == 1);
    CHECK(t.hops[0].ttl == 3);
    CHECK(t.hops[0].replies.empty());
    CHECK(t.hops[0].error == "no route");
}
