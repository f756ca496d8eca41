// Hysteresis counts independent observations, not traces: the traces of one round (several
// methods toward the same target prefix) are one observation; a trace without a round and a
// confirmation trace count on their own (docs/api.md, "Hysteresis").
#include <doctest/doctest.h>

#include <tumen/controller/inference/path_tracker.hpp>

using namespace tumen;
using namespace tumen::controller::inference;

namespace {

constexpr std::optional<std::uint64_t> no_round = std::nullopt;

/// One trace fed to the tracker: its path, its round, whether it is a confirmation trace.
struct step {
    const char* path;
    std::optional<std::uint64_t> round;
    bool confirmation = false;
};

struct rounds_case {
    const char* name;
    std::uint32_t k;
    std::vector<step> steps;            ///< step i is trace "t<i>" at time 100 + i
    int declared_at;                    ///< the step that declares the change; -1: no change
    std::vector<std::string> trace_ids; ///< the change's traces
    const char* current_after;          ///< current path after the last step
};

std::string id_of(std::size_t i) {
    return "t" + std::to_string(i);
}

} // namespace

TEST_CASE("hysteresis: K counts distinct rounds, not traces (table)") {
    const rounds_case cases[] = {
        {"two methods in one round are one observation",
         2,
         {{"a", 1}, {"b", 2}, {"b", 2}},
         -1,
         {},
         "a"},
        {"K=2 needs two rounds; the round's second trace is in the change",
         2,
         {{"a", 1}, {"b", 2}, {"b", 2}, {"b", 3}},
         3,
         {"t1", "t2", "t3"},
         "b"},
        {"one method per round: two rounds, two traces",
         2,
         {{"a", 1}, {"b", 2}, {"b", 3}},
         2,
         {"t1", "t2"},
         "b"},
        {"a change back within one round does not confirm",
         2,
         {{"a", 1}, {"b", 2}, {"a", 2}, {"b", 3}},
         -1,
         {},
         "a"},
        {"a detour of one round, both methods, then back",
         2,
         {{"a", 1}, {"b", 2}, {"b", 2}, {"a", 3}, {"a", 3}, {"b", 4}},
         -1,
         {},
         "a"},
        {"order of the methods inside a round does not matter",
         2,
         {{"a", 1}, {"a", 1}, {"b", 2}, {"b", 2}, {"b", 3}, {"b", 3}},
         4,
         {"t2", "t3", "t4"},
         "b"},
        {"rounds arriving out of order are still distinct",
         2,
         {{"a", 1}, {"b", 3}, {"b", 2}},
         2,
         {"t1", "t2"},
         "b"},
        {"a round counted once even when it comes back later",
         3,
         {{"a", 1}, {"b", 2}, {"b", 3}, {"b", 2}, {"b", 4}},
         4,
         {"t1", "t2", "t3", "t4"},
         "b"},
        {"K=3 needs three rounds",
         3,
         {{"a", 1}, {"b", 2}, {"b", 2}, {"b", 3}, {"b", 3}, {"b", 4}},
         5,
         {"t1", "t2", "t3", "t4", "t5"},
         "b"},
        {"a third path restarts the count and forgets the rounds",
         2,
         {{"a", 1}, {"b", 2}, {"c", 2}, {"b", 3}, {"b", 3}, {"b", 4}},
         5,
         {"t3", "t4", "t5"},
         "b"},
        {"none neither counts nor breaks the candidate",
         2,
         {{"a", 1}, {"b", 2}, {"none", 3}, {"b", 3}},
         3,
         {"t1", "t3"},
         "b"},
        {"K=1: the first trace on a new path declares it",
         1,
         {{"a", 1}, {"b", 2}, {"b", 2}},
         1,
         {"t1"},
         "b"},
        {"no round (foreign data): one observation per trace",
         2,
         {{"a", no_round}, {"b", no_round}, {"b", no_round}},
         2,
         {"t1", "t2"},
         "b"},
        {"a trace without a round counts on its own next to a round",
         2,
         {{"a", 1}, {"b", 2}, {"b", no_round}},
         2,
         {"t1", "t2"},
         "b"},
        {"a confirmation trace counts inside a round already counted",
         2,
         {{"a", 1}, {"b", 2}, {"b", 2, true}},
         2,
         {"t1", "t2"},
         "b"},
        {"K=3: the alarm's trace and two confirmation traces in one round",
         3,
         {{"a", 1}, {"b", 2}, {"b", 2, true}, {"b", 2, true}},
         3,
         {"t1", "t2", "t3"},
         "b"},
        {"a plain trace after a confirmation of its round adds nothing",
         3,
         {{"a", 1}, {"b", 2, true}, {"b", 2}, {"b", 3}},
         -1,
         {},
         "a"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        path_tracker t(c.k);
        int declared = -1;
        std::optional<change_event> change;
        for (std::size_t i = 0; i < c.steps.size(); ++i) {
            const auto& s = c.steps[i];
            path_observation o{s.path,   std::nullopt, 100 + static_cast<std::int64_t>(i),
                               id_of(i), s.round,      s.confirmation};
            if (auto e = t.observe(o)) {
                CHECK(declared == -1); // one change at most per case
                declared = static_cast<int>(i);
                change = std::move(e);
            }
        }
        CHECK(declared == c.declared_at);
        CHECK(t.current() == c.current_after);
        if (change) {
            CHECK(change->trace_ids == c.trace_ids);
            CHECK(change->first_new_trace_id == c.trace_ids.front());
            CHECK(change->to == c.current_after);
            CHECK(t.snapshot().changes == 1);
            CHECK(t.snapshot().candidate.empty());
            CHECK(t.snapshot().candidate_observations == 0);
            CHECK(t.snapshot().candidate_rounds.empty());
        } else {
            CHECK(t.snapshot().changes == 0);
        }
    }
}

TEST_CASE("hysteresis: the candidate's state shows the observations and their rounds") {
    path_tracker t(3);
    auto feed = [&](const char* path, std::uint64_t round, const char* id) {
        return t.observe(path_observation{path, 20485, 0, id, round});
    };
    feed("china-unicom", 7, "c1");
    CHECK_FALSE(feed("ttk", 8, "u8"));
    CHECK_FALSE(feed("ttk", 8, "i8"));
    CHECK_FALSE(feed("ttk", 9, "u9"));
    const auto& s = t.snapshot();
    CHECK(s.candidate == "ttk");
    CHECK(s.candidate_trace_ids == std::vector<std::string>{"u8", "i8", "u9"});
    CHECK(s.candidate_observations == 2);
    CHECK(s.candidate_rounds == std::vector<std::uint64_t>{8, 9});
    CHECK(s.observations == 4);
    // A restored tracker goes on counting rounds: round 9 again adds nothing, round 10 declares.
    path_tracker restored(s);
    CHECK_FALSE(restored.observe(path_observation{"ttk", 20485, 0, "i9", 9}));
    auto e = restored.observe(path_observation{"ttk", 20485, 0, "u10", 10});
    REQUIRE(e);
    CHECK(e->trace_ids == std::vector<std::string>{"u8", "i8", "u9", "i9", "u10"});
}

TEST_CASE("trace_round: the campaign's round clock at the trace's start, if it names it") {
    campaign::campaign c;
    c.name = "nk-border";
    c.params.interval = std::chrono::minutes(5);
    result::trace t;
    t.campaign = "nk-border";
    t.timestamp = 1'506'848'700; // a round boundary: 300 * 5'022'829
    CHECK(trace_round(t, c) == 5'022'829);
    t.timestamp += 299; // same round, e.g. the second method's trace
    CHECK(trace_round(t, c) == 5'022'829);
    t.timestamp += 1;
    CHECK(trace_round(t, c) == 5'022'830);
    c.params.interval = std::chrono::milliseconds(1500); // whole seconds, as round_clock does
    CHECK(trace_round(t, c) == 1'506'849'000);
    // Foreign data names no campaign; a trace of another campaign is not on this clock.
    t.campaign.clear();
    CHECK(trace_round(t, c) == std::nullopt);
    t.campaign = "other";
    CHECK(trace_round(t, c) == std::nullopt);
}
