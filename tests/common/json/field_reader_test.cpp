// The JSON field reader: typed reads, ranges, optional fields and error paths.
#include <cstdint>
#include <string>

#include <doctest/doctest.h>

#include <tumen/common/json/field_reader.hpp>

using nlohmann::json;
using tumen::json_fields::field_reader;

TEST_CASE("paths join keys and indexes") {
    CHECK(tumen::json_fields::join("", "hop") == "hop");
    CHECK(tumen::json_fields::join("results[2]", "hop") == "results[2].hop");
    CHECK(tumen::json_fields::join("work[0]", "") == "work[0]");
    CHECK(tumen::json_fields::index("results", 2) == "results[2]");
}

TEST_CASE("typed reads of present fields") {
    const json j = json::parse(R"({"s":"x","i":7,"f":3.0,"d":2.5,"b":true,"a":"192.0.2.1",
                                   "arr":[1],"obj":{}})");
    field_reader r(j, "results[2].result[0]");
    std::string s;
    int i = 0;
    int f = 0;
    double d = 0;
    bool b = false;
    tumen::ipv4_addr a;
    const json* arr = nullptr;
    const json* obj = nullptr;
    CHECK(r.str("s", s, true));
    CHECK(r.integer("i", i, true, 0, 10));
    CHECK(r.integer("f", f, true, 0, 10)); // integral floats are integers
    CHECK(r.number("d", d, true, 0, 3));
    CHECK(r.boolean("b", b));
    CHECK(r.address("a", a, true));
    CHECK(r.array("arr", arr, true));
    CHECK(r.object("obj", obj, true));
    CHECK(s == "x");
    CHECK(i == 7);
    CHECK(f == 3);
    CHECK(d == 2.5);
    CHECK(b);
    CHECK(a.to_string() == "192.0.2.1");
    CHECK(arr->size() == 1);
    CHECK(obj->empty());
    CHECK_FALSE(r.error());
}

TEST_CASE("absent optional fields keep their value; absent required ones fail") {
    const json j = json::object();
    field_reader r(j, "");
    int i = 5;
    std::string s = "keep";
    CHECK(r.integer("i", i, false, 0, 10));
    CHECK(r.str("s", s, false));
    CHECK(i == 5);
    CHECK(s == "keep");
    CHECK_FALSE(r.integer("i", i, true, 0, 10));
    REQUIRE(r.error());
    CHECK(r.error()->where == "i");
    CHECK(r.error()->what == "missing required integer field");
}

TEST_CASE("errors name the path and keep the first failure") {
    const json j = json::parse(R"({"hop":300,"rtt":"fast","x":1.5,"n":-1})");
    field_reader r(j, "results[2].result[0]");
    int hop = 0;
    CHECK_FALSE(r.integer("hop", hop, true, 1, 255));
    double rtt = 0;
    CHECK_FALSE(r.number("rtt", rtt, true));
    REQUIRE(r.error());
    CHECK(r.error()->message() == "results[2].result[0].hop: integer 300 out of range [1, 255]");

    field_reader r2(j, "");
    CHECK_FALSE(r2.number("rtt", rtt, true));
    CHECK(r2.error()->message() == "rtt: expected a number, got string");
    field_reader r3(j, "");
    int x = 0;
    CHECK_FALSE(r3.integer("x", x, true, 0, 10));
    CHECK(r3.error()->what == "expected an integer, got a non-integral number");
    field_reader r4(j, "");
    double n = 0;
    CHECK_FALSE(r4.number("n", n, true, 0, 10));
    CHECK(r4.error()->where == "n");
}

TEST_CASE("unknown keys and lenient reads") {
    const json j = json::parse(R"({"a":1,"b":"x","c":2.5})");
    field_reader r(j, "doc");
    CHECK_FALSE(r.only_keys({"a", "b"}));
    CHECK(r.error()->where == "doc.c");
    CHECK(r.error()->what == "unknown field");
    const field_reader l(j, "");
    CHECK(l.try_integer("a", 0, 5) == 1);
    CHECK_FALSE(l.try_integer("a", 2, 5));
    CHECK_FALSE(l.try_integer("b", 0, 5));
    CHECK_FALSE(l.try_integer("c", 0, 5));
    CHECK_FALSE(l.try_integer("missing", 0, 5));
    CHECK_FALSE(l.error());
}

TEST_CASE("expect_object names the path and the type") {
    CHECK_FALSE(tumen::json_fields::expect_object(json::object(), "x"));
    auto e = tumen::json_fields::expect_object(json::array(), "work[1]");
    REQUIRE(e);
    CHECK(e->message() == "work[1]: expected an object, got array");
}
