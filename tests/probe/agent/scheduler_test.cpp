#include <set>

#include <doctest/doctest.h>

#include <tumen/probe/agent/result_id.hpp>
#include <tumen/probe/agent/scheduler.hpp>

using namespace tumen;
using namespace tumen::probe::agent;

namespace {

campaign::work_item item(const char* addr, campaign::method how) {
    campaign::work_item w;
    w.campaign = "lab-border";
    w.target_prefix = *ipv4_prefix::parse("198.51.100.0/24");
    w.address = *ipv4_addr::parse(addr);
    w.how = how;
    w.params.wait = std::chrono::milliseconds(1500);
    w.params.attempts = 2;
    w.params.first_ttl = 2;
    w.params.max_ttl = 300; // out of the engine's range: clamped
    w.params.gap_limit = 4;
    w.params.hops_in_flight = 3;
    w.params.udp_port = 40000;
    w.params.tcp_port = 443;
    return w;
}

} // namespace

TEST_CASE("work items become engine requests with the campaign's parameters") {
    auto t = to_trace_request(item("198.51.100.7", campaign::method::udp_paris), 4096);
    CHECK(t.dst == *ipv4_addr::parse("198.51.100.7"));
    CHECK(t.method == probe::codec::method::udp_paris);
    CHECK(t.dst_port == 40000);
    CHECK(t.first_ttl == 2);
    CHECK(t.max_ttl == 255);
    CHECK(t.attempts == 2);
    CHECK(t.gap_limit == 4);
    CHECK(t.hops_in_flight == 3);
    CHECK(t.wait == std::chrono::milliseconds(1500));
    CHECK(t.campaign == "lab-border");
    CHECK(t.flow < 4096);
    // The same target prefix keeps its Paris flow whatever address a round picks.
    CHECK(to_trace_request(item("198.51.100.99", campaign::method::udp_paris), 4096).flow ==
          t.flow);
    CHECK(to_trace_request(item("198.51.100.7", campaign::method::tcp_syn), 4096).dst_port == 443);
    CHECK(to_trace_request(item("198.51.100.7", campaign::method::icmp_paris), 4096).method ==
          probe::codec::method::icmp_paris);
    auto other = item("198.51.100.7", campaign::method::udp_paris);
    other.campaign = "another";
    CHECK(to_trace_request(other, 16).flow < 16);

    auto p = to_ping_request(item("198.51.100.7", campaign::method::ping), 4096);
    CHECK(p.dst == *ipv4_addr::parse("198.51.100.7"));
    CHECK(p.method == probe::engine::ping_method::icmp);
    CHECK(p.count == 2);
    CHECK(p.wait == std::chrono::milliseconds(1500));
}

TEST_CASE("result ids: agent prefix and 128 random bits, unique") {
    std::set<std::string> ids;
    for (int i = 0; i < 1000; ++i) {
        auto id = make_result_id("fra");
        REQUIRE(id.size() == 4 + 32);
        CHECK(id.starts_with("fra-"));
        CHECK(id.find_first_not_of("0123456789abcdef", 4) == std::string::npos);
        ids.insert(id);
    }
    CHECK(ids.size() == 1000);
}
