// MOAS prefixes (pfx2as "a_b") and AS sets ("a,b") map to all their origins in the border
// inference: a hop is inside the target when any origin is the target AS, stands for the
// first origin in a class otherwise, and is the vantage point's own network when it shares an
// origin with the source (docs/api.md). Addresses: 198.18.160.0/20 (benchmark space, unused
// by the lab's plan); ASes from the documentation range (RFC 5398).
#include <string>

#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/asmap/sources/pfx2as.hpp>
#include <tumen/controller/inference/border.hpp>

#include "trace_builder.hpp"

using namespace tumen;
using namespace tumen::controller;
using tumen::test::make_trace;

namespace {

constexpr std::uint32_t target_as = 64496;
constexpr std::uint32_t cu_as = 64497;  // class "cu"
constexpr std::uint32_t ttk_as = 64498; // class "ttk"
constexpr std::uint32_t other_as = 64500;

// The test's AS map: the vantage point, a TTK hop, the target, and one /24 per case.
constexpr const char* pfx2as_text = "198.18.160.0\t24\t64499\n"        // own network
                                    "198.18.161.0\t24\t64498\n"        // ttk
                                    "198.18.175.0\t24\t64496\n"        // target
                                    "198.18.162.0\t24\t64497_64496\n"  // class + target
                                    "198.18.163.0\t24\t64496_64500\n"  // target + unknown
                                    "198.18.164.0\t24\t64500_64497\n"  // unknown + class
                                    "198.18.165.0\t24\t64500_64501\n"  // two unknowns
                                    "198.18.166.0\t24\t64500_64499\n"  // unknown + own
                                    "198.18.167.0\t24\t64499_64497\n"  // own + class
                                    "198.18.168.0\t24\t64498_64497\n"  // two classes
                                    "198.18.169.0\t24\t64497_64498\n"  // the other order
                                    "198.18.170.0\t24\t64500,64497\n"  // AS set
                                    "198.18.171.0\t24\t64497\n"        // single origin
                                    "198.18.172.0\t24\t64501_64499\n"; // MOAS source prefix

struct fixture {
    campaign::campaign c;
    asmap::as_map map;
    fixture() {
        c.name = "moas";
        c.targets.asn = target_as;
        c.targets.prefixes = {*ipv4_prefix::parse("198.18.175.0/24")};
        c.classes = {campaign::path_class{"cu", {cu_as}, {}},
                     campaign::path_class{"ttk", {ttk_as}, {}}};
        asmap::as_map_builder b;
        auto r = asmap::sources::read_pfx2as_text(pfx2as_text, "moas-test", b);
        REQUIRE(r.error_count == 0);
        map = b.build();
    }
};

} // namespace

TEST_CASE_FIXTURE(fixture, "a hop in a MOAS prefix stands for all its origins") {
    // Trace: own network -> a TTK hop -> the hop under test -> the target.
    struct row {
        const char* what;
        const char* hop;       // the hop under test
        const char* path;      // class name, "" for an unknown transit
        std::uint32_t transit; // AS of the transit
        const char* border;    // the border hop
        bool hop_is_target;    // the hop is inside the target
    };
    const row rows[] = {
        {"class + target origins: inside the target", "198.18.162.1", "ttk", ttk_as, "198.18.161.1",
         true},
        {"target + unknown origins: inside the target", "198.18.163.1", "ttk", ttk_as,
         "198.18.161.1", true},
        {"unknown + class origins: the class", "198.18.164.1", "cu", cu_as, "198.18.164.1", false},
        {"two unknown origins: the first", "198.18.165.1", "", other_as, "198.18.165.1", false},
        {"unknown + own origins: own network, no evidence", "198.18.166.1", "ttk", ttk_as,
         "198.18.161.1", false},
        {"own + class origins: the class", "198.18.167.1", "cu", cu_as, "198.18.167.1", false},
        {"two class origins: the first in the file's order", "198.18.168.1", "ttk", ttk_as,
         "198.18.168.1", false},
        {"two class origins, other order", "198.18.169.1", "cu", cu_as, "198.18.169.1", false},
        {"AS set with a class AS: the class", "198.18.170.1", "cu", cu_as, "198.18.170.1", false},
        {"single origin in a class", "198.18.171.1", "cu", cu_as, "198.18.171.1", false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.what);
        const auto t = make_trace("198.18.160.10", "198.18.175.1",
                                  {{{"198.18.160.1"}, 0.1},
                                   {{"198.18.161.1"}, 30.0},
                                   {{r.hop}, 40.0},
                                   {{"198.18.175.1"}, 41.0}});
        const auto hops = inference::annotate(t, c, map);
        REQUIRE(hops.size() == 4);
        CHECK(hops[2].target == r.hop_is_target);
        const auto v = inference::infer_border(t, c, map);
        CHECK(v.reached_target);
        REQUIRE(v.transit_asn);
        CHECK(*v.transit_asn == r.transit);
        REQUIRE(v.border_addr);
        CHECK(v.border_addr->to_string() == r.border);
        if (*r.path != '\0') {
            CHECK(v.path == r.path);
        } else {
            // An unknown transit (no class), whatever its path name.
            CHECK(v.path != "cu");
            CHECK(v.path != "ttk");
            CHECK(v.path != inference::path_none);
        }
    }
}

TEST_CASE_FIXTURE(fixture, "the vantage point's own network: every origin of its source") {
    // The source is in a MOAS prefix (64501_64499): hops in either origin's space are its own
    // network, not a transit; a trace that never leaves it has no path.
    struct row {
        const char* what;
        const char* hop;
        bool own_network;
    };
    const row rows[] = {
        {"first origin of the source", "198.18.165.1", true}, // 64500_64501: shares 64501
        {"second origin of the source", "198.18.160.1", true},
        {"a class AS that is not the source's", "198.18.167.1", false}, // own + class: cu
        {"an unrelated AS", "198.18.161.1", false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.what);
        const auto t = make_trace("198.18.172.10", "198.18.175.1", {{{r.hop}, 1.0}});
        const auto hops = inference::annotate(t, c, map);
        REQUIRE(hops.size() == 1);
        CHECK(hops[0].own_network == r.own_network);
        CHECK(hops[0].evidence == !r.own_network);
        const auto v = inference::infer_border(t, c, map);
        CHECK_FALSE(v.reached_target);
        CHECK((v.path == inference::path_none) == r.own_network);
    }
}
