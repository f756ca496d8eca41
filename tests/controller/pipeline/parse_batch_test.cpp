// parse_batch: the pure validation of an upload body (no store, no clock, no metrics).
#include <optional>
#include <thread>
#include <utility>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/pipeline/batch.hpp>

#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller::pipeline;
using nlohmann::json;

namespace {

const ipv4_addr dst176 = test::lab().target_addr(0, 1);

json trace_json(const std::string& agent, const std::string& id) {
    return result::to_json(test::make_trace(agent, id, dst176, test::border::cu, 100));
}

json ping_json(const std::string& agent, const std::string& id) {
    return result::to_json(test::make_ping(agent, id, dst176, 3, 2, 101));
}

json bad_address(json j) {
    j["dst_addr"] = "not-an-address";
    return j;
}

/// A batch of `j` whose first reply's rtt is the literal `rtt`.
std::string with_rtt(json j, const std::string& rtt) {
    j["result"][0]["result"][0]["rtt"] = 12345.5;
    auto text = json::array({j}).dump();
    return text.replace(text.find("12345.5"), 7, rtt);
}

/// A valid trace with an extra field "x" of `depth` nested arrays, in a bare array body.
std::string with_nesting(const std::string& id, std::size_t depth) {
    auto text = trace_json("fra", id).dump();
    text.insert(1, R"("x":)" + std::string(depth, '[') + std::string(depth, ']') + ",");
    return text;
}

struct parse_case {
    const char* name;
    std::string body;
    bool ok;
    std::size_t results;     ///< parsed results, or results counted in the refusal
    error_kind kind;         ///< when !ok
    std::string where_start; ///< when !ok: the start of `where`
};

} // namespace

TEST_CASE("parse_batch: table") {
    const parse_case cases[] = {
        {"valid batch",
         json::array({trace_json("fra", "a1"), ping_json("fra", "a2")}).dump(),
         true,
         2,
         {},
         ""},
        {"{\"results\": [...]} form",
         json{{"results", json::array({trace_json("fra", "a1")})}}.dump(),
         true,
         1,
         {},
         ""},
        {"empty batch", "[]", true, 0, {}, ""},
        {"duplicate ids pass (apply counts them)",
         json::array({ping_json("fra", "d1"), ping_json("fra", "d1")}).dump(),
         true,
         2,
         {},
         ""},
        {"bad result",
         json::array({trace_json("fra", "b1"), bad_address(trace_json("fra", "b2")),
                      ping_json("fra", "b3")})
             .dump(),
         false, 3, error_kind::invalid, "results[1].dst_addr"},
        {"other agent's result", json::array({trace_json("tyo", "o1")}).dump(), false, 1,
         error_kind::other_agent, "results[0].agent"},
        {"mixed: valid then another agent's",
         json::array({trace_json("fra", "m1"), ping_json("fra", "m2"), ping_json("msk", "m3")})
             .dump(),
         false, 3, error_kind::other_agent, "results[2].agent"},
        {"mixed: another agent's before a bad one",
         json::array({ping_json("msk", "m4"), bad_address(ping_json("fra", "m5"))}).dump(), false,
         2, error_kind::other_agent, "results[0].agent"},
        {"unknown type", R"([{"type":"dns","id":"x","agent":"fra"}])", false, 1,
         error_kind::invalid, "results[0].type"},
        {"missing type", R"([{"id":"x","agent":"fra"}])", false, 1, error_kind::invalid,
         "results[0].type"},
        {"not an object", "[1]", false, 1, error_kind::invalid, "results[0]"},
        {"invalid JSON", "[{\"type\": ", false, 0, error_kind::invalid, "byte "},
        {"number out of range", "[1e999]", false, 0, error_kind::invalid, "results[0]"},
        {"rtt beyond double names the field", with_rtt(trace_json("fra", "r1"), "1e400"), false, 0,
         error_kind::invalid, "results[0].result[0].result[0].rtt"},
        {"byte order mark", "\xEF\xBB\xBF" + json::array({ping_json("fra", "b1")}).dump(), false, 0,
         error_kind::invalid, "byte 0"},
        {"repeated \"results\"",
         R"({"results": [], "results": [)" + ping_json("fra", "k1").dump() + "]}", false, 0,
         error_kind::invalid, "results"},
        {"not an array", R"({"items": []})", false, 0, error_kind::invalid, ""},
        {"results beside another key", R"({"results": [], "x": 1})", false, 0, error_kind::invalid,
         ""},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto b = parse_batch("fra", c.body);
        REQUIRE(b.ok() == c.ok);
        if (c.ok) {
            CHECK(b->agent == "fra");
            CHECK(b->results.size() == c.results);
            continue;
        }
        CHECK(b.error().kind == c.kind);
        CHECK(b.error().results == c.results);
        CHECK(b.error().where.rfind(c.where_start, 0) == 0);
        CHECK_FALSE(b.error().what.empty());
    }
}

TEST_CASE("parse_batch: error texts") {
    auto other = parse_batch("fra", json::array({trace_json("tyo", "o1")}).dump());
    REQUIRE_FALSE(other);
    CHECK(other.error().what == "result of agent \"tyo\" uploaded with the token of \"fra\"");
    auto shape = parse_batch("fra", "{}");
    REQUIRE_FALSE(shape);
    CHECK(shape.error().what == "expected a JSON array of results or {\"results\": [...]}");
    CHECK(shape.error().where.empty());
    auto syntax = parse_batch("fra", "[");
    REQUIRE_FALSE(syntax);
    CHECK(syntax.error().what.rfind("invalid JSON: ", 0) == 0);
}

TEST_CASE("parse_batch: id length within the limits") {
    const auto body = json::array({ping_json("fra", "12345")}).dump();
    CHECK(parse_batch("fra", body, batch_limits{5}));
    auto b = parse_batch("fra", body, batch_limits{4});
    REQUIRE_FALSE(b);
    CHECK(b.error().kind == error_kind::invalid);
    CHECK(b.error().where == "results[0].id");
    CHECK(b.error().what == "id must be 1-4 characters");
    auto empty = parse_batch("fra", json::array({ping_json("fra", "")}).dump());
    REQUIRE_FALSE(empty);
    CHECK(empty.error().where.rfind("results[0]", 0) == 0);
}

TEST_CASE("parse_batch: each result keeps the bytes the agent sent") {
    const std::string one = trace_json("fra", "s1").dump();
    const std::string two = ping_json("fra", "s2").dump();
    const std::string body = "[ " + one + " ,\n\t" + two + " ]\n";
    auto b = parse_batch("fra", body);
    REQUIRE(b);
    REQUIRE(b->results.size() == 2);
    CHECK(b->results[0].raw() == one);
    CHECK(b->results[1].raw() == two);
    CHECK(b->results[0].id() == "s1");
    CHECK(b->results[1].id() == "s2");
    CHECK(std::holds_alternative<result::trace>(b->results[0].value));
    CHECK(std::holds_alternative<result::ping>(b->results[1].value));
    // The views point into the body (no copy on the ingest path).
    CHECK(b->results[0].raw().data() >= body.data());
    CHECK(b->results[0].raw().data() < body.data() + body.size());
}

TEST_CASE("parse_batch: deep nesting is refused before anything recurses (issue 12, defect 1)") {
    // The shape of the crash: a valid result with an extra field nested 80,000 levels deep,
    // behind a byte order mark, under a repeated "results" key, or in a plain body. Parsed in
    // a thread of its own with the default stack: a recursion over the nesting would crash.
    const auto deep = with_nesting("n1", 80000);
    const std::pair<std::string, std::string> bodies[] = {
        {"\xEF\xBB\xBF[" + deep + "]", "byte 0"},
        {R"({"results": [], "results": [)" + deep + "]}", "results"},
        {R"({"results": [)" + deep + R"(], "results": []})", "results[0].x"},
        {"[" + deep + "]", "results[0].x"},
        {R"({"results": [)" + deep + "]}", "results[0].x"},
    };
    for (const auto& [body, where] : bodies) {
        CAPTURE(where);
        std::optional<expected<parsed_batch>> got;
        std::thread worker([&] { got.emplace(parse_batch("fra", body)); });
        worker.join();
        REQUIRE(got.has_value());
        REQUIRE_FALSE(*got);
        CHECK((*got).error().kind == error_kind::invalid);
        CHECK((*got).error().where.rfind(where, 0) == 0);
    }
}

TEST_CASE("parse_batch: 64 nested arrays/objects are accepted, 65 refused") {
    // [ {result} ] is 2 levels: the extra field adds the rest.
    const auto at_limit = "[" + with_nesting("d64", 62) + "]";
    auto ok = parse_batch("fra", at_limit);
    REQUIRE(ok);
    REQUIRE(ok->results.size() == 1);
    CHECK(ok->results[0].raw() == with_nesting("d64", 62));
    auto over = parse_batch("fra", "[" + with_nesting("d65", 63) + "]");
    REQUIRE_FALSE(over);
    CHECK(over.error().kind == error_kind::invalid);
    CHECK(over.error().what == "nested deeper than 64 arrays/objects");
    CHECK(over.error().where.rfind("results[0].x[0]", 0) == 0);
}
