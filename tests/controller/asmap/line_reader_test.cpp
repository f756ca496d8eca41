#include <fstream>
#include <string>
#include <vector>
#include <zlib.h>

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

namespace {
/// Writes `text` gzip-compressed to `path`.
void write_gz(const std::string& path, const std::string& text) {
    gzFile g = gzopen(path.c_str(), "wb");
    REQUIRE(g != nullptr);
    REQUIRE(gzwrite(g, text.data(), static_cast<unsigned>(text.size())) ==
            static_cast<int>(text.size()));
    REQUIRE(gzclose(g) == Z_OK);
}

/// Lines of every length around the reader's block size, CRLF and LF, one longer than a
/// block, and no final newline: each is split across blocks somewhere.
std::string long_text() {
    std::string text;
    for (int i = 0; i < 40000; ++i) {
        text += std::string(static_cast<std::size_t>(i % 97), static_cast<char>('a' + i % 26));
        text += i % 3 == 0 ? "\r\n" : "\n";
    }
    text += std::string(700000, 'x') + "\n\n";
    for (int i = 0; i < 5000; ++i) {
        text += std::to_string(i) + "\n";
    }
    return text + "last";
}
} // namespace

TEST_CASE("line reader over a large plain or gzip file gives the same lines as over its text") {
    const std::string text = long_text();
    auto mem = line_reader::over_text(text);
    const auto expected = all_lines(mem);
    REQUIRE(expected.size() == 45003);
    CHECK(expected.back() == "last");
    temp_file plain(text);
    line_reader from_plain(plain.path);
    REQUIRE(from_plain.ok());
    CHECK(all_lines(from_plain) == expected);
    CHECK(from_plain.line_number() == expected.size());
    CHECK(from_plain.error().empty());
    temp_file gz("", ".gz");
    write_gz(gz.path, text);
    line_reader from_gz(gz.path);
    REQUIRE(from_gz.ok());
    CHECK(all_lines(from_gz) == expected);
    CHECK(from_gz.error().empty());
}

TEST_CASE("line reader: a corrupt gzip stream ends in a read error") {
    std::string text;
    for (int i = 0; i < 200000; ++i) {
        text += "line " + std::to_string(i) + "\n";
    }
    temp_file gz("", ".gz");
    write_gz(gz.path, text);
    {
        // Overwrite bytes in the middle of the deflate stream.
        std::fstream f(gz.path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(200000);
        f.write("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 16);
    }
    line_reader in(gz.path);
    REQUIRE(in.ok());
    const auto lines = all_lines(in);
    // The lines before the damage are intact; after it the text is garbage until the
    // stream's check fails.
    REQUIRE(lines.size() > 1000);
    CHECK(in.error().find("read error") == 0);
    for (std::size_t i = 0; i < 1000; ++i) {
        REQUIRE(lines[i] == "line " + std::to_string(i));
    }
}
