// bounded_parse: the depth limit, repeated keys, the byte order mark and out-of-range numbers,
// each refused with the path of the field.
#include <string>

#include <doctest/doctest.h>

#include <tumen/common/json/bounded_parse.hpp>

using nlohmann::json;
using tumen::json_fields::bounded_parse;
using tumen::json_fields::max_json_depth;

namespace {

/// `depth` nested arrays around a 1 ("[[1]]" has depth 2).
std::string nested(std::size_t depth) {
    return std::string(depth, '[') + "1" + std::string(depth, ']');
}

std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        out += s;
    }
    return out;
}

struct bounded_case {
    const char* name;
    std::string text;
    bool ok;
    std::string where; ///< when !ok: the exact path
    std::string what;  ///< when !ok: the start of the message
};

} // namespace

TEST_CASE("bounded_parse: table") {
    const bounded_case cases[] = {
        {"object", R"({"a":[1,{"b":2}]})", true, "", ""},
        {"64 deep", nested(max_json_depth), true, "", ""},
        {"65 deep", nested(max_json_depth + 1), false, repeat("[0]", max_json_depth),
         "nested deeper than 64"},
        {"rtt beyond double", R"({"results":[{"result":[{"result":[{},{"rtt":1e400}]}]}]})", false,
         "results[0].result[0].result[1].rtt", "invalid JSON: number out of range"},
        {"negative beyond double", R"([0,[1,-1e999]])", false, "[1][1]", "invalid JSON: number out of range"},
        {"top-level number beyond double", "1e400", false, "byte 0", "invalid JSON: number out of range"},
        {"repeated key", R"({"results":[],"results":[1]})", false, "results",
         "key repeated in one object"},
        {"repeated inner key", R"([{"a":1},{"a":1,"b":{"c":1,"c":2}}])", false, "[1].b.c",
         "key repeated"},
        {"byte order mark", "\xEF\xBB\xBF[]", false, "byte 0", "a byte order mark"},
        {"syntax", "[1,", false, "byte 4", "invalid JSON: "},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        json out;
        auto err = bounded_parse(c.text, out);
        REQUIRE(err.has_value() != c.ok);
        if (c.ok) {
            CHECK(out == json::parse(c.text));
            continue;
        }
        CHECK(out.is_null());
        CHECK(err->where == c.where);
        CHECK(err->what.rfind(c.what, 0) == 0);
        // The byte offset is given exactly when `where` names a byte, not a field.
        CHECK(err->byte.has_value() == (c.where.rfind("byte ", 0) == 0));
        if (err->byte) {
            CHECK(c.where == "byte " + std::to_string(*err->byte));
        }
    }
}

TEST_CASE("bounded_parse: 80,000 levels are refused before anything recurses") {
    const std::string deep = R"({"results":[{"x":)" + nested(80000) + "}]}";
    json out;
    auto err = bounded_parse(deep, out);
    REQUIRE(err);
    CHECK(err->where.rfind("results[0].x[0]", 0) == 0);
    CHECK(err->what == "nested deeper than 64 arrays/objects");
    CHECK_FALSE(err->byte);
}
