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

const char* lab_campaign = R"(campaigns:
  - name: lab-border
    targets:
      asn: 131279
      prefixes: [198.19.176.0/24, 198.19.177.0/24, 198.19.178.0/24, 198.19.179.0/24]
    classes:
      - name: china-unicom
        asns: [4837]
        prefixes: [198.18.64.0/20]
      - name: ttk
        asns: [20485]
    methods: [udp-paris]
)";

struct fixture {
    campaign::campaign_set set = campaign::parse_campaigns(lab_campaign, "lab");
    asmap::as_map map;
    fixture() {
        asmap::as_map_builder b;
        // The lab's address plan, plus an unknown transit and an IXP LAN for the cases the lab
        // does not build.
        auto r = asmap::sources::read_pfx2as_file(tumen::test::lab_pfx2as_path, b);
        REQUIRE(r.error_count == 0);
        b.add_prefix(*ipv4_prefix::parse("198.18.96.0/20"), {64999});
        b.add_ixp_prefix(*ipv4_prefix::parse("198.18.112.0/24"), "Lab-IX");
        map = b.build();
    }
    inference::border_verdict infer(const result::trace& t) {
        return inference::infer_border(t, set.campaigns[0], map);
    }
};

} // namespace

TEST_CASE_FIXTURE(fixture,
                  "CU path: silent cu2, backbone only in the class prefix, CU-numbered border") {
    // fra -> acc-fra -> cu1 -> cu2 (silent) -> cu3a (198.18.64/20, unannounced) ->
    // kp-br (interface numbered from CU space 198.18.48/20) -> target host.
    auto t = make_trace("198.18.1.10", "198.19.176.1",
                        {{{"198.18.1.1", "198.18.1.1"}, 0.1},
                         {{"198.18.48.1", "198.18.48.1"}, 0.3},
                         {{"*", "*"}},
                         {{"198.18.64.3", "198.18.64.3"}, 40.1},
                         {{"198.18.48.9", "198.18.48.9"}, 40.4},
                         {{"198.19.176.1", "198.19.176.1"}, 40.6}});
    auto v = infer(t);
    CHECK(v.path == "china-unicom");
    REQUIRE(v.transit_asn);
    CHECK(*v.transit_asn == 4837);
    CHECK(v.reached_target);
    CHECK_FALSE(v.weak);
    REQUIRE(v.border_addr);
    CHECK(v.border_addr->to_string() == "198.18.48.9");
    CHECK(*v.border_ttl == 5);
    CHECK(*v.border_rtt_ms == doctest::Approx(40.4));
    CHECK(*v.end_rtt_ms == doctest::Approx(40.6));
    CHECK(v.as_path == std::vector<std::uint32_t>{24940, 4837, 131279});
    CHECK(inference::path_identity(v) == "china-unicom");
}

TEST_CASE_FIXTURE(fixture, "TTK path with rate-limited ttk1 and TTK-numbered border") {
    auto t = make_trace("198.18.3.10", "198.19.177.1",
                        {{{"198.18.3.1"}, 0.1},
                         {{"*", "*"}},
                         {{"198.18.80.5"}, 70.2},
                         {{"198.18.80.9"}, 70.3},
                         {{"198.19.177.1"}, 70.5}},
                        "msk");
    auto v = infer(t);
    CHECK(v.path == "ttk");
    CHECK(*v.transit_asn == 20485);
    CHECK(v.border_addr->to_string() == "198.18.80.9");
    CHECK(v.reached_target);
}

TEST_CASE_FIXTURE(fixture, "border interface numbered from the target's own space") {
    // The Star JV side answers from its own /22 at the border: the transit is the hop before.
    auto t =
        make_trace("198.18.1.10", "198.19.178.7",
                   {{{"198.18.1.1"}}, {{"198.18.48.1"}}, {{"198.19.179.254"}}, {{"198.19.178.7"}}});
    auto v = infer(t);
    CHECK(v.path == "china-unicom");
    CHECK(v.border_addr->to_string() == "198.18.48.1");
}

TEST_CASE_FIXTURE(fixture, "unmapped and private hops between transit and target are skipped") {
    auto t = make_trace("198.18.2.10", "198.19.176.9",
                        {{{"198.18.2.1"}},
                         {{"198.18.80.1"}},
                         {{"10.0.0.1"}},     // private (MPLS core answering from RFC 1918)
                         {{"198.18.200.1"}}, // unmapped
                         {{"*"}},
                         {{"198.19.176.9"}}},
                        "tyo");
    auto v = infer(t);
    CHECK(v.path == "ttk");
    CHECK(v.border_addr->to_string() == "198.18.80.1");
    CHECK(v.reached_target);
}

TEST_CASE_FIXTURE(fixture,
                  "IXP hop before the target: transit is the hop before the IXP, IXP named") {
    auto t =
        make_trace("198.18.1.10", "198.19.176.1",
                   {{{"198.18.1.1"}}, {{"198.18.64.1"}}, {{"198.18.112.7"}}, {{"198.19.176.1"}}});
    auto v = infer(t);
    CHECK(v.path == "china-unicom");
    CHECK(v.border_addr->to_string() == "198.18.64.1");
    CHECK(v.via_ixp == "Lab-IX");
}

TEST_CASE_FIXTURE(fixture, "unknown transit is reported with its ASN, never forced into a class") {
    auto t =
        make_trace("198.18.1.10", "198.19.176.1",
                   {{{"198.18.1.1"}}, {{"198.18.48.1"}}, {{"198.18.96.1"}}, {{"198.19.176.1"}}});
    auto v = infer(t);
    CHECK(v.path == "unknown");
    REQUIRE(v.transit_asn);
    CHECK(*v.transit_asn == 64999);
    CHECK(inference::path_identity(v) == "unknown:64999");
}

TEST_CASE_FIXTURE(fixture, "trace stopping before the target: last transit seen, flagged weak") {
    auto t = make_trace(
        "198.18.1.10", "198.19.176.1",
        {{{"198.18.1.1"}}, {{"198.18.48.1"}}, {{"198.18.64.2"}}, {{"*", "*"}}, {{"*", "*"}}});
    auto v = infer(t);
    CHECK(v.path == "china-unicom");
    CHECK(v.weak);
    CHECK_FALSE(v.reached_target);
    CHECK(v.border_addr->to_string() == "198.18.64.2");
    CHECK_FALSE(v.end_rtt_ms);
}

TEST_CASE_FIXTURE(fixture, "a trace that never left the vantage point's network is none") {
    auto own = make_trace("198.18.1.10", "198.19.176.1",
                          {{{"198.18.1.1"}}, {{"192.168.0.1"}}, {{"*"}}, {{"*"}}});
    auto v = infer(own);
    CHECK(v.path == "none");
    CHECK_FALSE(v.transit_asn);
    CHECK_FALSE(v.border_addr);
    CHECK(inference::path_identity(v) == "none");
    auto empty = make_trace("198.18.1.10", "198.19.176.1", {{{"*", "*"}}, {{"*", "*"}}});
    CHECK(infer(empty).path == "none");
}

TEST_CASE_FIXTURE(fixture, "ECMP: two backbone routers at one hop give the same class") {
    auto t = make_trace("198.18.1.10", "198.19.179.1",
                        {{{"198.18.1.1"}},
                         {{"198.18.48.1"}},
                         {{"*"}},
                         {{"198.18.64.3", "198.18.64.4"}},
                         {{"198.18.48.9"}},
                         {{"198.19.179.1"}}});
    auto hops = inference::annotate(t, set.campaigns[0], map);
    CHECK(hops.size() == 6); // both ECMP addresses kept
    CHECK(infer(t).path == "china-unicom");
}
