// value_or_error<T, E>: the value-or-error type behind tumen::parsed and the pipeline's expected.
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include <tumen/common/parse_error.hpp>
#include <tumen/common/value_or_error.hpp>

using tumen::parse_error;
using tumen::parsed;
using tumen::value_or_error;

namespace {
parsed<int> half(int n) {
    if (n % 2 != 0) {
        return parse_error{"n", "odd: " + std::to_string(n)};
    }
    return n / 2;
}
} // namespace

TEST_CASE("value_or_error holds a value or an error, never both") {
    auto ok = half(8);
    REQUIRE(ok);
    CHECK(ok.ok());
    CHECK(*ok == 4);
    auto bad = half(7);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().where == "n");
    CHECK(bad.error().message() == "n: odd: 7");
}

TEST_CASE("value_or_error: move-only values and access through ->") {
    value_or_error<std::unique_ptr<std::string>, std::string> o(
        std::make_unique<std::string>("abc"));
    REQUIRE(o);
    CHECK(o->get()->size() == 3);
    auto taken = std::move(o).value();
    CHECK(*taken == "abc");
    value_or_error<std::unique_ptr<std::string>, std::string> e(std::string("no"));
    CHECK_FALSE(e);
    CHECK(e.error() == "no");
}
