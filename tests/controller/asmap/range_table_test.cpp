#include <doctest/doctest.h>

#include <tumen/controller/asmap/range_table.hpp>

using namespace tumen;
using namespace tumen::controller::asmap;

namespace {
range_entry entry(const char* prefix, std::uint32_t value) {
    return range_entry{*ipv4_prefix::parse(prefix), value};
}
range_match at(const range_table& t, const char* a) {
    return t.find(*ipv4_addr::parse(a));
}
} // namespace

TEST_CASE("range table: empty tables find nothing") {
    range_table none;
    CHECK(none.size() == 0);
    CHECK(at(none, "192.0.2.1").value == 0);
    auto built = range_table::build({});
    CHECK(built.size() == 1);
    CHECK(at(built, "0.0.0.0").value == 0);
    CHECK(at(built, "255.255.255.255").value == 0);
}

TEST_CASE("range table: the most specific prefix wins, with its length") {
    auto t = range_table::build(
        {entry("10.0.0.0/8", 1), entry("10.1.0.0/16", 2), entry("10.1.2.0/24", 3)});
    CHECK(at(t, "9.255.255.255").value == 0);
    CHECK(at(t, "10.0.0.0").value == 1);
    CHECK(at(t, "10.0.0.0").length == 8);
    CHECK(at(t, "10.1.0.0").value == 2);
    CHECK(at(t, "10.1.2.255").value == 3);
    CHECK(at(t, "10.1.2.255").length == 24);
    CHECK(at(t, "10.1.3.0").value == 2);
    CHECK(at(t, "10.2.0.0").value == 1);
    CHECK(at(t, "11.0.0.0").value == 0);
    CHECK(at(t, "11.0.0.0").length == 0);
}

TEST_CASE("range table: for equal prefixes the later entry wins") {
    auto t = range_table::build({entry("192.0.2.0/24", 1), entry("192.0.2.0/24", 2)});
    CHECK(at(t, "192.0.2.7").value == 2);
}

TEST_CASE("range table: the whole space and its edges") {
    auto t = range_table::build({entry("0.0.0.0/0", 7), entry("255.255.255.255/32", 9)});
    CHECK(at(t, "0.0.0.0").value == 7);
    CHECK(at(t, "0.0.0.0").length == 0);
    CHECK(at(t, "255.255.255.254").value == 7);
    CHECK(at(t, "255.255.255.255").value == 9);
    CHECK(at(t, "255.255.255.255").length == 32);
}

TEST_CASE("range table: adjacent prefixes with one value merge into one range") {
    auto t = range_table::build({entry("192.0.2.0/25", 4), entry("192.0.2.128/25", 4)});
    CHECK(t.size() == 3); // before, the merged /24 pair, after
    CHECK(t.memory_bytes() >= 65537 * 4);
}
