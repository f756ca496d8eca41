// The upload body: batch_body (the agent writes it) and batch_elements (the text of each
// result, as sent, for the controller).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/common/protocol/batch.hpp>

using tumen::protocol::batch_body;
using tumen::protocol::batch_elements;
using sv = std::string_view;

TEST_CASE("batch_elements: array form, white space trimmed, nesting and strings respected") {
    const sv body = " [ {\"a\":[1,2,{\"b\":\"],}\"}]} ,\n\t{\"c\":\"x\\\"]\"} , 3 ]\n";
    auto e = batch_elements(body);
    REQUIRE(e);
    REQUIRE(e->size() == 3);
    CHECK((*e)[0] == sv("{\"a\":[1,2,{\"b\":\"],}\"}]}"));
    CHECK((*e)[1] == sv("{\"c\":\"x\\\"]\"}"));
    CHECK((*e)[2] == sv("3"));
    // Each slice is exactly one JSON value equal to the parsed element.
    auto doc = nlohmann::json::parse(body);
    for (std::size_t i = 0; i < e->size(); ++i) {
        CHECK(nlohmann::json::parse((*e)[i]) == doc[i]);
    }
}

TEST_CASE("batch_elements: object form with the single key results") {
    auto e = batch_elements(R"({ "results" : [{"id":"r1"},{"id":"r2"}] })");
    REQUIRE(e);
    REQUIRE(e->size() == 2);
    CHECK((*e)[1] == sv(R"({"id":"r2"})"));
    auto empty = batch_elements("{\"results\":[ ]}");
    REQUIRE(empty);
    CHECK(empty->empty());
    auto none = batch_elements("[]");
    REQUIRE(none);
    CHECK(none->empty());
}

TEST_CASE("batch_elements: texts of another shape give nullopt, never a wrong split") {
    CHECK_FALSE(batch_elements(""));
    CHECK_FALSE(batch_elements("42"));
    CHECK_FALSE(batch_elements("{\"results\" 1}"));
    CHECK_FALSE(batch_elements("[1,,2]"));
    CHECK_FALSE(batch_elements("[1,2,]"));
    CHECK_FALSE(batch_elements("[{\"a\":\"unterminated]"));
    CHECK_FALSE(batch_elements("[[1,2]"));
    // A repeated key: a parser keeps the last array, so slicing the first would store the
    // wrong bytes for the parsed results.
    CHECK_FALSE(batch_elements(R"({"results":[{"id":"a"}],"results":[{"id":"b"}]})"));
    CHECK_FALSE(batch_elements(R"({"results":[1], "x": 2})"));
    CHECK_FALSE(batch_elements("[1] [2]"));
    CHECK(batch_elements("[1]\n"));
}

TEST_CASE("batch_body: the agent's body is split back into the same texts") {
    const std::vector<sv> results = {R"({"id":"r1","result":[1,2]})", R"({"id":"r2"})"};
    const std::string body = batch_body(results);
    CHECK(body == R"({"results":[{"id":"r1","result":[1,2]},{"id":"r2"}]})");
    CHECK(nlohmann::json::accept(body));
    auto back = batch_elements(body);
    REQUIRE(back);
    CHECK(*back == results);
    CHECK(batch_body({}) == R"({"results":[]})");
    auto none = batch_elements(batch_body({}));
    REQUIRE(none);
    CHECK(none->empty());
}

TEST_CASE("batch reply: the rejected list round-trips; a malformed one is refused") {
    using tumen::protocol::parse_rejected;
    using tumen::protocol::rejected_entry;
    const std::vector<rejected_entry> rejected{
        {1, "fra-1", "not_assigned", "agent \"fra\" was never assigned 198.51.100.7"},
        {3, "fra-3", "outside_assignment", "not at 100"}};
    const nlohmann::json reply{{"stored", 2},
                               {"rejected", tumen::protocol::rejected_json(rejected)}};
    CHECK(parse_rejected(reply.dump()) == rejected);
    // An older controller's reply has no list: nothing refused.
    CHECK(parse_rejected(R"({"stored":1,"duplicates":0,"changes":0})") ==
          std::vector<rejected_entry>{});
    CHECK_FALSE(parse_rejected("not json"));
    CHECK_FALSE(parse_rejected(R"({"rejected": {}})"));
    CHECK_FALSE(parse_rejected(R"({"rejected": [{"index": -1, "id": "a", "reason": "x"}]})"));
    CHECK_FALSE(parse_rejected(R"({"rejected": [{"index": 0, "reason": "x"}]})"));
    CHECK_FALSE(parse_rejected(R"({"rejected": [{"index": 0, "id": "a", "reason": 5}]})"));
    CHECK_FALSE(parse_rejected(std::string(100, '[') + std::string(100, ']')));
}
