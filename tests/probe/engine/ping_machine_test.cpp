#include <doctest/doctest.h>

#include <tumen/probe/engine/ping_machine.hpp>

using namespace tumen;
using namespace tumen::probe::engine;
using namespace std::chrono_literals;

namespace {

const ipv4_addr dst{198, 51, 100, 7};
const ping_machine::clock::time_point t0{};

ping_request request(std::uint32_t count = 3) {
    ping_request r;
    r.dst = dst;
    r.method = ping_method::tcp_syn;
    r.count = count;
    r.interval = 100ms;
    r.ttl = 30;
    r.id = "p1";
    r.campaign = "c";
    return r;
}

} // namespace

TEST_CASE("ping: the result starts with the request's fields and one empty RTT per probe") {
    ping_machine m(request(), t0);
    CHECK(m.result().id == "p1");
    CHECK(m.result().campaign == "c");
    CHECK(m.result().dst == dst);
    CHECK(m.result().method == "tcp-syn");
    CHECK(m.result().rtts_ms.size() == 3);
    CHECK(m.result().sent == 0);
    CHECK(m.ttl() == 30);
    CHECK(m.interval() == 100ms);
    CHECK_FALSE(m.done());
}

TEST_CASE("ping: count probes, interval apart, then done once none is open") {
    ping_machine m(request(), t0);
    REQUIRE(m.has_next());
    CHECK(m.next_at() == t0);
    CHECK(m.take(t0) == 0);
    CHECK(m.next_at() == t0 + 100ms);
    CHECK(m.take(t0 + 100ms) == 1);
    CHECK(m.take(t0 + 205ms) == 2);
    CHECK(m.next_at() == t0 + 305ms);
    CHECK_FALSE(m.has_next());
    CHECK(m.result().sent == 3);
    CHECK(m.open() == 3);
    CHECK_FALSE(m.done());
    m.on_reply(0, 1.5, true);
    m.on_timeout();
    CHECK_FALSE(m.done());
    m.on_reply(2, 2.5, true);
    CHECK(m.done());
    CHECK(m.result().received == 2);
    CHECK(m.result().rtts_ms[0] == 1.5);
    CHECK_FALSE(m.result().rtts_ms[1]);
    CHECK(m.result().rtts_ms[2] == 2.5);
}

TEST_CASE("ping: timeouts and lost probes count as lost") {
    ping_machine m(request(2), t0);
    m.take(t0);
    m.on_lost();
    CHECK_FALSE(m.done()); // one more to send
    m.take(t0 + 100ms);
    m.on_timeout();
    CHECK(m.done());
    CHECK(m.result().sent == 2);
    CHECK(m.result().received == 0);
    CHECK_FALSE(m.result().rtts_ms[0]);
    CHECK_FALSE(m.result().rtts_ms[1]);
}

TEST_CASE("ping: only a reply from the destination gives an RTT") {
    ping_machine m(request(1), t0);
    m.take(t0);
    m.on_reply(0, 3.0, false); // e.g. time exceeded on the way
    CHECK(m.done());
    CHECK(m.result().received == 0);
    CHECK_FALSE(m.result().rtts_ms[0]);
}

TEST_CASE("ping: a duplicate or out-of-range reply is not counted again") {
    ping_machine m(request(2), t0);
    m.take(t0);
    m.take(t0 + 100ms);
    m.on_reply(0, 1.0, true);
    m.on_reply(0, 9.0, true);
    CHECK(m.result().received == 1);
    CHECK(m.result().rtts_ms[0] == 1.0);
    m.on_reply(7, 1.0, true);
    CHECK(m.result().received == 1);
    CHECK(m.done());
    m.on_timeout(); // nothing open: no underflow
    CHECK(m.open() == 0);
}

TEST_CASE("ping: a series of zero probes is done at once") {
    ping_machine m(request(0), t0);
    CHECK_FALSE(m.has_next());
    CHECK(m.done());
    CHECK(m.result().rtts_ms.empty());
}
