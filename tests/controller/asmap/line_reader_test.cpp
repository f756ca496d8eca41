#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/controller/asmap/line_reader.hpp>

#include "temp_file.hpp"

using namespace tumen::controller::asmap;
using tumen::test::temp_file;

namespace {
std::vector<std::string> all_lines(line_reader& in) {
    std::vector<std::string> out;
    for (std::string l; in.next(l);) {
        out.push_back(l);
    }
    return out;
}
} // namespace

TEST_CASE("line reader over text: LF and CRLF endings, empty lines, no final newline") {
    auto in = line_reader::over_text("a\r\nb\n\nc");
    CHECK(in.ok());
    CHECK(all_lines(in) == std::vector<std::string>{"a", "b", "", "c"});
    CHECK(in.line_number() == 4);
    CHECK(in.error().empty());
    auto trailing = line_reader::over_text("x\n");
    CHECK(all_lines(trailing) == std::vector<std::string>{"x"});
    auto empty = line_reader::over_text("");
    CHECK(all_lines(empty).empty());
}

TEST_CASE("line reader over a file gives the same lines as over its text") {
    const std::string text = "one\r\ntwo\n\nthree";
    temp_file f(text);
    line_reader file(f.path);
    REQUIRE(file.ok());
    auto mem = line_reader::over_text(text);
    CHECK(all_lines(file) == all_lines(mem));
    CHECK(file.line_number() == 4);
}

TEST_CASE("line reader: a missing file is not ok and says which") {
    line_reader in("/nonexistent/file.txt");
    CHECK_FALSE(in.ok());
    CHECK(in.error().find("/nonexistent/file.txt: cannot open") == 0);
    std::string l;
    CHECK_FALSE(in.next(l));
    std::string text;
    std::string err;
    CHECK_FALSE(read_whole_file("/nonexistent/file.txt", text, err));
    CHECK(err.find("/nonexistent/file.txt") == 0);
}

TEST_CASE("read_whole_file reads every byte") {
    temp_file f("a\nb\n");
    std::string text;
    std::string err;
    REQUIRE(read_whole_file(f.path, text, err));
    CHECK(text == "a\nb\n");
}
