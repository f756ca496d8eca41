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
    s.candidate_trace_ids = {"c5", "c6"};
    s.candidate_first_time = 1050;
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
    CHECK(j.size() == 13);
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
}
