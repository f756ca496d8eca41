#include <doctest/doctest.h>

#include <tumen/controller/asmap/sources/pfx2as.hpp>

using namespace tumen;
using namespace tumen::controller::asmap;
using namespace tumen::controller::asmap::sources;

TEST_CASE("pfx2as line: one origin, multi-origin, AS set, both, duplicates removed") {
    auto one = parse_pfx2as_line("192.0.2.0\t24\t64500");
    REQUIRE(one.what == line_kind::entry);
    CHECK(one.prefix.to_string() == "192.0.2.0/24");
    CHECK(one.origins == std::vector<std::uint32_t>{64500});
    CHECK_FALSE(one.multi_origin);
    CHECK_FALSE(one.as_set);

    auto moas = parse_pfx2as_line("192.0.2.0\t24\t64500_64501");
    CHECK(moas.origins == std::vector<std::uint32_t>{64500, 64501});
    CHECK(moas.multi_origin);
    CHECK_FALSE(moas.as_set);

    auto set = parse_pfx2as_line("192.0.2.0\t24\t64500,64501");
    CHECK(set.as_set);
    CHECK_FALSE(set.multi_origin);

    auto both = parse_pfx2as_line("192.0.2.0\t24\t64500_64501,64502_64500");
    CHECK(both.multi_origin);
    CHECK(both.as_set);
    CHECK(both.origins == std::vector<std::uint32_t>{64500, 64501, 64502});
}

TEST_CASE("pfx2as line: spaces instead of tabs, surrounding blanks and CR are accepted") {
    auto l = parse_pfx2as_line("  198.51.100.0   24  64500\r");
    REQUIRE(l.what == line_kind::entry);
    CHECK(l.prefix.to_string() == "198.51.100.0/24");
}

TEST_CASE("pfx2as line: blank, comment, IPv6 and AS 0 are skipped") {
    for (const char* line : {"", "   ", "# header", "2001:db8::\t32\t64500", "192.0.2.0\t24\t0"}) {
        CAPTURE(line);
        CHECK(parse_pfx2as_line(line).what == line_kind::skipped);
    }
}

TEST_CASE("pfx2as line: malformed lines say what is wrong") {
    struct bad_case {
        const char* line;
        const char* says;
    };
    for (const auto& c :
         {bad_case{"192.0.2.0\t24", "expected 3"}, bad_case{"192.0.2.0\t24\t1\t2", "got 4"},
          bad_case{"192.0.300.0\t24\t1", "bad prefix address"},
          bad_case{"192.0.2.0\t33\t1", "bad prefix length"},
          bad_case{"192.0.2.0\tx\t1", "bad prefix length"},
          bad_case{"192.0.2.0\t24\tAS5", "bad origin AS list"},
          bad_case{"192.0.2.0\t24\t1__2", "bad origin AS list"},
          bad_case{"192.0.2.0\t24\t1_", "bad origin AS list"}}) {
        CAPTURE(c.line);
        auto l = parse_pfx2as_line(c.line);
        CHECK(l.what == line_kind::error);
        CHECK(l.error.find(c.says) != std::string::npos);
    }
}

TEST_CASE("pfx2as text: errors as source:line, dataset dated from the name") {
    as_map_builder b;
    auto r = read_pfx2as_text("# comment\n192.0.2.0\t24\t64500\nbad line here\n\n"
                              "198.51.100.0\t24\t64501_64502\n",
                              "routeviews-rv2-20170329-0200.pfx2as", b);
    CHECK(r.lines == 5);
    CHECK(r.entries == 2);
    CHECK(r.skipped == 2);
    REQUIRE(r.error_count == 1);
    CHECK(r.errors[0].where == "routeviews-rv2-20170329-0200.pfx2as:3");
    auto m = b.build();
    CHECK(m.lookup(*ipv4_addr::parse("192.0.2.9")).asn == 64500);
    CHECK(m.lookup(*ipv4_addr::parse("198.51.100.9")).multi_origin);
    REQUIRE(m.datasets().size() == 1);
    CHECK(m.datasets()[0].kind == "pfx2as");
    CHECK(m.datasets()[0].date == "2017-03-29");
    CHECK(m.datasets()[0].entries == 2);
}

TEST_CASE("pfx2as text: at most max_errors are kept, all are counted") {
    std::string text;
    for (int i = 0; i < 150; ++i) {
        text += "junk\n";
    }
    as_map_builder b;
    auto r = read_pfx2as_text(text, "junk", b);
    CHECK(r.error_count == 150);
    CHECK(r.errors.size() == load_report::max_errors);
    CHECK(r.errors.back().where == "junk:100");
}

TEST_CASE("pfx2as file: unreadable file is an asmap_error naming it") {
    as_map_builder b;
    try {
        read_pfx2as_file("/nonexistent/table.pfx2as.gz", b);
        FAIL("no exception");
    } catch (const asmap_error& e) {
        CHECK(std::string(e.what()).find("/nonexistent/table.pfx2as.gz") != std::string::npos);
    }
}
