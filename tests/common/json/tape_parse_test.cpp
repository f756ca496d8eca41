// tape_parse: the refusals of bounded_parse on the simdjson tape, with the same texts.
#include <string>

#include <doctest/doctest.h>

#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/common/json/tape_parse.hpp>

using tumen::json_fields::bounded_parse;
using tumen::json_fields::tape_parse;

TEST_CASE("tape_parse refuses what bounded_parse refuses, with the same where and what") {
    const std::string deep = std::string(65, '[') + std::string(65, ']');
    const std::string deep_key = "{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}";
    const char* texts[] = {
        "[1,",                                     // syntax: byte offset
        "\xEF\xBB\xBF[]",                          // byte order mark
        "{\"a\":1,\"a\":2}",                       // repeated key at the top
        "[{\"x\":{\"k\":[1,{\"b\":1,\"b\":1}]}}]", // repeated key deep down
        "[{\"rtt\":1e400}]",                       // beyond a double
        "",                                        // empty
    };
    for (const std::string text : texts) {
        CAPTURE(text);
        simdjson::dom::element e;
        nlohmann::json j;
        auto mine = tape_parse(text, e);
        auto theirs = bounded_parse(text, j);
        REQUIRE(mine);
        REQUIRE(theirs);
        CHECK(mine->where == theirs->where);
        CHECK(mine->what == theirs->what);
        CHECK(mine->byte == theirs->byte);
    }
    for (const auto& text : {deep, deep_key}) {
        simdjson::dom::element e;
        auto err = tape_parse(text, e);
        REQUIRE(err);
        CHECK(err->what == "nested deeper than 64 arrays/objects");
    }
    simdjson::dom::element e;
    auto key = tape_parse("[{\"x\":{\"k\":[1,{\"b\":1,\"b\":1}]}}]", e);
    REQUIRE(key);
    CHECK(key->where == "[0].x.k[1].b");
    CHECK(key->what == "key repeated in one object");
}

TEST_CASE("tape_parse: an integer beyond 64 bits is refused with its field") {
    simdjson::dom::element e;
    auto err = tape_parse("{\"r\":[{\"size\":18446744073709551616}]}", e);
    REQUIRE(err);
    CHECK(err->where == "r[0].size");
    CHECK(err->what == "invalid JSON: integer beyond 64 bits");
    CHECK_FALSE(err->byte);
}

TEST_CASE("tape_parse accepts 64 levels and many distinct keys") {
    simdjson::dom::element e;
    CHECK_FALSE(tape_parse(std::string(64, '[') + std::string(64, ']'), e));
    std::string many = "{";
    for (int i = 0; i < 1000; ++i) {
        many += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
    }
    CHECK_FALSE(tape_parse(many + "}", e));
    auto repeated = tape_parse(many + ",\"k17\":1}", e);
    REQUIRE(repeated);
    CHECK(repeated->where == "k17");
}
