// The AS-names source (ipinfo CSV): CSV fields, the header, data lines, whole inputs.
#include <doctest/doctest.h>

#include <tumen/controller/asmap/loader.hpp>
#include <tumen/controller/asmap/sources/as_names.hpp>

#include "temp_file.hpp"

using namespace tumen;
using namespace tumen::controller::asmap;
using namespace tumen::controller::asmap::sources;

TEST_CASE("CSV fields: plain, quoted, quotes inside quotes, empty fields") {
    struct csv_case {
        const char* line;
        std::vector<std::string> fields;
    };
    for (const auto& c : {
             csv_case{"AS64500,Example,ZZ,ripe", {"AS64500", "Example", "ZZ", "ripe"}},
             csv_case{R"(AS64501,"Example, Inc.",ZZ,arin)",
                      {"AS64501", "Example, Inc.", "ZZ", "arin"}},
             csv_case{R"(AS64502,"The ""Quoted"" Net",ZZ)",
                      {"AS64502", R"(The "Quoted" Net)", "ZZ"}},
             csv_case{R"(AS64503,"",,apnic)", {"AS64503", "", "", "apnic"}},
             csv_case{"a,", {"a", ""}},
             csv_case{"", {""}},
         }) {
        CAPTURE(c.line);
        auto f = split_csv_line(c.line);
        REQUIRE(f);
        CHECK(*f == c.fields);
    }
    for (const char* bad : {R"(AS64500,"unterminated)", R"(AS64500,"closed"then,ZZ)"}) {
        CAPTURE(bad);
        CHECK_FALSE(split_csv_line(bad));
    }
}

TEST_CASE("AS-names header: columns found by name, in any order and case") {
    auto h = parse_as_names_header("asn,name,country,registry");
    REQUIRE(h);
    CHECK(h->asn == 0);
    CHECK(h->name == 1);
    h = parse_as_names_header("Country,NAME,ASN");
    REQUIRE(h);
    CHECK(h->asn == 2);
    CHECK(h->name == 1);
    CHECK_FALSE(parse_as_names_header("AS64500,Example,ZZ,ripe"));
    h = parse_as_names_header("asn,country");
    REQUIRE(h);
    CHECK(h->name == std::string_view::npos);
}

TEST_CASE("AS-names line: entries, skipped lines and errors") {
    struct line_case {
        const char* line;
        line_kind what;
        std::uint32_t asn;
        const char* name_or_error;
    };
    for (const auto& c : {
             line_case{"AS64500,Example Transit,ZZ,ripe", line_kind::entry, 64500,
                       "Example Transit"},
             line_case{R"(as64501,"Example, Inc.",ZZ,arin)", line_kind::entry, 64501,
                       "Example, Inc."},
             line_case{"64502, Spaced Name ,ZZ\r", line_kind::entry, 64502, "Spaced Name"},
             line_case{"AS4200000000,Four-byte AS,ZZ", line_kind::entry, 4200000000u,
                       "Four-byte AS"},
             line_case{"AS64503,\xc3\x9c"
                       "ber-Netz,ZZ",
                       line_kind::entry, 64503,
                       "\xc3\x9c"
                       "ber-Netz"},
             line_case{"", line_kind::skipped, 0, ""},
             line_case{"# a comment", line_kind::skipped, 0, ""},
             line_case{R"(AS64504,"",ZZ,apnic)", line_kind::skipped, 0, ""},
             line_case{"AS0,Reserved,ZZ", line_kind::skipped, 0, ""},
             line_case{"ASX,Example,ZZ", line_kind::error, 0, "bad AS number \"ASX\""},
             line_case{"AS,Example,ZZ", line_kind::error, 0, "bad AS number"},
             line_case{"AS64505", line_kind::error, 0, "expected the asn and name columns"},
             line_case{R"(AS64506,"open)", line_kind::error, 0, "quote"},
             line_case{"AS64507,bad \xff byte,ZZ", line_kind::error, 0, "not printable UTF-8"},
             line_case{"AS64508,over\xc0\xafong,ZZ", line_kind::error, 0, "not printable UTF-8"},
             line_case{"AS64509,tab\there,ZZ", line_kind::error, 0, "not printable UTF-8"},
         }) {
        CAPTURE(c.line);
        auto l = parse_as_names_line(c.line);
        REQUIRE(l.what == c.what);
        if (c.what == line_kind::entry) {
            CHECK(l.asn == c.asn);
            CHECK(l.name == c.name_or_error);
        } else if (c.what == line_kind::error) {
            CHECK(l.error.find(c.name_or_error) != std::string::npos);
        }
    }
}

TEST_CASE("AS-names line: columns from the header") {
    auto l = parse_as_names_line("ZZ,Example,AS64500", as_names_columns{2, 1});
    REQUIRE(l.what == line_kind::entry);
    CHECK(l.asn == 64500);
    CHECK(l.name == "Example");
}

TEST_CASE("AS-names text: header skipped, bad lines counted as source:line, names kept") {
    as_map_builder b;
    auto r = read_as_names_text("asn,name,country,registry\n"
                                "AS64500,Example Transit,ZZ,ripe\n"
                                "bad line\n"
                                "\n"
                                R"(AS64501,"Example, Inc.",ZZ,arin)"
                                "\n"
                                "AS64500,Renamed Transit,ZZ,ripe\n",
                                "asnames-2024-05.csv", b);
    CHECK(r.lines == 6);
    CHECK(r.entries == 3);
    CHECK(r.skipped == 2); // the header and the blank line
    REQUIRE(r.error_count == 1);
    CHECK(r.errors[0].where == "asnames-2024-05.csv:3");
    auto m = b.build();
    CHECK(m.as_name(64500) == "Renamed Transit"); // a later line wins
    CHECK(m.as_name(64501) == "Example, Inc.");
    CHECK(m.as_name(64502).empty());
    CHECK(m.as_name_count() == 2);
    REQUIRE(m.datasets().size() == 1);
    CHECK(m.datasets()[0].kind == "as-names");
    CHECK(m.datasets()[0].date == "2024-05");
    CHECK(m.datasets()[0].entries == 3);
}

TEST_CASE("AS-names text: a reordered header, a byte order mark, no header") {
    as_map_builder b;
    read_as_names_text("\xef\xbb\xbf"
                       "country,asn,name\nZZ,AS64500,Reordered\n",
                       "a", b);
    auto r = read_as_names_text("AS64501,No Header\n", "b", b);
    CHECK(r.entries == 1);
    auto m = b.build();
    CHECK(m.as_name(64500) == "Reordered");
    CHECK(m.as_name(64501) == "No Header");
}

TEST_CASE("AS-names text: a header without a name column is an error; defaults apply") {
    as_map_builder b;
    auto r = read_as_names_text("asn,country\nAS64500,Example\n", "c", b);
    REQUIRE(r.error_count == 1);
    CHECK(r.errors[0].where == "c:1");
    CHECK(r.errors[0].what.find("name") != std::string::npos);
    CHECK(b.build().as_name(64500) == "Example");
}

TEST_CASE("AS-names file: loaded by the loader after the other sources; unreadable throws") {
    tumen::test::temp_file pfx2as("192.0.2.0\t24\t64500\n");
    tumen::test::temp_file names("asn,name\nAS64500,Example Transit\nnot,an,entry\n", ".csv");
    std::vector<std::string> kinds;
    std::size_t errors = 0;
    auto m = load_as_map({{pfx2as.path}, {}, {}, {names.path}},
                         [&](const std::string&, const char* kind, const load_report& r) {
                             kinds.emplace_back(kind);
                             errors += r.error_count;
                         });
    CHECK(kinds == std::vector<std::string>{"pfx2as", "as-names"});
    CHECK(errors == 1);
    CHECK(m.as_name(m.lookup(*ipv4_addr::parse("192.0.2.1")).asn) == "Example Transit");
    CHECK_THROWS_WITH_AS(load_as_map({{}, {}, {}, {"/nonexistent/names.csv"}}),
                         doctest::Contains("/nonexistent/names.csv"), std::runtime_error);
}
