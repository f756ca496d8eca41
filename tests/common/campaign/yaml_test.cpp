// The strict campaign YAML parser: the model it builds and its errors with positions.
#include <algorithm>
#include <set>
#include <string>

#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>

#include "campaign_fixture.hpp"
#include "lab_plan.hpp"

using namespace tumen;
using namespace tumen::campaign;
using namespace campaign_fixture;

TEST_CASE("a valid campaign parses into the model") {
    auto set = parse_campaigns(good, "good.yaml");
    REQUIRE(set.campaigns.size() == 1);
    const auto& c = set.campaigns[0];
    CHECK(c.name == "t1");
    CHECK(c.targets.asn == 64500);
    CHECK(c.targets.prefixes.size() == 2);
    CHECK(c.targets.addresses_per_prefix == 2);
    CHECK(c.targets.rotate);
    CHECK(c.classes[0].asns == std::vector<std::uint32_t>{64501, 64502});
    CHECK(c.classes[0].prefixes[0].to_string() == "192.0.2.0/25");
    CHECK(c.methods == std::vector<method>{method::udp_paris, method::ping});
    CHECK(c.params.interval == std::chrono::seconds(10));
    CHECK(c.params.jitter == std::chrono::milliseconds(500));
    CHECK(c.params.max_ttl == 30);
    CHECK(c.class_by_asn(64503)->name == "upstream-b");
    CHECK(c.class_by_prefix(*ipv4_addr::parse("192.0.2.5"))->name == "upstream-a");
    CHECK(c.class_by_prefix(*ipv4_addr::parse("192.0.2.200")) == nullptr);
    CHECK(c.target_prefix_of(*ipv4_addr::parse("203.0.113.9"))->to_string() == "203.0.113.0/25");
    CHECK_FALSE(c.target_prefix_of(*ipv4_addr::parse("203.0.113.200")));
}

TEST_CASE("validation errors carry line and column") {
    std::string g = good;
    expect_error(replace(g, "    jitter: 500ms", "    jiter: 500ms"), 16, 5,
                 "unknown key \"jiter\"");
    expect_error(replace(g, "198.51.100.0/24", "198.51.100.1/24"), 5, 18, "host bits");
    expect_error(replace(g, "198.51.100.0/24", "198.51.300.0/24"), 5, 18, "not an IPv4 prefix");
    expect_error(replace(g, "asn: 64500", "asn: lots"), 4, 12, "not an AS number");
    expect_error(replace(g, "interval: 10s", "interval: 10 parsecs"), 15, 15,
                 "unknown duration unit");
    expect_error(replace(g, "interval: 10s", "interval: [10]"), 15, 15, "must be a scalar");
    expect_error(replace(g, "name: upstream-b", "name: upstream-a"), 12, 9, "duplicate class name");
    expect_error(replace(g, "asns: [64503]", "asns: [64501]"), 12, 9, "AS64501 is in classes");
    expect_error(replace(g, "udp-paris, ping", "udp-paris, traceroute"), 14, 26, "unknown method");
    expect_error(replace(g, "addresses: [203.0.113.77]", "addresses: [203.0.113.200]"), 7, 19,
                 "not inside any target prefix");
    expect_error(replace(g, "names: [fra]", "names: fra"), 18, 14, "must be a list");
    expect_error(replace(g, "    jitter: 500ms", "    jitter: 10s"), 16, 13,
                 "shorter than interval");
    expect_error(replace(g, "asns: [64503]", "asns: [64500]"), 9, 7, "target AS64500");
    expect_error(g + "  - name: t1\n    targets: {asn: 1, prefixes: [192.0.2.0/24]}\n"
                     "    methods: [udp]\n",
                 20, 5, "duplicate campaign name");
    expect_error(replace(g, "    interval: 10s", "    interval: 10s\n    interval: 20s"), 16, 5,
                 "duplicate key");
    // Verdicts name paths "none", "other" and "AS<number>" themselves ("unknown" before).
    for (const char* reserved : {"none", "other", "unknown", "AS64510", "as64510"}) {
        CAPTURE(reserved);
        expect_error(replace(g, "name: upstream-b", std::string("name: ") + reserved), 12, 15,
                     "is reserved");
    }
    CHECK_NOTHROW(parse_campaigns(replace(g, "name: upstream-b", "name: AS-upstream"), "ok.yaml"));
    expect_error("campaigns: [\n", 2, 1, "");
    expect_error("campaigns:\n  - name: x\n    methods: [udp]\n", 2, 5, "needs \"targets\"");
}

TEST_CASE("try_parse_campaigns returns the error instead of throwing") {
    auto r = try_parse_campaigns("campaigns:\n  - name: x\n    bogus: 1\n", "inline");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().where == "inline:3:5");
    CHECK(r.error().what.find("bogus") != std::string::npos);
}

TEST_CASE("the shipped schedules load") {
    // The lab campaign stands in for the real one with the real AS numbers.
    const auto& plan = tumen::test::lab();
    for (const std::string& file :
         {plan.schedule_path(), std::string(TUMEN_SOURCE_DIR) + "/schedules/nk-border.yaml"}) {
        CAPTURE(file);
        auto set = load_campaigns_file(file);
        REQUIRE(set.campaigns.size() == 1);
        const auto& c = set.campaigns[0];
        CHECK(c.targets.asn == 131279);
        CHECK(c.targets.prefixes.size() == 4);
        REQUIRE(c.classes.size() >= 2);
        CHECK(c.classes[0].name == "china-unicom");
        CHECK(c.class_by_asn(4837) == &c.classes[0]);
        CHECK(c.class_by_asn(20485)->name == "ttk");
    }
    auto lab = plan.schedule();
    const auto& c = lab.campaigns[0];
    // An address inside the China Unicom backbone, known only through the class prefix.
    CHECK(c.class_by_prefix(plan.addr_in("LAB_CU_BACKBONE_PREFIX", 6 * 256 + 1))->name ==
          "china-unicom");
    REQUIRE(plan.words("LAB_VPS").size() == 3);
    for (const auto& vp : plan.words("LAB_VPS")) {
        auto work = compute_work(lab, vp, {}, 0);
        CHECK(work.size() == 8); // 4 /24s x (udp-paris + ping)
    }
    CHECK(compute_work(lab, "other", {}, 0).empty());
}
