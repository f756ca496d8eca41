// Every transit is named: a transit in no class is the path "AS<number>" (with its name from
// an AS-names file), and per (agent, target prefix) at most max_paths paths get their own name
// (later new ones are "other"). On the lab's address plan, plus a few transit ASes the lab
// does not build (outside the plan: checked below).
#include <set>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/asmap/sources/as_names.hpp>
#include <tumen/controller/asmap/sources/pfx2as.hpp>
#include <tumen/controller/inference/classifier.hpp>
#include <tumen/controller/inference/tracker_snapshot.hpp>

#include "lab_plan.hpp"
#include "trace_builder.hpp"

using namespace tumen;
using namespace tumen::controller;
using namespace tumen::controller::inference;
using tumen::test::make_trace;

namespace {

const test::lab_plan& plan() {
    return test::lab();
}

// Transit ASes outside the lab's plan: extra_transit(i) is the first address of
// 198.18.(96 + i).0/24, originated by AS(64600 + i); i < extra_transits.
constexpr std::uint32_t extra_transits = 12;
ipv4_prefix extra_prefix(std::uint32_t i) {
    return *ipv4_prefix::parse("198.18." + std::to_string(96 + i) + ".0/24");
}
ipv4_addr extra_transit(std::uint32_t i) {
    return ipv4_addr{extra_prefix(i).network.value + 1};
}
std::uint32_t extra_asn(std::uint32_t i) {
    return 64600 + i;
}

/// The lab's AS map plus the extra transits, and names for some of them (and for CU).
asmap::as_map lab_map_with_extra_transits() {
    asmap::as_map_builder b;
    REQUIRE(asmap::sources::read_pfx2as_file(plan().pfx2as_path(), b).error_count == 0);
    for (std::uint32_t i = 0; i < extra_transits; ++i) {
        b.add_prefix(extra_prefix(i), {extra_asn(i)});
    }
    const std::string names = "asn,name,country,registry\n"
                              "AS64600,Example Transit Zero,ZZ,ripe\n"
                              R"(AS64601,"Example Transit One, Ltd.",ZZ,arin)"
                              "\n"
                              "AS" +
                              std::to_string(plan().asn("LAB_CU_AS")) +
                              ",Lab China Unicom,ZZ,apnic\n";
    REQUIRE(asmap::sources::read_as_names_text(names, "lab-names.csv", b).error_count == 0);
    return b.build();
}

/// Where a trace from fra toward target /24 `target` crosses the border.
enum class via { cu, ttk, extra, nowhere };

/// A trace at `time` from `agent` (fra's addresses) toward the `target`-th target /24,
/// crossing at `how` (extra transit `i` for via::extra).
result::trace trace_via(via how, std::int64_t time, std::uint32_t i = 0,
                        const std::string& agent = "fra", std::size_t target = 0) {
    const auto vp = plan().vp_addr("fra");
    const auto acc = plan().acc_addr("fra");
    const auto dst = plan().target_addr(target, 1);
    const auto id = agent + "-" + std::to_string(target) + "-" + std::to_string(time);
    switch (how) {
    case via::cu:
        return make_trace(vp, dst,
                          {{{acc}}, {{plan().addr_in("LAB_CU_BACKBONE_PREFIX", 1)}}, {{dst}, 40}},
                          agent, time, id);
    case via::ttk:
        return make_trace(vp, dst, {{{acc}}, {{plan().addr_in("LAB_TTK_PREFIX", 1)}}, {{dst}, 70}},
                          agent, time, id);
    case via::extra:
        return make_trace(vp, dst, {{{acc}}, {{extra_transit(i)}}, {{dst}, 90}}, agent, time, id);
    case via::nowhere:
        break;
    }
    return make_trace(vp, dst, {{{acc}}, {{"*"}}, {{"*"}}}, agent, time, id);
}

struct fixture {
    campaign::campaign_set set = plan().schedule();
    asmap::as_map map = lab_map_with_extra_transits();
};

} // namespace

TEST_CASE("the extra transits are outside the lab's plan") {
    asmap::as_map_builder b;
    REQUIRE(asmap::sources::read_pfx2as_file(plan().pfx2as_path(), b).error_count == 0);
    const auto lab_map = b.build();
    const auto lab = plan().schedule();
    for (std::uint32_t i = 0; i < extra_transits; ++i) {
        CAPTURE(i);
        CHECK_FALSE(lab_map.lookup(extra_transit(i)).mapped());
        CHECK_FALSE(lab.campaigns[0].class_by_prefix(extra_transit(i)));
        CHECK_FALSE(lab.campaigns[0].class_by_asn(extra_asn(i)));
        CHECK_FALSE(lab.campaigns[0].target_prefix_of(extra_transit(i)));
    }
}

TEST_CASE("path names: AS<number>, the legacy unknown:<asn>, what is an AS path name") {
    CHECK(as_path_name(64500) == "AS64500");
    CHECK(as_path_name(4200000000u) == "AS4200000000");
    struct name_case {
        const char* name;
        bool as_path;
        const char* public_name; ///< path_name()
    };
    for (const auto& c : {
             name_case{"AS64500", true, "AS64500"},
             name_case{"china-unicom", false, "china-unicom"},
             name_case{"none", false, "none"},
             name_case{"other", false, "other"},
             name_case{"AS", false, "AS"},
             name_case{"as64500", false, "as64500"},
             name_case{"AS64500x", false, "AS64500x"},
             name_case{"unknown:64500", false, "AS64500"},
             name_case{"unknown:?", false, "unknown:?"},
             name_case{"unknown", false, "unknown"},
             name_case{"", false, ""},
         }) {
        CAPTURE(c.name);
        CHECK(is_as_path_name(c.name) == c.as_path);
        CHECK(path_name(c.name) == c.public_name);
    }
}

TEST_CASE("cap_path: first seen, first named; classes, none and named paths keep their name") {
    struct cap_case {
        const char* what;
        std::uint32_t max_paths;
        std::vector<std::string> seen;     ///< paths in the order observed
        std::vector<std::string> reported; ///< what each is reported as
        std::vector<std::string> named;    ///< the named list afterwards
    };
    for (const auto& c : std::vector<cap_case>{
             {"under the cap every path is named",
              8,
              {"china-unicom", "AS64600", "ttk", "AS64601", "AS64600"},
              {"china-unicom", "AS64600", "ttk", "AS64601", "AS64600"},
              {"china-unicom", "AS64600", "ttk", "AS64601"}},
             {"beyond the cap new AS paths are other; named ones keep their name",
              2,
              {"AS64600", "AS64601", "AS64602", "AS64600", "AS64603", "AS64601"},
              {"AS64600", "AS64601", "other", "AS64600", "other", "AS64601"},
              {"AS64600", "AS64601"}},
             {"classes count but are never other",
              2,
              {"china-unicom", "AS64600", "ttk", "AS64601"},
              {"china-unicom", "AS64600", "ttk", "other"},
              {"china-unicom", "AS64600", "ttk"}},
             {"none, other and empty pass and are not counted",
              1,
              {"none", "", "other", "AS64600", "none", "AS64601"},
              {"none", "", "other", "AS64600", "none", "other"},
              {"AS64600"}},
         }) {
        CAPTURE(c.what);
        std::vector<std::string> named;
        std::vector<std::string> reported;
        for (const auto& p : c.seen) {
            reported.push_back(cap_path(named, p, c.max_paths));
        }
        CHECK(reported == c.reported);
        CHECK(named == c.named);
    }
}

TEST_CASE_FIXTURE(fixture, "every transit is named: class, AS<number> with its name, none") {
    struct naming_case {
        via how;
        std::uint32_t extra;
        const char* path;
        std::optional<std::uint32_t> asn;
        const char* name;
    };
    const auto cu = plan().asn("LAB_CU_AS");
    const auto ttk = plan().asn("LAB_TTK_AS");
    for (const auto& c : {
             naming_case{via::cu, 0, "china-unicom", cu, "Lab China Unicom"},
             naming_case{via::ttk, 0, "ttk", ttk, ""},
             naming_case{via::extra, 0, "AS64600", 64600, "Example Transit Zero"},
             naming_case{via::extra, 1, "AS64601", 64601, "Example Transit One, Ltd."},
             naming_case{via::extra, 2, "AS64602", 64602, ""},
             naming_case{via::nowhere, 0, "none", std::nullopt, ""},
         }) {
        CAPTURE(c.path);
        classifier cls(set, map);
        auto out = cls.process(trace_via(c.how, 1000, c.extra));
        REQUIRE(out.verdict);
        const auto& v = out.verdict->verdict;
        CHECK(v.path == c.path);
        CHECK(path_identity(v) == c.path);
        CHECK(v.transit_asn == c.asn);
        CHECK(v.transit_name == c.name);
        CHECK(cls.latency().series().count(latency_key{"fra", plan().target_24(0), c.path}) == 1);
    }
}

TEST_CASE_FIXTURE(fixture, "a change to a transit in no class names its AS, never unknown") {
    classifier cls(set, map, 2);
    cls.process(trace_via(via::cu, 10));
    cls.process(trace_via(via::extra, 20, 1));
    auto out = cls.process(trace_via(via::extra, 30, 1));
    REQUIRE(out.change);
    CHECK(out.change->event.from == "china-unicom");
    CHECK(out.change->event.to == "AS64601");
    CHECK(out.change->from_transit_name == "Lab China Unicom");
    CHECK(out.change->to_transit_name == "Example Transit One, Ltd.");
    CHECK(cls.trackers().at(track_key{"fra", plan().target_24(0)}).current() == "AS64601");
}

TEST_CASE_FIXTURE(fixture, "the cap: per agent x target prefix, beyond it new transits are other") {
    classifier cls(set, map, 1, 3);
    struct step {
        via how;
        std::uint32_t extra;
        const char* reported;
    };
    std::int64_t time = 0;
    auto run = [&](const std::string& agent, std::size_t target, std::vector<step> steps) {
        for (const auto& s : steps) {
            CAPTURE(agent);
            CAPTURE(s.reported);
            auto out = cls.process(trace_via(s.how, time += 10, s.extra, agent, target));
            REQUIRE(out.verdict);
            CHECK(out.verdict->verdict.path == s.reported);
            // The AS stays known to the API and the verdict, only the name is capped.
            if (s.how == via::extra) {
                CHECK(out.verdict->verdict.transit_asn == extra_asn(s.extra));
            }
        }
    };
    run("fra", 0,
        {{via::cu, 0, "china-unicom"},
         {via::extra, 0, "AS64600"},
         {via::extra, 1, "AS64601"},
         {via::extra, 2, "other"},   // a fourth path: beyond the cap of 3
         {via::extra, 3, "other"},   // every later new one too
         {via::ttk, 0, "ttk"},       // a class keeps its name
         {via::extra, 0, "AS64600"}, // named before: keeps its name
         {via::nowhere, 0, "none"}});
    // Another target prefix and another agent have their own budget.
    run("fra", 1, {{via::extra, 4, "AS64604"}, {via::extra, 5, "AS64605"}});
    run("tyo", 0, {{via::extra, 6, "AS64606"}, {via::extra, 7, "AS64607"}});
    const auto& tracker = cls.trackers().at(track_key{"fra", plan().target_24(0)});
    CHECK(tracker.snapshot().named_paths ==
          std::vector<std::string>{"china-unicom", "AS64600", "AS64601", "ttk"});
    // Latency series exist only under the names reported: at most the cap, none and other.
    std::set<std::string> series;
    for (const auto& [key, stats] : cls.latency().series()) {
        if (key.agent == "fra" && key.target == plan().target_24(0)) {
            series.insert(key.path);
        }
    }
    CHECK(series ==
          std::set<std::string>{"china-unicom", "AS64600", "AS64601", "other", "ttk", "none"});
}

TEST_CASE_FIXTURE(fixture, "a change into other is a change; other to other is none") {
    classifier cls(set, map, 1, 1);
    cls.process(trace_via(via::extra, 10, 0));
    auto into = cls.process(trace_via(via::extra, 20, 1));
    REQUIRE(into.change);
    CHECK(into.change->event.from == "AS64600");
    CHECK(into.change->event.to == "other");
    CHECK(*into.change->event.to_asn == 64601);
    auto within = cls.process(trace_via(via::extra, 30, 2));
    CHECK_FALSE(within.change);
    CHECK(within.verdict->verdict.path == "other");
}

TEST_CASE_FIXTURE(fixture, "the named paths survive a snapshot; a legacy snapshot is upgraded") {
    classifier before(set, map, 1, 2);
    before.process(trace_via(via::extra, 10, 0));
    before.process(trace_via(via::extra, 20, 1));
    const track_key key{"fra", plan().target_24(0)};
    auto restored = snapshot_from_json(snapshot_to_json(before.trackers().at(key).snapshot()));
    REQUIRE(restored);
    CHECK(restored->named_paths == std::vector<std::string>{"AS64600", "AS64601"});
    classifier after(set, map, 1, 2);
    after.restore(key, *restored);
    CHECK(after.process(trace_via(via::extra, 30, 2)).verdict->verdict.path == "other");
    CHECK(after.process(trace_via(via::extra, 40, 0)).verdict->verdict.path == "AS64600");

    // Stored before transits were named: "unknown:<asn>", no named_paths.
    path_tracker_snapshot legacy;
    legacy.current = "unknown:64600";
    legacy.current_asn = 64600;
    legacy.candidate = "china-unicom";
    auto j = nlohmann::json::parse(snapshot_to_json(legacy));
    j.erase("named_paths");
    auto upgraded = snapshot_from_json(j.dump());
    REQUIRE(upgraded);
    CHECK(upgraded->current == "AS64600");
    CHECK(upgraded->candidate == "china-unicom");
    CHECK(upgraded->named_paths == std::vector<std::string>{"AS64600", "china-unicom"});
    classifier resumed(set, map, 1, 8);
    resumed.restore(key, *upgraded);
    // The same transit as before the upgrade: no change.
    CHECK_FALSE(resumed.process(trace_via(via::extra, 50, 0)).change);
}
