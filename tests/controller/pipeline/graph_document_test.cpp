// Which stored traces stand for the paths of one agent x target (path_sources), and the
// /api/v1/graph document when traces are pruned, unknown or their evidence is damaged.
#include <doctest/doctest.h>

#include "graph_document.hpp"

using namespace tumen;
using namespace tumen::controller;
using pipeline::path_source;

namespace {

store::change_row change(const std::string& from, const std::string& to, std::int64_t at,
                         const std::string& evidence) {
    return store::change_row{0, "fra", "198.19.177.0/24", from, to, at, evidence};
}

std::string change_evidence(const char* last_old_id, std::int64_t last_old_time,
                            const char* first_new_id, std::int64_t first_new_time) {
    return nlohmann::json{{"last_old_trace_id", last_old_id},
                          {"last_old_time", last_old_time},
                          {"first_new_trace_id", first_new_id},
                          {"first_new_time", first_new_time}}
        .dump();
}

store::verdict_row verdict(const std::string& path, const char* trace_id, std::int64_t time,
                           const std::string& observed) {
    store::verdict_row v;
    v.agent = "fra";
    v.target = "198.19.177.0/24";
    v.path = path;
    v.evidence_json =
        nlohmann::json{{"trace_id", trace_id}, {"time", time}, {"observed_path", observed}}.dump();
    return v;
}

} // namespace

TEST_CASE("path_sources: the latest trace of each path from the verdict and the changes") {
    CHECK(pipeline::path_sources(nullptr, {}, 1000).empty());
    const std::vector<store::change_row> changes{
        change("china-unicom", "ttk", 130, change_evidence("c3", 120, "k1", 130)),
        change("ttk", "china-unicom", 200, change_evidence("k5", 190, "c9", 200))};
    const auto v = verdict("china-unicom", "c12", 230, "china-unicom");
    auto s = pipeline::path_sources(&v, changes, 1000);
    REQUIRE(s.size() == 2);
    CHECK(s[0].identity == "ttk"); // oldest trace first
    CHECK(s[0].trace_id == "k5");
    CHECK(s[0].time == 190);
    CHECK(s[1].identity == "china-unicom");
    CHECK(s[1].trace_id == "c12");
    // At 195: the verdict's trace is later; ttk's last trace was k5, CU's last c3.
    s = pipeline::path_sources(&v, changes, 195);
    REQUIRE(s.size() == 2);
    CHECK(s[0].trace_id == "c3");
    CHECK(s[1].trace_id == "k5");
    // At 125: only CU, known from the change that left it.
    s = pipeline::path_sources(&v, changes, 125);
    REQUIRE(s.size() == 1);
    CHECK(s[0].trace_id == "c3");
    // An observed path that is not (yet) the verdict's also counts: the candidate's trace.
    const auto candidate = verdict("china-unicom", "x1", 240, "AS6453");
    s = pipeline::path_sources(&candidate, changes, 1000);
    REQUIRE(s.size() == 3);
    CHECK(s[2].identity == "AS6453");
}

TEST_CASE("path_sources: damaged evidence and a first change from no path are left out") {
    const std::vector<store::change_row> changes{
        change("", "china-unicom", 100, change_evidence("", 0, "c1", 100)),
        change("china-unicom", "ttk", 130, "{not json"), change("ttk", "AS6453", 140, "[1,2]"),
        change("AS6453", "ttk", 150, R"({"last_old_trace_id": 7, "first_new_trace_id": "k9",
                                         "first_new_time": "150"})")};
    const auto damaged = [] {
        auto v = verdict("ttk", "k1", 150, "ttk");
        v.evidence_json = "null";
        return v;
    }();
    const auto s = pipeline::path_sources(&damaged, changes, 1000);
    REQUIRE(s.size() == 2);
    CHECK(s[0].identity == "ttk"); // time unreadable: 0
    CHECK(s[0].trace_id == "k9");
    CHECK(s[1].identity == "china-unicom");
    CHECK(s[1].trace_id == "c1");
}

TEST_CASE("graph_document: an unknown or pruned trace keeps its path, without hops") {
    const std::vector<path_source> sources{{"china-unicom", "c3", 120}, {"ttk", "gone", 150}};
    const campaign::campaign_set campaigns;
    const asmap::as_map map;
    const auto doc = pipeline::graph_document(
        "fra", "198.19.177.0/24", 140, "ttk", sources,
        [](const std::string& id) -> std::optional<store::trace_row> {
            if (id != "c3") {
                return std::nullopt;
            }
            store::trace_row t;
            t.id = id;
            t.agent = "fra";
            t.campaign = "removed-campaign";
            t.pruned = true;
            return t;
        },
        campaigns, map);
    CHECK(doc["at"] == 140);
    CHECK(doc["current_path"] == "ttk");
    REQUIRE(doc["paths"].size() == 2);
    CHECK(doc["paths"][0]["stored"] == false);
    CHECK(doc["paths"][0]["border"].is_null()); // its campaign is gone
    CHECK(doc["paths"][1]["stored"] == false);
    CHECK(doc["paths"][1]["current"] == true);
    REQUIRE(doc["nodes"].size() == 1);
    CHECK(doc["nodes"][0]["id"] == "source");
    CHECK(doc["nodes"][0]["paths"] == nlohmann::json{"china-unicom", "ttk"});
    CHECK(doc["links"].empty());
}
