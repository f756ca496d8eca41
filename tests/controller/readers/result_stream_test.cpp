// result_stream: the records of read_results_file, read in chunks (JSON lines) or whole.
#include <variant>
#include <zlib.h>

#include <doctest/doctest.h>

#include <tumen/common/result_json.hpp>
#include <tumen/controller/readers/reader.hpp>

#include "temp_file.hpp"
#include "trace_builder.hpp"

using namespace tumen;
using namespace tumen::controller::readers;

namespace {

std::string trace_line(std::int64_t time) {
    auto t = tumen::test::make_trace("198.18.1.10", "198.19.176.1",
                                     {{{"198.18.1.1"}}, {{"198.18.48.1"}}, {{"198.19.176.1"}}},
                                     "fra", time);
    t.id = "s" + std::to_string(time);
    return result::to_json(t).dump();
}

/// Everything a stream gives, as a batch.
result_batch drain(const std::string& path) {
    result_batch b;
    result_stream s(path);
    result_record r;
    while (s.next(r)) {
        if (auto* t = std::get_if<result::trace>(&r)) {
            b.traces.push_back(std::move(*t));
        } else if (auto* p = std::get_if<result::ping>(&r)) {
            b.pings.push_back(std::move(*p));
        } else {
            b.issues.push_back(std::get<record_issue>(r));
        }
    }
    return b;
}

void check_same(const result_batch& a, const result_batch& b) {
    REQUIRE(a.traces.size() == b.traces.size());
    for (std::size_t i = 0; i < a.traces.size(); ++i) {
        CHECK(a.traces[i] == b.traces[i]);
    }
    CHECK(a.pings == b.pings);
    REQUIRE(a.issues.size() == b.issues.size());
    for (std::size_t i = 0; i < a.issues.size(); ++i) {
        // The same record, line and message (the file names differ for the gzip copy).
        CHECK(a.issues[i].line == b.issues[i].line);
        CHECK(a.issues[i].element == b.issues[i].element);
        CHECK(a.issues[i].message == b.issues[i].message);
        CHECK(a.issues[i].unsupported == b.issues[i].unsupported);
    }
}

} // namespace

TEST_CASE("result_stream: JSON lines across 1 MiB chunks, plain and gzip, as read whole") {
    // About 2.5 MiB: lines cross the chunk boundaries; bad lines keep their numbers; the last
    // line has no newline.
    std::string text;
    int lines = 0;
    while (text.size() < (5u << 19)) {
        ++lines;
        text += lines % 97 == 0 ? std::string("{\"type\":\"traceroute\",,}") : trace_line(lines);
        text += "\n";
    }
    text += trace_line(lines + 1);
    tumen::test::temp_file plain(text, ".jsonl");
    const auto whole = read_results_file(plain.path);
    CHECK(whole.traces.size() > 500);
    CHECK(whole.issues.size() == static_cast<std::size_t>(lines / 97));
    check_same(drain(plain.path), whole);

    tumen::test::temp_file gz("", ".jsonl.gz");
    gzFile f = gzopen(gz.path.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(gzwrite(f, text.data(), static_cast<unsigned>(text.size())) ==
            static_cast<int>(text.size()));
    gzclose(f);
    check_same(drain(gz.path), whole);
}

TEST_CASE("result_stream: other layouts and unreadable files as read_results_file") {
    const std::string array = "[" + trace_line(1) + "," + trace_line(2) + ", 3]";
    const std::string wrapped = "{\"results\": [" + trace_line(1) + "]}";
    const std::string pretty = "{\n  \"results\": [" + trace_line(1) + "]\n}\n";
    for (const auto& text : {array, wrapped, pretty, std::string("\n\n"), std::string()}) {
        tumen::test::temp_file f(text, ".json");
        check_same(drain(f.path), read_results_file(f.path));
    }
    const auto missing = drain("/nonexistent/results.jsonl");
    REQUIRE(missing.issues.size() == 1);
    CHECK(missing.issues[0].to_string() ==
          read_results_file("/nonexistent/results.jsonl").issues[0].to_string());
}
