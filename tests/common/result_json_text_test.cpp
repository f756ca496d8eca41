// to_json_text() writes the same bytes as to_json().dump(): every optional field, numbers of
// every form, escapes and the error on invalid UTF-8.
#include <limits>

#include <doctest/doctest.h>

#include <tumen/common/result_json.hpp>

using namespace tumen;
using namespace tumen::result;

namespace {

ipv4_addr addr(const char* s) {
    return *ipv4_addr::parse(s);
}

hop_reply reply(const char* from, double rtt) {
    hop_reply r;
    r.from = addr(from);
    r.rtt_ms = rtt;
    r.size = 56;
    r.ttl = 250;
    r.icmp_type = 11;
    return r;
}

trace full_trace() {
    trace t{.id = "fra-42",
            .agent = "fra",
            .campaign = "lab-border",
            .dst = addr("198.51.100.7"),
            .src = addr("192.0.2.10"),
            .dst_name = "",
            .proto = "UDP",
            .method = "udp-paris",
            .paris_id = 65535,
            .timestamp = 1506816000,
            .endtime = 1506816003,
            .stop = stop_reason::gap_limit,
            .hops = {},
            .trigger = "",
            .confirmation = false};
    hop h1;
    h1.ttl = 1;
    h1.replies.push_back(reply("192.0.2.1", 0.25));
    h1.replies.back().quoted_ttl = 1;
    hop_reply lost;
    lost.timeout = true;
    h1.replies.push_back(lost);
    h1.replies.push_back(reply("192.0.2.1", 1e-7)); // exponent form
    h1.replies.back().late = true;
    t.hops.push_back(h1);
    hop h2;
    h2.ttl = 2;
    h2.error = "network unreachable";
    h2.replies.push_back(reply("203.0.113.9", 40.0)); // integral double: "40.0"
    h2.replies.back().mpls = {{16001, 5, false, 1}, {1048575, 7, true, 255}};
    h2.replies.back().err = "H";
    h2.replies.back().nat = true;
    h2.replies.push_back(reply("203.0.113.9", 123456.789012));
    h2.replies.back().err = "13"; // numeric code: a number
    h2.replies.back().icmp_type = 3;
    h2.replies.back().icmp_code = 13;
    t.hops.push_back(h2);
    hop empty;
    empty.ttl = 255;
    t.hops.push_back(empty);
    return t;
}

} // namespace

TEST_CASE("to_json_text: a trace with every field is the bytes of dump()") {
    trace t = full_trace();
    CHECK(to_json_text(t) == to_json(t).dump());
    t.dst_name = "target.example";
    t.trigger = trigger_watch;
    t.confirmation = true;
    t.stop = stop_reason::completed;
    CHECK(to_json_text(t) == to_json(t).dump());
    trace none;
    CHECK(to_json_text(none) == to_json(none).dump());
}

TEST_CASE("to_json_text: odd doubles as dump() writes them") {
    trace t = full_trace();
    for (const double rtt :
         {0.0, -0.0, 0.022003, 1e21, 5e-324, 1.7976931348623157e308,
          std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
        t.hops[0].replies[0].rtt_ms = rtt;
        CHECK(to_json_text(t) == to_json(t).dump());
    }
}

TEST_CASE("to_json_text: strings with escapes and UTF-8 as dump(), invalid UTF-8 throws") {
    trace t = full_trace();
    t.agent = "quote\" back\\slash\ttab\nnl\x01 ctl \x7f del";
    t.campaign = "\xc3\xa9t\xc3\xa9"; // "été"
    t.hops[1].error = "/\b\f\r";
    CHECK(to_json_text(t) == to_json(t).dump());
    t.agent = "\xff";
    CHECK_THROWS(to_json(t).dump());
    CHECK_THROWS(to_json_text(t));
}

TEST_CASE("to_json_text: pings, with and without replies, as dump()") {
    ping p{.id = "fra-ping-1",
           .agent = "fra",
           .campaign = "c",
           .dst = addr("198.51.100.7"),
           .src = addr("192.0.2.10"),
           .method = "icmp",
           .timestamp = 1506816000,
           .sent = 4,
           .received = 3,
           .rtts_ms = {10.5, std::nullopt, 9.25, 11.0}};
    CHECK(to_json_text(p) == to_json(p).dump());
    p.rtts_ms = {std::nullopt, std::nullopt};
    p.received = 0;
    CHECK(to_json_text(p) == to_json(p).dump());
    CHECK(to_json_text(ping{}) == to_json(ping{}).dump());
}
