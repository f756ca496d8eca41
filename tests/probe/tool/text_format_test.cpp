#include <doctest/doctest.h>

#include <tumen/probe/tool/text_format.hpp>

#include "hop_replies.hpp"

using namespace tumen;
using namespace tumen::probe::tool;

using test::reply;
using test::star;

TEST_CASE("trace text: hops, stars, address changes, MPLS and !-marks") {
    result::trace t;
    t.dst = ipv4_addr{198, 51, 100, 7};
    t.src = ipv4_addr{192, 0, 2, 10};
    t.method = "udp-paris";
    t.paris_id = 3;
    t.stop = result::stop_reason::unreachable;
    result::hop h1;
    h1.ttl = 1;
    h1.replies = {reply(ipv4_addr{192, 0, 2, 1}, 0.5), reply(ipv4_addr{192, 0, 2, 1}, 0.25)};
    result::hop h2;
    h2.ttl = 2;
    h2.replies = {star(), star()};
    result::hop h3;
    h3.ttl = 3;
    auto r3 = reply(ipv4_addr{203, 0, 113, 9}, 20.125);
    r3.mpls = {result::mpls_entry{16001, 5, true, 1}};
    h3.replies = {star(), r3};
    result::hop h4;
    h4.ttl = 4;
    auto r4 = reply(ipv4_addr{203, 0, 113, 10}, 21);
    r4.err = "H";
    auto r4b = reply(ipv4_addr{203, 0, 113, 11}, 22);
    r4b.nat = true;
    h4.replies = {r4, r4b};
    t.hops = {h1, h2, h3, h4};

    const std::string text = format_trace_text(t, 30);
    CHECK(text ==
          "traceroute to 198.51.100.7 (198.51.100.7) from 192.0.2.10, udp-paris, flow 3, 30 hops "
          "max\n"
          " 1  192.0.2.1  0.500 ms  0.250 ms\n"
          " 2  *  *\n"
          " 3  *  203.0.113.9  20.125 ms [MPLS: L=16001 E=5 S=1 TTL=1]\n"
          " 4  203.0.113.10  21.000 ms !H  203.0.113.11  22.000 ms !NAT\n"
          "stop: unreachable\n");
}

TEST_CASE("trace text uses the name the user gave") {
    result::trace t;
    t.dst = ipv4_addr{198, 51, 100, 7};
    t.dst_name = "target-a";
    t.method = "tcp-syn";
    t.stop = result::stop_reason::max_ttl;
    const std::string text = format_trace_text(t, 1);
    CHECK(text.rfind("traceroute to target-a (198.51.100.7)", 0) == 0);
    CHECK(text.find("stop: max_ttl\n") != std::string::npos);
}

TEST_CASE("ping summary: loss and RTT statistics") {
    result::ping p;
    p.dst = ipv4_addr{198, 51, 100, 7};
    p.method = "icmp";
    p.sent = 4;
    p.rtts_ms = {10.0, std::nullopt, 20.0, 30.0};
    const auto s = summarize(p);
    CHECK(s.sent == 4);
    CHECK(s.received == 3);
    CHECK(s.loss_percent == doctest::Approx(25.0));
    CHECK(s.min_ms == doctest::Approx(10.0));
    CHECK(s.avg_ms == doctest::Approx(20.0));
    CHECK(s.max_ms == doctest::Approx(30.0));
    CHECK(s.stddev_ms == doctest::Approx(8.16497).epsilon(1e-4)); // sqrt(200/3)
    CHECK(format_ping_text(p) == "--- 198.51.100.7 ping (icmp) ---\n"
                                 "4 sent, 3 received, 25.0% loss\n"
                                 "rtt min/avg/max/stddev = 10.000/20.000/30.000/8.165 ms\n");
}

TEST_CASE("ping summary with every probe lost has no rtt line") {
    result::ping p;
    p.dst = ipv4_addr{198, 51, 100, 7};
    p.method = "udp";
    p.sent = 2;
    p.rtts_ms = {std::nullopt, std::nullopt};
    const auto s = summarize(p);
    CHECK(s.received == 0);
    CHECK(s.loss_percent == doctest::Approx(100.0));
    CHECK(format_ping_text(p).find("rtt") == std::string::npos);
}
