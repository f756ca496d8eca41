#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/asmap/sources/pfx2as.hpp>
#include <tumen/controller/inference/border.hpp>

#include "lab_plan.hpp"
#include "trace_builder.hpp"

using namespace tumen;
using namespace tumen::controller;
using tumen::test::make_trace;

namespace {

const test::lab_plan& plan() {
    return test::lab();
}
/// The `n`-th address of the lab prefix named `key` in deploy/lab/lab.env.
ipv4_addr in(const char* key, std::uint64_t n) {
    return plan().addr_in(key, n);
}
ipv4_addr vp(const char* name) {
    return plan().vp_addr(name);
}
ipv4_addr acc(const char* name) {
    return plan().acc_addr(name);
}
/// cu1's address on fra's side.
ipv4_addr cu1() {
    return plan().addr("LAB_CU1_ADDR_fra");
}
ipv4_addr target(std::size_t i, std::uint64_t n) {
    return plan().target_addr(i, n);
}

// Outside the lab's plan (checked below): an unknown transit's prefix and an IXP LAN, added to
// the AS map for the cases the lab does not build, and an address nothing maps.
const char* unknown_transit_prefix = "198.18.96.0/20";
const char* unknown_transit_addr = "198.18.96.1";
const char* ixp_prefix = "198.18.112.0/24";
const char* ixp_addr = "198.18.112.7";
const char* unmapped_addr = "198.18.200.1";

struct fixture {
    // The lab campaign (schedules/lab.yaml): its targets and classes.
    campaign::campaign_set set = plan().schedule();
    asmap::as_map map;
    fixture() {
        asmap::as_map_builder b;
        // The lab's address plan, plus an unknown transit and an IXP LAN for the cases the lab
        // does not build.
        auto r = asmap::sources::read_pfx2as_file(plan().pfx2as_path(), b);
        REQUIRE(r.error_count == 0);
        b.add_prefix(*ipv4_prefix::parse(unknown_transit_prefix), {64999});
        b.add_ixp_prefix(*ipv4_prefix::parse(ixp_prefix), "Lab-IX");
        map = b.build();
    }
    inference::border_verdict infer(const result::trace& t) {
        return inference::infer_border(t, set.campaigns[0], map);
    }
};

} // namespace

TEST_CASE_FIXTURE(fixture,
                  "CU path: silent cu2, backbone only in the class prefix, CU-numbered border") {
    // fra -> acc-fra -> cu1 -> cu2 (silent) -> cu3a (LAB_CU_BACKBONE_PREFIX, unannounced) ->
    // kp-br (interface numbered from CU space, LAB_CU_PREFIX) -> target host.
    auto t = make_trace(vp("fra"), target(0, 1),
                        {{{acc("fra"), acc("fra")}, 0.1},
                         {{cu1(), cu1()}, 0.3},
                         {{"*", "*"}},
                         {{in("LAB_CU_BACKBONE_PREFIX", 3), in("LAB_CU_BACKBONE_PREFIX", 3)}, 40.1},
                         {{in("LAB_CU_PREFIX", 9), in("LAB_CU_PREFIX", 9)}, 40.4},
                         {{target(0, 1), target(0, 1)}, 40.6}});
    auto v = infer(t);
    CHECK(v.path == "china-unicom");
    REQUIRE(v.transit_asn);
    CHECK(*v.transit_asn == plan().asn("LAB_CU_AS"));
    CHECK(v.reached_target);
    CHECK_FALSE(v.weak);
    REQUIRE(v.border_addr);
    CHECK(v.border_addr->to_string() == in("LAB_CU_PREFIX", 9).to_string());
    CHECK(*v.border_ttl == 5);
    CHECK(*v.border_rtt_ms == doctest::Approx(40.4));
    CHECK(*v.end_rtt_ms == doctest::Approx(40.6));
    CHECK(v.as_path == std::vector<std::uint32_t>{plan().asn("LAB_VP_AS_fra"),
                                                  plan().asn("LAB_CU_AS"),
                                                  plan().asn("LAB_TARGET_AS")});
    CHECK(inference::path_identity(v) == "china-unicom");
}

TEST_CASE_FIXTURE(fixture, "TTK path with rate-limited ttk1 and TTK-numbered border") {
    auto t = make_trace(vp("msk"), target(1, 1),
                        {{{acc("msk")}, 0.1},
                         {{"*", "*"}},
                         {{in("LAB_TTK_PREFIX", 5)}, 70.2},
                         {{in("LAB_TTK_PREFIX", 9)}, 70.3},
                         {{target(1, 1)}, 70.5}},
                        "msk");
    auto v = infer(t);
    CHECK(v.path == "ttk");
    CHECK(*v.transit_asn == plan().asn("LAB_TTK_AS"));
    CHECK(v.border_addr->to_string() == in("LAB_TTK_PREFIX", 9).to_string());
    CHECK(v.reached_target);
}

TEST_CASE_FIXTURE(fixture, "border interface numbered from the target's own space") {
    // The Star JV side answers from its own /22 at the border: the transit is the hop before.
    auto t = make_trace(vp("fra"), target(2, 7),
                        {{{acc("fra")}}, {{cu1()}}, {{target(3, 254)}}, {{target(2, 7)}}});
    auto v = infer(t);
    CHECK(v.path == "china-unicom");
    CHECK(v.border_addr->to_string() == cu1().to_string());
}

TEST_CASE_FIXTURE(fixture, "unmapped and private hops between transit and target are skipped") {
    auto t = make_trace(vp("tyo"), target(0, 9),
                        {{{acc("tyo")}},
                         {{in("LAB_TTK_PREFIX", 1)}},
                         {{"10.0.0.1"}},    // private (MPLS core answering from RFC 1918)
                         {{unmapped_addr}}, // unmapped
                         {{"*"}},
                         {{target(0, 9)}}},
                        "tyo");
    auto v = infer(t);
    CHECK(v.path == "ttk");
    CHECK(v.border_addr->to_string() == in("LAB_TTK_PREFIX", 1).to_string());
    CHECK(v.reached_target);
}

TEST_CASE_FIXTURE(fixture,
                  "IXP hop before the target: transit is the hop before the IXP, IXP named") {
    auto t = make_trace(
        vp("fra"), target(0, 1),
        {{{acc("fra")}}, {{in("LAB_CU_BACKBONE_PREFIX", 1)}}, {{ixp_addr}}, {{target(0, 1)}}});
    auto v = infer(t);
    CHECK(v.path == "china-unicom");
    CHECK(v.border_addr->to_string() == in("LAB_CU_BACKBONE_PREFIX", 1).to_string());
    CHECK(v.via_ixp == "Lab-IX");
}

TEST_CASE_FIXTURE(fixture, "a transit in no class is named by its AS, never forced into a class") {
    auto t = make_trace(vp("fra"), target(0, 1),
                        {{{acc("fra")}}, {{cu1()}}, {{unknown_transit_addr}}, {{target(0, 1)}}});
    auto v = infer(t);
    CHECK(v.path == "AS64999");
    REQUIRE(v.transit_asn);
    CHECK(*v.transit_asn == 64999);
    CHECK(v.transit_name.empty()); // no AS-names file loaded
    CHECK(inference::path_identity(v) == "AS64999");
}

TEST_CASE_FIXTURE(fixture, "trace stopping before the target: last transit seen, flagged weak") {
    auto t = make_trace(vp("fra"), target(0, 1),
                        {{{acc("fra")}},
                         {{cu1()}},
                         {{in("LAB_CU_BACKBONE_PREFIX", 2)}},
                         {{"*", "*"}},
                         {{"*", "*"}}});
    auto v = infer(t);
    CHECK(v.path == "china-unicom");
    CHECK(v.weak);
    CHECK_FALSE(v.reached_target);
    CHECK(v.border_addr->to_string() == in("LAB_CU_BACKBONE_PREFIX", 2).to_string());
    CHECK_FALSE(v.end_rtt_ms);
}

TEST_CASE_FIXTURE(fixture, "a trace that never left the vantage point's network is none") {
    auto own =
        make_trace(vp("fra"), target(0, 1), {{{acc("fra")}}, {{"192.168.0.1"}}, {{"*"}}, {{"*"}}});
    auto v = infer(own);
    CHECK(v.path == "none");
    CHECK_FALSE(v.transit_asn);
    CHECK_FALSE(v.border_addr);
    CHECK(inference::path_identity(v) == "none");
    auto empty = make_trace(vp("fra"), target(0, 1), {{{"*", "*"}}, {{"*", "*"}}});
    CHECK(infer(empty).path == "none");
}

TEST_CASE_FIXTURE(fixture, "ECMP: two backbone routers at one hop give the same class") {
    auto t = make_trace(vp("fra"), target(3, 1),
                        {{{acc("fra")}},
                         {{cu1()}},
                         {{"*"}},
                         {{in("LAB_CU_BACKBONE_PREFIX", 3), in("LAB_CU_BACKBONE_PREFIX", 4)}},
                         {{in("LAB_CU_PREFIX", 9)}},
                         {{target(3, 1)}}});
    auto hops = inference::annotate(t, set.campaigns[0], map);
    CHECK(hops.size() == 6); // both ECMP addresses kept
    CHECK(infer(t).path == "china-unicom");
}

TEST_CASE("the test's own addresses are outside the lab's plan") {
    asmap::as_map_builder b;
    REQUIRE(asmap::sources::read_pfx2as_file(plan().pfx2as_path(), b).error_count == 0);
    const auto lab_map = b.build();
    const auto lab_campaign = plan().schedule();
    for (const char* a : {unknown_transit_addr, ixp_addr, unmapped_addr}) {
        CAPTURE(a);
        const auto addr = *ipv4_addr::parse(a);
        CHECK_FALSE(lab_map.lookup(addr).mapped());
        CHECK_FALSE(lab_campaign.campaigns[0].class_by_prefix(addr));
        CHECK_FALSE(lab_campaign.campaigns[0].target_prefix_of(addr));
    }
}
