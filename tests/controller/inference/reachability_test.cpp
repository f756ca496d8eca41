// Weak traces and reachability (docs/api.md, "Weak traces and reachability"), through the
// classifier on the lab's plan: a trace that did not reach the target starts or confirms a
// change only when it ends at a known border interface; one through the current transit keeps
// the current path alive; a run of K that show neither marks the target unreachable, never a
// change. Each case also round-trips the tracker state through its stored form.
#include <algorithm>

#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/asmap/sources/pfx2as.hpp>
#include <tumen/controller/inference/classifier.hpp>
#include <tumen/controller/inference/tracker_snapshot.hpp>

#include "lab_plan.hpp"
#include "trace_builder.hpp"

using namespace tumen;
using namespace tumen::controller;
using namespace tumen::controller::inference;

namespace {

const test::lab_plan& plan() {
    return test::lab();
}
std::string in(const char* key, std::uint64_t n) {
    return plan().addr_in(key, n).to_string();
}

// A transit outside the lab's plan standing for Tata (AS6453), as border_test does.
const char* tata_prefix = "198.18.96.0/20";
const char* tata_addr = "198.18.96.1";

/// The traces of the table, from fra's address to the first target.
enum class kind {
    cu_reach,      ///< through China Unicom to the target (border: kp-br's CU-side address)
    cu_stop,       ///< dies inside China Unicom's backbone
    cu_x,          ///< kp-br's CU-side address answers `!X` (admin prohibited) for the target
    cu_n,          ///< kp-br's CU-side address answers `!N` (net unreachable)
    cu_at_border,  ///< dies right after kp-br's CU-side address (time exceeded, then silence)
    ttk_reach,     ///< through TTK to the target (border: kp-br's TTK-side address)
    ttk_stop,      ///< dies inside TTK before kp-br
    ttk_at_border, ///< dies right after kp-br's TTK-side address
    tata_stop,     ///< dies after a Tata hop
    own_network,   ///< never leaves the vantage point's network
};

result::trace make(kind k, const std::string& agent, std::int64_t time) {
    const auto src = plan().vp_addr("fra");
    const auto dst = plan().target_addr(0, 1);
    const auto acc = plan().acc_addr("fra");
    const std::string cu1 = plan().addr("LAB_CU1_ADDR_fra").to_string();
    const std::string cu3 = in("LAB_CU_BACKBONE_PREFIX", 6);
    const std::string kp_cu = in("LAB_KPBR_CU_LINKS_PREFIX", 2);
    const std::string ttk1 = in("LAB_TTK_PREFIX", 1);
    const std::string ttk2 = in("LAB_TTK_PREFIX", 258);
    const std::string kp_ttk = in("LAB_TTK_PREFIX", 514);
    const std::string id = agent + "-" + std::to_string(time);
    result::trace t;
    switch (k) {
    case kind::cu_reach:
        t = test::make_trace(src, dst, {{{acc}}, {{cu1}}, {{cu3}}, {{kp_cu}}, {{dst}}}, agent, time,
                             id);
        break;
    case kind::cu_stop:
        t = test::make_trace(src, dst, {{{acc}}, {{cu1}}, {{cu3}}, {{"*"}}, {{"*"}}}, agent, time,
                             id);
        break;
    case kind::cu_x:
    case kind::cu_n:
        t = test::make_trace(src, dst, {{{acc}}, {{cu1}}, {{cu3}}, {{kp_cu}}, {{"*"}}}, agent, time,
                             id);
        t.hops[3].replies[0].icmp_type = 3;
        t.hops[3].replies[0].icmp_code = k == kind::cu_x ? 13 : 0;
        break;
    case kind::cu_at_border:
        t = test::make_trace(src, dst, {{{acc}}, {{cu1}}, {{cu3}}, {{kp_cu}}, {{"*"}}}, agent, time,
                             id);
        break;
    case kind::ttk_reach:
        t = test::make_trace(src, dst, {{{acc}}, {{ttk1}}, {{ttk2}}, {{kp_ttk}}, {{dst}}}, agent,
                             time, id);
        break;
    case kind::ttk_stop:
        t = test::make_trace(src, dst, {{{acc}}, {{ttk1}}, {{ttk2}}, {{"*"}}, {{"*"}}}, agent, time,
                             id);
        break;
    case kind::ttk_at_border:
        t = test::make_trace(src, dst, {{{acc}}, {{ttk1}}, {{ttk2}}, {{kp_ttk}}, {{"*"}}}, agent,
                             time, id);
        break;
    case kind::tata_stop:
        t = test::make_trace(src, dst, {{{acc}}, {{tata_addr}}, {{"*"}}, {{"*"}}}, agent, time, id);
        break;
    case kind::own_network:
        t = test::make_trace(src, dst, {{{acc}}, {{"*"}}, {{"*"}}}, agent, time, id);
        break;
    }
    t.campaign = "lab-border"; // on the campaign's round clock (interval 10 s)
    return t;
}

struct step {
    kind k;
    std::int64_t time; ///< trace time: 10 s apart = distinct rounds
    const char* agent = "fra";
};

struct reach_case {
    const char* name;
    std::uint32_t k;
    std::vector<step> steps;
    const char* reach;                ///< per step, fra's reachability after it: R or U
    std::vector<std::string> changes; ///< "from->to" of every change declared
    const char* current;              ///< fra's current path at the end
};

} // namespace

TEST_CASE("weak traces and reachability (table)") {
    asmap::as_map_builder b;
    REQUIRE(asmap::sources::read_pfx2as_file(plan().pfx2as_path(), b).error_count == 0);
    b.add_prefix(*ipv4_prefix::parse(tata_prefix), {6453});
    const auto map = b.build();
    const campaign::campaign_set set = plan().schedule();
    REQUIRE(set.campaigns[0].params.interval == std::chrono::seconds(10)); // memory 240 s

    using enum kind;
    const reach_case cases[] = {
        {"traces that reach the target: reachable, a change after K rounds",
         2,
         {{cu_reach, 1000}, {ttk_reach, 1010}, {ttk_reach, 1020}},
         "RRR",
         {"china-unicom->ttk"},
         "ttk"},
        {"the issue's scenario: 3 via China Unicom, 3 dying after Tata, China Unicom again",
         3,
         {{cu_reach, 1000},
          {cu_reach, 1010},
          {cu_reach, 1020},
          {tata_stop, 1030},
          {tata_stop, 1040},
          {tata_stop, 1050},
          {cu_reach, 1060},
          {cu_reach, 1070},
          {cu_reach, 1080}},
         "RRRRRURRR",
         {},
         "china-unicom"},
        {"weak through the current transit keeps the path alive, never unreachable",
         2,
         {{cu_reach, 1000}, {cu_stop, 1010}, {cu_stop, 1020}, {cu_stop, 1030}, {cu_stop, 1040}},
         "RRRRR",
         {},
         "china-unicom"},
        {"weak through another transit: no change, unreachable",
         2,
         {{cu_reach, 1000}, {ttk_stop, 1010}, {ttk_stop, 1020}, {ttk_stop, 1030}},
         "RRUU",
         {},
         "china-unicom"},
        {"weak through the current transit neither counts for nor breaks a candidate",
         2,
         {{cu_reach, 1000}, {ttk_reach, 1010}, {cu_stop, 1020}, {ttk_reach, 1030}},
         "RRRR",
         {"china-unicom->ttk"},
         "ttk"},
        {"weak ending at a known border interface (taught by another agent) counts",
         2,
         {{ttk_reach, 990, "tyo"}, {cu_reach, 1000}, {ttk_at_border, 1010}, {ttk_at_border, 1020}},
         "-RRR",
         {"china-unicom->ttk"},
         "ttk"},
        {"the same without a trace that reached the target through it: no change",
         2,
         {{cu_reach, 1000}, {ttk_at_border, 1010}, {ttk_at_border, 1020}},
         "RRU",
         {},
         "china-unicom"},
        {"a known border interface expires 24 intervals after it was last seen",
         2,
         {{ttk_reach, 700, "tyo"}, {cu_reach, 1000}, {ttk_at_border, 1010}, {ttk_at_border, 1020}},
         "-RRU",
         {},
         "china-unicom"},
        {"`!X` from the target's border counts and teaches the border",
         2,
         {{ttk_reach, 1000}, {cu_x, 1010}, {cu_x, 1020}, {cu_at_border, 1030}},
         "RRRR",
         {"ttk->china-unicom"},
         "china-unicom"},
        {"`!X` taught the border: traces dying right after it count too",
         2,
         {{ttk_reach, 1000}, {cu_x, 1010, "tyo"}, {cu_at_border, 1020}, {cu_at_border, 1030}},
         "R-RR",
         {"ttk->china-unicom"},
         "china-unicom"},
        {"`!N` (net unreachable) is an outage signal, not border evidence",
         2,
         {{ttk_reach, 1000}, {cu_n, 1010}, {cu_n, 1020}},
         "RRU",
         {},
         "ttk"},
        {"unreachable and back: a trace that reached the target",
         2,
         {{cu_reach, 1000}, {tata_stop, 1010}, {own_network, 1020}, {cu_reach, 1030}},
         "RRUR",
         {},
         "china-unicom"},
        {"unreachable and back: a trace that ended at a known border interface",
         2,
         {{cu_reach, 1000}, {tata_stop, 1010}, {tata_stop, 1020}, {cu_at_border, 1030}},
         "RRUR",
         {},
         "china-unicom"},
        {"two traces of one round are one weak observation",
         2,
         {{cu_reach, 1000}, {tata_stop, 1010}, {tata_stop, 1011}, {tata_stop, 1020}},
         "RRRU",
         {},
         "china-unicom"},
        {"a weak first trace sets no path; unreachable before any path",
         2,
         {{tata_stop, 1000}, {tata_stop, 1010}, {cu_reach, 1020}},
         "RUR",
         {},
         "china-unicom"},
    };
    for (const auto& c : cases) {
        const std::string name = c.name;
        CAPTURE(name);
        REQUIRE(std::string_view(c.reach).size() == c.steps.size());
        classifier cls(set, map, c.k);
        std::vector<std::string> changes;
        const track_key fra{"fra", *set.campaigns[0].target_prefix_of(plan().target_addr(0, 1))};
        for (std::size_t i = 0; i < c.steps.size(); ++i) {
            const auto& s = c.steps[i];
            CAPTURE(i);
            auto out = cls.process(make(s.k, s.agent, s.time));
            REQUIRE(out.verdict);
            if (out.change) {
                changes.push_back(out.change->event.from + "->" + out.change->event.to);
            }
            if (c.reach[i] != '-') {
                CHECK(out.verdict->reachable == (c.reach[i] == 'R'));
                CHECK(cls.trackers().at(fra).reachable() == (c.reach[i] == 'R'));
                CHECK_FALSE(out.verdict->reachability_reason.empty());
            }
        }
        CHECK(changes == c.changes);
        const auto& snap = cls.trackers().at(fra).snapshot();
        CHECK(snap.current == c.current);
        // The state round-trips through its stored form, known border interfaces included, and
        // a classifier restored from it knows the same borders.
        auto back = snapshot_from_json(snapshot_to_json(snap));
        REQUIRE(back);
        CHECK(*back == snap);
        classifier restored(set, map, c.k);
        for (const auto& [key, tracker] : cls.trackers()) {
            restored.restore(key, *snapshot_from_json(snapshot_to_json(tracker.snapshot())));
        }
        // The same borders known at the last trace's time (in any order).
        const auto last_time = c.steps.back().time;
        auto by_addr = [last_time](std::vector<known_border> v) {
            std::erase_if(v, [&](const auto& e) { return e.expires < last_time; });
            std::sort(v.begin(), v.end(),
                      [](const auto& x, const auto& y) { return x.addr.value < y.addr.value; });
            return v;
        };
        CHECK(by_addr(restored.known_borders(fra.target)) ==
              by_addr(cls.known_borders(fra.target)));
    }
}

TEST_CASE("weak traces: the verdict says how it was weighed; the current path stays alive") {
    asmap::as_map_builder b;
    REQUIRE(asmap::sources::read_pfx2as_file(plan().pfx2as_path(), b).error_count == 0);
    const auto map = b.build();
    const campaign::campaign_set set = plan().schedule();
    classifier cls(set, map, 2);
    const track_key fra{"fra", *set.campaigns[0].target_prefix_of(plan().target_addr(0, 1))};

    auto v = cls.process(make(kind::cu_reach, "fra", 1000)).verdict;
    REQUIRE(v);
    CHECK_FALSE(v->verdict.weak);
    CHECK_FALSE(v->verdict.known_border);
    REQUIRE(cls.known_borders(fra.target).size() == 1);
    const auto& kb = cls.known_borders(fra.target)[0];
    CHECK(kb.addr.to_string() == in("LAB_KPBR_CU_LINKS_PREFIX", 2));
    CHECK(kb.path == "china-unicom");
    CHECK(kb.expires == 1000 + 240);
    CHECK_FALSE(kb.prohibited);

    v = cls.process(make(kind::cu_stop, "fra", 1010)).verdict;
    REQUIRE(v);
    CHECK(v->verdict.weak);
    CHECK_FALSE(v->verdict.known_border);
    CHECK(v->verdict.transits == std::vector<std::string>{"china-unicom"});
    CHECK(cls.trackers().at(fra).snapshot().last_current_time == 1010);
    CHECK(cls.trackers().at(fra).snapshot().last_current_trace_id == "fra-1010");

    v = cls.process(make(kind::cu_x, "fra", 1020)).verdict;
    REQUIRE(v);
    CHECK(v->verdict.weak);
    CHECK(v->verdict.known_border);
    CHECK(v->verdict.prohibited);
    CHECK(cls.known_borders(fra.target)[0].prohibited);
    CHECK(v->reachability_reason == "the last trace stopped at a known border interface");

    // The TTK trace dies in TTK: not the current transit, it does not refresh the path.
    v = cls.process(make(kind::ttk_stop, "fra", 1030)).verdict;
    REQUIRE(v);
    CHECK(v->verdict.path == "ttk");
    CHECK(cls.trackers().at(fra).snapshot().last_current_time == 1020);
    CHECK(cls.trackers().at(fra).snapshot().candidate.empty());
}
