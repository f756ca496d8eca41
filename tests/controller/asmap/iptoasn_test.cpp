#include <doctest/doctest.h>

#include <tumen/controller/asmap/sources/iptoasn.hpp>

using namespace tumen;
using namespace tumen::controller::asmap;
using namespace tumen::controller::asmap::sources;

namespace {
std::vector<std::string> cidrs(const char* first, const char* last) {
    std::vector<std::string> out;
    for (auto p : range_to_prefixes(*ipv4_addr::parse(first), *ipv4_addr::parse(last))) {
        out.push_back(p.to_string());
    }
    return out;
}
} // namespace

TEST_CASE("iptoasn line: range, AS, country and description") {
    auto l = parse_iptoasn_line("198.51.100.0\t198.51.100.255\t64500\tZZ\tTest network");
    REQUIRE(l.what == line_kind::entry);
    CHECK(l.first.to_string() == "198.51.100.0");
    CHECK(l.last.to_string() == "198.51.100.255");
    CHECK(l.asn == 64500);
}

TEST_CASE("iptoasn line: blank, comment, IPv6 and AS 0 (not routed) are skipped") {
    for (const char* line :
         {"", "# c", "2001:db8::\t2001:db8::ff\t64501\tZZ\tv6", "192.0.2.0\t192.0.2.9\t0\tNone"}) {
        CAPTURE(line);
        CHECK(parse_iptoasn_line(line).what == line_kind::skipped);
    }
}

TEST_CASE("iptoasn line: malformed lines say what is wrong") {
    struct bad_case {
        const char* line;
        const char* says;
    };
    for (const auto& c : {bad_case{"192.0.2.0\t192.0.2.9", "expected range_start"},
                          bad_case{"192.0.2.9\t192.0.2.0\t1\tZZ", "bad address range"},
                          bad_case{"192.0.2.x\t192.0.2.9\t1\tZZ", "bad address range"},
                          bad_case{"192.0.2.0\t192.0.2.9\tAS1\tZZ", "bad AS number"}}) {
        CAPTURE(c.line);
        auto l = parse_iptoasn_line(c.line);
        CHECK(l.what == line_kind::error);
        CHECK(l.error.find(c.says) != std::string::npos);
    }
}

TEST_CASE("iptoasn ranges split into the covering CIDR prefixes") {
    CHECK(cidrs("198.51.100.0", "198.51.100.130") ==
          std::vector<std::string>{"198.51.100.0/25", "198.51.100.128/31", "198.51.100.130/32"});
    CHECK(cidrs("192.0.2.7", "192.0.2.7") == std::vector<std::string>{"192.0.2.7/32"});
    CHECK(cidrs("0.0.0.0", "255.255.255.255") == std::vector<std::string>{"0.0.0.0/0"});
    CHECK(cidrs("255.255.255.254", "255.255.255.255") ==
          std::vector<std::string>{"255.255.255.254/31"});
}

TEST_CASE("iptoasn text: entries mapped, errors as source:line") {
    as_map_builder b;
    auto r = read_iptoasn_text("198.51.100.0\t198.51.100.130\t64500\tZZ\tone\n"
                               "198.51.100.200\t198.51.100.100\t64501\tZZ\tbackwards\n",
                               "ip2asn-v4.tsv", b);
    CHECK(r.lines == 2);
    CHECK(r.entries == 1);
    REQUIRE(r.error_count == 1);
    CHECK(r.errors[0].where == "ip2asn-v4.tsv:2");
    auto m = b.build();
    CHECK(m.lookup(*ipv4_addr::parse("198.51.100.130")).asn == 64500);
    CHECK(m.lookup(*ipv4_addr::parse("198.51.100.131")).asn == 0);
    REQUIRE(m.datasets().size() == 1);
    CHECK(m.datasets()[0].kind == "iptoasn");
}
