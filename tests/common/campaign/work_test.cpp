// Work items: selection, rotation, and their JSON form.
#include <algorithm>
#include <set>
#include <string>

#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>

#include "campaign_fixture.hpp"

using namespace tumen;
using namespace tumen::campaign;
using namespace campaign_fixture;

TEST_CASE("work per agent: selection, rotation, fixed addresses") {
    auto set = parse_campaigns(good, "good.yaml");
    CHECK(compute_work(set, "tyo", {"europe"}, 0).empty());
    auto by_label = compute_work(set, "tyo", {"asia"}, 0);
    auto w0 = compute_work(set, "fra", {}, 0);
    CHECK(by_label == w0);
    // 2 prefixes x 2 rotating addresses x 2 methods + 1 fixed address x 2 methods
    REQUIRE(w0.size() == 10);
    CHECK(w0[0].address.to_string() == "198.51.100.1");
    CHECK(w0[0].how == method::udp_paris);
    CHECK(w0[1].how == method::ping);
    CHECK(w0[2].address.to_string() == "198.51.100.2");
    CHECK(w0[8].address.to_string() == "203.0.113.77");
    auto w1 = compute_work(set, "fra", {}, 1);
    CHECK(w1[0].address.to_string() == "198.51.100.3");
    // Rotation wraps inside the usable addresses (.1 .. .254 of a /24): 127 rounds of 2.
    auto w127 = compute_work(set, "fra", {}, 127);
    CHECK(w127[0].address.to_string() == "198.51.100.1");
    std::set<std::uint32_t> seen;
    for (std::uint64_t round = 0; round < 127; ++round) {
        for (std::uint32_t s = 0; s < 2; ++s) {
            auto a = address_for_round(*ipv4_prefix::parse("198.51.100.0/24"), 2, true, round, s);
            CHECK(a.value != 0xc6336400u);
            CHECK(a.value != 0xc63364ffu);
            seen.insert(a.value);
        }
    }
    CHECK(seen.size() == 254);
}

TEST_CASE("work items round-trip through JSON") {
    auto set = parse_campaigns(good, "good.yaml");
    for (const auto& w : compute_work(set, "fra", {}, 3)) {
        auto back = parse_work_item(to_json(w));
        REQUIRE(back.ok());
        CHECK(*back == w);
    }
    auto j = to_json(compute_work(set, "fra", {}, 0)[0]);
    j["address"] = "192.0.2.1";
    auto bad = parse_work_item(j);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().where == "address");
}

TEST_CASE("a ping work item may name an address outside its prefix (the controller's choice)") {
    auto set = parse_campaigns(good, "good.yaml");
    auto j = to_json(compute_work(set, "fra", {}, 0)[0]);
    j["address"] = "192.0.2.1";
    j["method"] = "ping";
    auto ping = parse_work_item(j);
    REQUIRE(ping.ok());
    CHECK(ping->address.to_string() == "192.0.2.1");
    j["address"] = "192.0.2.300";
    auto bad = parse_work_item(j);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().where == "address");
    j["address"] = "192.0.2.1";
    j["method"] = "icmp-paris";
    REQUIRE_FALSE(parse_work_item(j).ok());
}

TEST_CASE("hops_in_flight: YAML range, JSON round trip, and optional in work items") {
    std::string g = good;
    auto set = parse_campaigns(
        replace(g, "    jitter: 500ms", "    jitter: 500ms\n    hops_in_flight: 3"), "good.yaml");
    CHECK(set.campaigns[0].params.hops_in_flight == 3);
    CHECK(parse_campaigns(good, "good.yaml").campaigns[0].params.hops_in_flight == 1);
    expect_error(replace(g, "    jitter: 500ms", "    jitter: 500ms\n    hops_in_flight: 33"), 17,
                 21, "hops_in_flight must be between 1 and 32");
    expect_error(replace(g, "    jitter: 500ms", "    jitter: 500ms\n    hops_in_flight: 0"), 17,
                 21, "hops_in_flight must be between 1 and 32");
    const auto w = compute_work(set, "fra", {}, 0)[0];
    auto j = to_json(w);
    CHECK(j["hops_in_flight"] == 3);
    auto back = parse_work_item(j);
    REQUIRE(back.ok());
    CHECK(back->params.hops_in_flight == 3);
    // A work item from a controller that does not send the field: one at a time.
    j.erase("hops_in_flight");
    back = parse_work_item(j);
    REQUIRE(back.ok());
    CHECK(back->params.hops_in_flight == 1);
    for (int bad : {0, 33, -1}) {
        j["hops_in_flight"] = bad;
        auto e = parse_work_item(j);
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().where == "hops_in_flight");
    }
}

TEST_CASE("watch_interval and hysteresis: JSON round trip, optional in work items") {
    std::string g = good;
    auto set = parse_campaigns(
        replace(g, "    jitter: 500ms", "    jitter: 500ms\n    watch_interval: 5s"), "good.yaml");
    CHECK(set.campaigns[0].params.watch_interval == std::chrono::seconds(5));
    CHECK(parse_campaigns(good, "good.yaml").campaigns[0].params.watch_interval.count() == 0);
    auto w = compute_work(set, "fra", {}, 0)[0];
    CHECK(w.hysteresis == default_hysteresis);
    w.hysteresis = 3;
    auto j = to_json(w);
    CHECK(j["watch_interval_ms"] == 5000);
    CHECK(j["hysteresis"] == 3);
    auto back = parse_work_item(j);
    REQUIRE(back.ok());
    CHECK(*back == w);
    // An item from a controller before watch probes: off, K = 2.
    j.erase("watch_interval_ms");
    j.erase("hysteresis");
    back = parse_work_item(j);
    REQUIRE(back.ok());
    CHECK(back->params.watch_interval.count() == 0);
    CHECK(back->hysteresis == 2);
    // Without watch probes the item keeps its older form.
    const auto off = to_json(compute_work(parse_campaigns(good, "good.yaml"), "fra", {}, 0)[0]);
    CHECK_FALSE(off.contains("watch_interval_ms"));
    CHECK_FALSE(off.contains("hysteresis"));
    for (int bad : {0, 1001, -1}) {
        j["hysteresis"] = bad;
        auto e = parse_work_item(j);
        REQUIRE_FALSE(e.ok());
        CHECK(e.error().where == "hysteresis");
    }
}
