#include <doctest/doctest.h>

#include <tumen/controller/asmap/sources/ixp.hpp>

using namespace tumen;
using namespace tumen::controller::asmap;
using namespace tumen::controller::asmap::sources;

namespace {
const std::string& ixp_at(const as_map& m, const char* a) {
    return m.ixp_name(m.lookup(*ipv4_addr::parse(a)).ixp);
}
} // namespace

TEST_CASE("CAIDA ixs jsonl: header date, IPv4 LANs, IPv6 skipped, bad lines as source:line") {
    as_map_builder b;
    auto r = read_ixp_text(
        "# {\"date\": \"2023.11.01 14:34:57\"}\n"
        "{\"name\": \"Lab-IX\", \"prefixes\": {\"ipv4\": [\"203.0.113.0/26\"], "
        "\"ipv6\": [\"2001:db8::/64\"]}}\n"
        "{\"name\": \"No-LAN-IX\"}\n"
        "[1, 2]\n"
        "{\"name\": \"A\", \"prefixes\": [\"192.0.2.0/24\"]}\n"
        "{\"name\": \"B\", \"prefixes\": {\"ipv4\": [7]}}\n"
        "{\"name\": \"C\", \"prefixes\": {\"ipv4\": [\"192.0.2.0\", \"192.0.2.0/33\"]}}\n"
        "{\"name\": \"D\", \"prefixes\": {\"ipv4\": [\"2001:db8:1::/48\"]}}\n"
        "\n"
        "{\"name\": \"E\", \"prefixes\": {\"ipv6\": []}}\n",
        "ixs.jsonl", b);
    CHECK(r.lines == 10);
    CHECK(r.entries == 1);
    CHECK(r.skipped == 3); // the header, an IXP without prefixes, an IPv6 prefix
    REQUIRE(r.error_count == 5);
    CHECK(r.errors[0].where == "ixs.jsonl:4");
    CHECK(r.errors[0].what == "not a JSON object");
    CHECK(r.errors[1].where == "ixs.jsonl:5");
    CHECK(r.errors[2].where == "ixs.jsonl:6");
    CHECK(r.errors[2].what.find("not a string") != std::string::npos);
    CHECK(r.errors[3].where == "ixs.jsonl:7");
    CHECK(r.errors[3].what.find("bad IXP prefix \"192.0.2.0\"") != std::string::npos);
    CHECK(r.errors[4].where == "ixs.jsonl:7");
    auto m = b.build();
    CHECK(ixp_at(m, "203.0.113.63") == "Lab-IX");
    CHECK(ixp_at(m, "203.0.113.64").empty());
    REQUIRE(m.datasets().size() == 1);
    CHECK(m.datasets()[0].kind == "ixp");
    CHECK(m.datasets()[0].date == "2023-11-01");
}

TEST_CASE("ripe-atlas-monitor ixps json: Data object, date from TS") {
    as_map_builder b;
    auto r = read_ixp_text("{\"Data\": {\"192.0.2.128/25\": {\"name\": \"Doc-IX\"}, "
                           "\"2001:db8:1::/48\": {\"name\": \"v6\"}, \"192.0.2.0/40\": {}}, "
                           "\"TS\": 1451606400}",
                           "ixps.json", b);
    CHECK(r.lines == 1);
    CHECK(r.entries == 1);
    CHECK(r.skipped == 1);
    REQUIRE(r.error_count == 1);
    CHECK(r.errors[0].where == "ixps.json:1: Data.192.0.2.0/40");
    auto m = b.build();
    CHECK(ixp_at(m, "192.0.2.200") == "Doc-IX");
    CHECK(m.datasets()[0].date == "2016-01-01");
}

TEST_CASE("ripe-atlas-monitor ixps json: Data that is not an object is one error") {
    as_map_builder b;
    auto r = read_ixp_text("{\"Data\": [1]}", "ixps.json", b);
    CHECK(r.entries == 0);
    REQUIRE(r.error_count == 1);
    CHECK(r.errors[0].where == "ixps.json:1");
}

TEST_CASE("IXP list without a date in its content takes the date of its file name") {
    as_map_builder b;
    read_ixp_text("{\"name\": \"X\", \"prefixes\": {\"ipv4\": [\"192.0.2.0/24\"]}}\n",
                  "/data/caida_ixs_20231101.jsonl", b);
    auto m = b.build();
    CHECK(m.datasets()[0].date == "2023-11-01");
    CHECK(ixp_at(m, "192.0.2.1") == "X");
}

TEST_CASE("IXP file: unreadable file is an asmap_error naming it") {
    as_map_builder b;
    CHECK_THROWS_WITH_AS(read_ixp_file("/nonexistent/ixs.jsonl", b),
                         doctest::Contains("/nonexistent/ixs.jsonl"), asmap_error);
}
