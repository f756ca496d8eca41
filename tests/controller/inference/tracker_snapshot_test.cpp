// The tracker snapshot codec: snapshot -> JSON text -> snapshot is the identity, and damaged
// text is refused rather than half-restored.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/inference/tracker_snapshot.hpp>

using namespace tumen::controller::inference;

namespace {

path_tracker_snapshot busy_snapshot() {
    path_tracker_snapshot s;
    s.k = 3;
    s.current = "asn:4837";
    s.current_asn = 4837;
    s.current_since = 1000;
    s.last_current_time = 1040;
    s.last_current_trace_id = "c4";
    s.candidate = "asn:20485";
    s.candidate_asn = 20485;
    s.candidate_trace_ids = {"c5", "c6", "c7"};
    s.candidate_first_time = 1050;
    s.candidate_observations = 2; // c5 and c6 of round 105 are one observation, c7 of 106
    s.candidate_rounds = {105, 106};
    s.observations = 6;
    s.changes = 1;
    s.named_paths = {"asn:4837", "asn:20485"};
    return s;
}

} // namespace

TEST_CASE("tracker snapshot: round trip") {
    for (const auto& s : {path_tracker_snapshot{}, busy_snapshot()}) {
        const auto text = snapshot_to_json(s);
        auto back = snapshot_from_json(text);
        REQUIRE(back);
        CHECK(*back == s);
        CHECK(snapshot_to_json(*back) == text);
    }
}

TEST_CASE("tracker snapshot: absent ASNs are null") {
    auto j = nlohmann::json::parse(snapshot_to_json(path_tracker_snapshot{}));
    CHECK(j["current_asn"].is_null());
    CHECK(j["candidate_asn"].is_null());
    CHECK(j["k"] == 2);
    CHECK(j["named_paths"] == nlohmann::json::array());
    CHECK(j["candidate_rounds"] == nlohmann::json::array());
    CHECK(j["candidate_observations"] == 0);
    CHECK(j.size() == 22);
}

/// The text the previous version stored (one observation per trace, no rounds).
constexpr const char* old_form =
    R"({"k":3,"current":"china-unicom","current_asn":4837,"current_since":1000,)"
    R"("last_current_time":1040,"last_current_trace_id":"c4","candidate":"ttk",)"
    R"("candidate_asn":20485,"candidate_trace_ids":["c5","c6"],"candidate_first_time":1050,)"
    R"("observations":6,"changes":1})";

TEST_CASE("tracker snapshot: the previous version's form still loads") {
    auto s = snapshot_from_json(old_form);
    REQUIRE(s);
    CHECK(s->k == 3);
    CHECK(s->current == "china-unicom");
    CHECK(s->current_asn == 4837u);
    CHECK(s->candidate == "ttk");
    CHECK(s->candidate_trace_ids == std::vector<std::string>{"c5", "c6"});
    CHECK(s->observations == 6);
    CHECK(s->changes == 1);
    // Its candidate counted one observation per trace and remembers no round.
    CHECK(s->candidate_observations == 2);
    CHECK(s->candidate_rounds.empty());
    // Written back in the new form; K=3 is met by the next round.
    auto j = nlohmann::json::parse(snapshot_to_json(*s));
    CHECK(j["candidate_observations"] == 2);
    CHECK(j.size() == 22);
    path_tracker t(*s);
    auto e = t.observe(path_observation{"ttk", 20485, 1060, "c7", 106});
    REQUIRE(e);
    CHECK(e->trace_ids == std::vector<std::string>{"c5", "c6", "c7"});
    // An old snapshot without a candidate.
    auto idle = nlohmann::json::parse(old_form);
    idle["candidate"] = "";
    idle["candidate_asn"] = nullptr;
    idle["candidate_trace_ids"] = nlohmann::json::array();
    idle["candidate_first_time"] = 0;
    auto quiet = snapshot_from_json(idle.dump());
    REQUIRE(quiet);
    CHECK(quiet->candidate_observations == 0);
    CHECK(quiet->candidate_rounds.empty());
}

TEST_CASE("tracker snapshot: damaged text is refused") {
    CHECK_FALSE(snapshot_from_json(""));
    CHECK_FALSE(snapshot_from_json("not json"));
    CHECK_FALSE(snapshot_from_json("[1,2]"));
    auto j = nlohmann::json::parse(snapshot_to_json(busy_snapshot()));
    auto missing = j;
    missing.erase("observations");
    CHECK_FALSE(snapshot_from_json(missing.dump()));
    auto wrong = j;
    wrong["current"] = 5;
    CHECK_FALSE(snapshot_from_json(wrong.dump()));
    auto negative_k = j;
    negative_k["k"] = "three";
    CHECK_FALSE(snapshot_from_json(negative_k.dump()));
    // The new fields may be absent (previous form) but not wrong.
    auto bad_rounds = j;
    bad_rounds["candidate_rounds"] = "105";
    CHECK_FALSE(snapshot_from_json(bad_rounds.dump()));
    auto bad_count = j;
    bad_count["candidate_observations"] = "2";
    CHECK_FALSE(snapshot_from_json(bad_count.dump()));
}

TEST_CASE("tracker snapshot: reachability and known border interfaces") {
    auto s = busy_snapshot();
    s.reachable = false;
    s.reachability_reason = "2 observations in a row stopped before the target";
    s.unreachable_since = 1060;
    s.weak_observations = 2;
    s.weak_rounds = {106, 107};
    s.weak_first_time = 1060;
    s.known_borders = {
        {*tumen::ipv4_addr::parse("198.18.49.2"), "asn:4837", 4837, 1040, 1280, true},
        {*tumen::ipv4_addr::parse("198.18.82.2"), "asn:20485", std::nullopt, 1050, 1290, false}};
    const auto text = snapshot_to_json(s);
    auto back = snapshot_from_json(text);
    REQUIRE(back);
    CHECK(*back == s);
    auto j = nlohmann::json::parse(text);
    CHECK(j["known_borders"][0]["addr"] == "198.18.49.2");
    CHECK(j["known_borders"][1]["asn"].is_null());

    // Stored before reachability was tracked (the previous form, and the form with rounds and
    // named paths but no reachability): reachable, no weak run, no known border interface.
    auto before = nlohmann::json::parse(snapshot_to_json(busy_snapshot()));
    for (const char* key :
         {"reachable", "reachability_reason", "unreachable_since", "weak_observations",
          "weak_rounds", "weak_first_time", "known_borders"}) {
        before.erase(key);
    }
    for (const auto& old : {before.dump(), std::string(old_form)}) {
        auto o = snapshot_from_json(old);
        REQUIRE(o);
        CHECK(o->reachable);
        CHECK(o->reachability_reason.empty());
        CHECK(o->weak_observations == 0);
        CHECK(o->weak_rounds.empty());
        CHECK(o->known_borders.empty());
    }
    CHECK(*snapshot_from_json(before.dump()) == busy_snapshot());

    // Present but damaged: refused.
    auto bad_addr = j;
    bad_addr["known_borders"][0]["addr"] = "198.18.49.300";
    CHECK_FALSE(snapshot_from_json(bad_addr.dump()));
    auto bad_list = j;
    bad_list["known_borders"] = "198.18.49.2";
    CHECK_FALSE(snapshot_from_json(bad_list.dump()));
    auto bad_flag = j;
    bad_flag["reachable"] = "no";
    CHECK_FALSE(snapshot_from_json(bad_flag.dump()));
    auto missing = j;
    missing.erase("weak_rounds");
    CHECK_FALSE(snapshot_from_json(missing.dump()));
}
