// RIPE Atlas traceroutes as JSON lines on the public real data: the lines are read on demand
// (readers/src/atlas_ondemand.cpp) and, in a stream, on worker threads; the same records as a
// JSON array go through the tree parser. Both must give the same traces and issues, for the
// real records and for records changed in every way the fast read must decline.
#include <fstream>
#include <random>
#include <sstream>
#include <variant>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/readers/reader.hpp>

#include "atlas_records.hpp"
#include "real_data.hpp"
#include "temp_file.hpp"

/// This binary needs the RIPE Atlas files of the real data (real_data_main.cpp skips it when
/// absent).
const char* const tumen::test::real_data_subdir = "atlas";

using namespace tumen;
using namespace tumen::controller::readers;

namespace {

using tumen::test::real_atlas_records;

/// The records as JSON lines and as one JSON array, read back.
void check_lines_as_array(const std::vector<std::string>& records) {
    std::string lines;
    std::string array = "[";
    for (const auto& r : records) {
        lines += r + "\n";
        array += (array.size() > 1 ? ",\n" : "\n") + r;
    }
    const auto by_line = read_results_text(lines, "l.ndjson");
    const auto whole = read_results_text(array + "]", "a.json");
    REQUIRE(by_line.traces.size() == whole.traces.size());
    for (std::size_t i = 0; i < whole.traces.size(); ++i) {
        CHECK(by_line.traces[i] == whole.traces[i]);
    }
    REQUIRE(by_line.issues.size() == whole.issues.size());
    for (std::size_t i = 0; i < whole.issues.size(); ++i) {
        CAPTURE(by_line.issues[i].to_string());
        CAPTURE(whole.issues[i].to_string());
        CHECK(by_line.issues[i].unsupported == whole.issues[i].unsupported);
        // The line of each issue is the element of the array.
        CHECK(whole.issues[i].element == "[" + std::to_string(by_line.issues[i].line - 1) + "]");
    }
}

/// `text` with the first `from` replaced by `to` (unchanged when absent).
std::string replace(std::string text, const std::string& from, const std::string& to) {
    if (auto at = text.find(from); at != std::string::npos) {
        text.replace(at, from.size(), to);
    }
    return text;
}

} // namespace

TEST_CASE("Atlas traceroute lines: the on-demand read gives the tree parser's records") {
    const auto records = real_atlas_records();
    REQUIRE(records.size() > 100);
    check_lines_as_array(records);
    const auto read = read_results_text(records[0] + "\n", "one.ndjson");
    REQUIRE(read.traces.size() == 1);
    CHECK(read.traces[0].agent == "190");
    CHECK(read.traces[0].id == "atlas-1000157-190-1340329190");
    CHECK(read.traces[0].method == "udp-paris");
}

TEST_CASE("Atlas traceroute lines: changed records are read as the tree parser reads them") {
    // Every change below either keeps the record valid in a way the fast read does not take
    // (so it declines and the strict path reads it) or makes it invalid (an issue). Malformed
    // JSON and repeated keys would refuse the whole array: see the next test cases.
    const std::vector<std::pair<std::string, std::string>> changes{
        {R"("hop":1,)", R"("hop":1.0,)"},      // integral double
        {R"("hop":2,)", R"("hop":1,)"},        // hops out of order
        {R"("rtt":)", R"("rtt":"slow","x":)"}, // wrong type
        // Decimals of more than 19 digits (simdjson 3.0.1's get_number() reads them as 0).
        {R"("rtt":)", R"("rtt":12.000000343999999999999,"r":)"},
        {R"("rtt":)", R"("rtt":205799994.690000000000001,"r":)"}, // over an hour
        {R"("rtt":)", R"("late":1,"rtt":)"},                      // late reply
        {R"("from":")", R"("from":"x)"},                          // not an address
        {R"("x":"*")", R"("x":"*","rtt":-1)"},                    // ignored in a timeout
        {R"("type":"traceroute")", R"("type":"traceroute","id":"i","agent":"a")"},
        {R"("prb_id":)", R"("prb_id":-)"},            // negative probe
        {R"("paris_id":)", R"("paris_id":[1],"p":)"}, // wrong type
        {R"("timestamp":)", R"("stop_reason":"COMPLETED","timestamp":)"},
        {R"("result":[{)", R"("result":[{"deep":[[[[[[[[[[[[[[]]]]]]]]]]]]]],)"},
        {R"("obj":[)", R"("obj":[{"class":1,"type":1,"mpls":[{"label":99}]},)"},
        {R"("mpls":[{)", R"("mpls":[{"label":-1},{)"},            // label out of range
        {R"("src_addr":")", R"("src_addr":"","s":")"},            // no source
        {R"("dst_addr":")", R"("dst_addr":"2001:db8::1","d":")"}, // IPv6 destination
        {R"("af":4)", R"("af":6)"},                               // IPv6 record
        {R"("af":6)", R"("af":4)"},                               // IPv6 read as IPv4
    };
    const auto originals = real_atlas_records();
    std::vector<std::string> changed;
    for (const auto& [from, to] : changes) {
        for (std::size_t i = 0; i < originals.size(); i += 7) {
            changed.push_back(replace(originals[i], from, to));
        }
    }
    // Unknown members of any type, nested, after the known ones: read and checked.
    const auto& last = originals[originals.size() / 2];
    changed.push_back(last.substr(0, last.size() - 1) + R"(,"k":{"a":[1,{"b":null},"\u00e9"]}})");
    check_lines_as_array(changed);
}

TEST_CASE("Atlas lines: a malformed record mid-file names its line and field; the next lines "
          "are read, in a stream on worker threads as read whole") {
    const auto records = real_atlas_records();
    std::string text;
    std::size_t line = 0;
    std::vector<std::size_t> bad_lines;
    // About 3 MiB: the stream reads it in several chunks.
    while (text.size() < (3u << 20)) {
        for (std::size_t i = 0; i < 22; ++i) {
            ++line;
            if (line % 1000 == 0) {
                // The first record is IPv4 and its first reply has an rtt.
                text += replace(records[0], R"("rtt":)", R"("rtt":"slow","x0":)") + "\n";
                bad_lines.push_back(line);
            } else if (line % 1000 == 500) {
                text += records[i].substr(0, records[i].size() / 2) + "\n"; // cut short
                bad_lines.push_back(line);
            } else {
                text += records[i] + "\n";
            }
        }
    }
    tumen::test::temp_file file(text, ".ndjson");
    const auto whole = read_results_file(file.path);
    CHECK(whole.traces.size() > 500);
    REQUIRE(whole.error_count() == bad_lines.size());
    std::vector<record_issue> errors;
    for (const auto& i : whole.issues) {
        if (!i.unsupported) {
            errors.push_back(i);
        }
    }
    for (std::size_t k = 0; k < errors.size(); ++k) {
        CHECK(errors[k].line == bad_lines[k]);
        if (bad_lines[k] % 1000 == 0) {
            CHECK(
                errors[k].message.find("traceroute: result[0].result[0].rtt: expected a number") !=
                std::string::npos);
        } else {
            CHECK(errors[k].message.find("invalid JSON") != std::string::npos);
        }
    }
    // The stream, on 2 worker threads, on 1 (the caller parses chunks too while it waits) and
    // on the caller's only: the same records and issues in the same order.
    for (unsigned threads : {2u, 1u, 0u}) {
        CAPTURE(threads);
        result_stream stream(file.path, threads);
        result_record r;
        std::size_t traces = 0;
        std::size_t issues = 0;
        while (stream.next(r)) {
            if (auto* t = std::get_if<result::trace>(&r)) {
                REQUIRE(traces < whole.traces.size());
                CHECK(*t == whole.traces[traces++]);
            } else if (auto* i = std::get_if<record_issue>(&r)) {
                REQUIRE(issues < whole.issues.size());
                CHECK(i->line == whole.issues[issues].line);
                CHECK(i->message == whole.issues[issues++].message);
            }
        }
        CHECK(traces == whole.traces.size());
        CHECK(issues == whole.issues.size());
    }
}

TEST_CASE("Atlas lines: malformed JSON or a repeated key is an issue of its line; the next line "
          "is read") {
    const auto records = real_atlas_records();
    const std::string good = records[0];
    const std::vector<std::string> bad{
        good + " x",                                           // trailing content
        good + " {}",                                          // two objects
        replace(good, R"("fw":)", R"("fw":1,"fw":)"),          // repeated unknown key
        replace(good, R"("ttl":)", R"("q":[1],"q":2,"ttl":)"), // repeated, in a reply
        "\xEF\xBB\xBF" + good,                                 // byte order mark
        replace(good, R"("size":)", R"("size":1e400,"y":)"),   // number beyond a double
        replace(good, R"("rtt":)", R"("rtt":-,"y":)"),         // not a number
        replace(good, R"("from":")", R"("from":"\q)"),         // bad escape
        good.substr(0, good.size() - 1),                       // unclosed
        replace(good, R"("af":4,)", R"("af":4,"af":4,)"),      // repeated key
        replace(good, R"("ttl":)", R"("t\u0074l":1,"ttl":)"),  // repeated key, escaped
    };
    for (const auto& b : bad) {
        CAPTURE(b.substr(0, 80));
        const auto read = read_results_text(good + "\n" + b + "\n" + good + "\n", "m.ndjson");
        CHECK(read.traces.size() == 2);
        REQUIRE(read.issues.size() == 1);
        CHECK(read.issues[0].line == 2);
        CHECK_FALSE(read.issues[0].unsupported);
    }
}

TEST_CASE("Atlas lines: traces given back to a stream on threads leave the rest as one thread "
          "reads them") {
    // About 2.4 MB: the worker threads refill their chunks (freeing the traces given back)
    // while the caller still holds traces of earlier chunks.
    const auto records = real_atlas_records();
    std::string text;
    for (int copy = 0; copy < 40; ++copy) {
        for (std::size_t i = 0; i < 22; ++i) {
            text += records[i] + "\n";
        }
    }
    tumen::test::temp_file file(text, ".ndjson");
    const auto read = [&file](unsigned threads) {
        std::vector<result::trace> traces;
        std::size_t issues = 0;
        result_stream stream(file.path, threads);
        result_record r;
        while (stream.next(r)) {
            if (auto* t = std::get_if<result::trace>(&r)) {
                traces.push_back(*t);
                stream.recycle(std::move(*t));
            } else {
                ++issues;
            }
        }
        return std::make_pair(traces, issues);
    };
    const auto [one, one_issues] = read(0);
    CHECK(one.size() == 40 * 13);
    // 1 worker: the caller refills chunks too (parallel_lines::help), freeing traces it gave back.
    for (unsigned threads : {2u, 1u}) {
        CAPTURE(threads);
        const auto [threaded, threaded_issues] = read(threads);
        CHECK(one_issues == threaded_issues);
        REQUIRE(one.size() == threaded.size());
        for (std::size_t i = 0; i < one.size(); ++i) {
            CHECK(one[i] == threaded[i]);
        }
    }
}

TEST_CASE("Atlas lines: a stream left after its first record stops its threads") {
    const auto records = real_atlas_records();
    std::string text;
    while (text.size() < (2u << 20)) {
        text += records[0] + "\n";
    }
    tumen::test::temp_file file(text, ".ndjson");
    result_stream stream(file.path, 2);
    result_record r;
    REQUIRE(stream.next(r));
    CHECK(std::holds_alternative<result::trace>(r));
} // the destructor joins the workers, which wait for room ahead of the consumer

TEST_CASE("Atlas lines: random changes of the real records are read as the tree parser reads "
          "them") {
    // Each changed record alone, as a line and as a one-element array: the same trace or
    // the same kind of issue (an array refused as a whole is one issue, as its line is).
    const auto records = real_atlas_records();
    std::mt19937 rng(15);
    std::size_t traces = 0;
    for (int iter = 0; iter < 4000; ++iter) {
        const std::string r = test::mutate(records[rng() % 22], rng); // a sagan line
        if (r.find('\n') != std::string::npos ||
            r.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        const auto line = read_results_text(r + "\n", "r.ndjson");
        const auto array = read_results_text("[" + r + "]", "r.json");
        if (array.traces.size() + array.issues.size() > 1) {
            continue; // the change split the record in two: "{...},{...}" is two elements
        }
        CAPTURE(r);
        REQUIRE(line.traces.size() == array.traces.size());
        if (!line.traces.empty()) {
            CHECK(line.traces[0] == array.traces[0]);
            ++traces;
        }
        REQUIRE(line.issues.size() == array.issues.size());
        if (!line.issues.empty()) {
            CHECK(line.issues[0].unsupported == array.issues[0].unsupported);
        }
    }
    CHECK(traces > 100);
}
