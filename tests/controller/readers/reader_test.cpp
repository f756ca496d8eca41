#include <doctest/doctest.h>

#include <tumen/common/result_json.hpp>
#include <tumen/controller/readers/reader.hpp>

#include "trace_builder.hpp"

using namespace tumen;
using namespace tumen::controller::readers;

namespace {
std::string tumen_line(const char* agent, std::int64_t time) {
    auto t = tumen::test::make_trace("198.18.1.10", "198.19.176.1",
                                     {{{"198.18.1.1"}}, {{"198.18.48.1"}}, {{"198.19.176.1"}}},
                                     agent, time);
    return result::to_json(t).dump();
}
} // namespace

TEST_CASE("tumen JSON lines: good records kept, bad ones reported with their line") {
    std::string text =
        tumen_line("fra", 1) + "\n" + "{\"type\":\"traceroute\",,}\n" + "\n" +
        tumen_line("fra", 2) + "\n" + "[1,2]\n" +
        R"({"type":"traceroute","id":"x","agent":"fra","method":"udp-paris","dst_addr":"198.19.176.1","src_addr":"198.18.1.10","proto":"UDP","timestamp":5,"result":[{"hop":1,"result":[{"from":"198.18.1.1","rtt":"slow"}]}]})" +
        "\n" + R"({"type":"bogus"})" + "\n" + tumen_line("fra", 3) + "\n";
    auto b = read_results_text(text, "r.jsonl");
    CHECK(b.traces.size() == 3);
    REQUIRE(b.issues.size() == 4);
    CHECK(b.error_count() == 4);
    CHECK(b.issues[0].line == 2);
    CHECK(b.issues[0].to_string().rfind("r.jsonl:2: error: invalid JSON", 0) == 0);
    CHECK(b.issues[1].line == 5);
    CHECK(b.issues[2].line == 6);
    CHECK(b.issues[2].message.find("result[0].result[0].rtt") != std::string::npos);
    CHECK(b.issues[3].line == 7);
    CHECK(b.traces[2].timestamp == 3);
}

TEST_CASE("files: deep nesting and repeated keys are an issue with their line, never a crash") {
    // A record with a field nested 100,000 levels deep between two good records.
    const std::string deep = R"({"type":"traceroute","x":)" + std::string(100000, '[') +
                             std::string(100000, ']') + "}";
    auto lines = read_results_text(
        tumen_line("fra", 1) + "\n" + deep + "\n" + R"({"type":"ping","type":"traceroute"})" +
            "\n" + tumen_line("fra", 2) + "\n",
        "d.jsonl");
    CHECK(lines.traces.size() == 2);
    REQUIRE(lines.issues.size() == 2);
    CHECK(lines.issues[0].line == 2);
    CHECK(lines.issues[0].message.find("nested deeper than 64") != std::string::npos);
    CHECK(lines.issues[1].line == 3);
    CHECK(lines.issues[1].message.find("key repeated") != std::string::npos);

    auto whole = read_results_text("[" + deep + "]", "d.json");
    CHECK(whole.traces.empty());
    REQUIRE(whole.issues.size() == 1);
    CHECK(whole.issues[0].message.find("nested deeper than 64") != std::string::npos);
}

TEST_CASE("array and {results: [...]} layouts; Atlas records get agent from prb_id") {
    std::string atlas = R"({"af":4,"dst_addr":"198.51.100.7","src_addr":"192.0.2.10","proto":"ICMP",
        "timestamp":7,"prb_id":77,"msm_id":5,"type":"traceroute",
        "result":[{"hop":1,"result":[{"from":"192.0.2.1","rtt":1.5,"size":56,"ttl":64}]}]})";
    std::string v6 =
        R"({"af":6,"dst_addr":"2001:db8::1","type":"traceroute","prb_id":1,"timestamp":1,"result":[]})";
    auto arr = read_results_text("[" + atlas + "," + v6 + ", 42]", "a.json");
    REQUIRE(arr.traces.size() == 1);
    CHECK(arr.traces[0].agent == "77");
    CHECK(arr.traces[0].method == "icmp-paris");
    REQUIRE(arr.issues.size() == 2);
    CHECK(arr.issues[0].unsupported);
    CHECK(arr.issues[0].element == "[1]");
    CHECK_FALSE(arr.issues[1].unsupported);
    CHECK(arr.error_count() == 1);
    auto wrapped = read_results_text("{\"meta\": {}, \"results\": [" + atlas + "]}", "w.json");
    CHECK(wrapped.traces.size() == 1);
    CHECK(wrapped.issues.empty());
    auto broken = read_results_text("[" + atlas + ",\n{\"a\": }]", "b.json");
    CHECK(broken.traces.empty());
    REQUIRE(broken.issues.size() == 1);
    CHECK(broken.issues[0].line == 4); // the Atlas record spans lines 1-3
}

TEST_CASE("pings are read too") {
    result::ping p;
    p.id = "p1";
    p.agent = "fra";
    p.method = "icmp";
    p.dst = *ipv4_addr::parse("198.19.176.1");
    p.src = *ipv4_addr::parse("198.18.1.10");
    p.sent = 2;
    p.received = 1;
    p.rtts_ms = {40.0, std::nullopt};
    auto b = read_results_text(result::to_json(p).dump() + "\n", "p.jsonl");
    REQUIRE(b.pings.size() == 1);
    CHECK(b.pings[0] == p);
}

TEST_CASE("scamper trace with metadata and cycle lines") {
    std::string text =
        R"({"UUID":"lab-uuid-1","TracerouteCallerVersion":"x","CachedResult":false,"CachedUUID":""})"
        "\n"
        R"({"type":"cycle-start", "list_name":"default", "id":0, "hostname":"vp-lab", "start_time":1})"
        "\n"
        R"({"type":"trace","version":"0.1","method":"udp-paris","src":"198.18.1.10","dst":"198.19.176.1","icmp_sum":77,"stop_reason":"COMPLETED","start":{"sec":100,"usec":0},"attempts":2,"firsthop":1,"hops":[)"
        R"({"addr":"198.18.1.1","probe_ttl":1,"rtt":0.1,"reply_ttl":64,"reply_size":56,"icmp_type":11,"icmp_code":0,"icmp_q_ttl":1},)"
        R"({"addr":"198.18.64.3","probe_ttl":3,"rtt":40.1,"reply_ttl":62,"reply_size":56,"icmp_type":11,"icmp_code":0,"icmp_ext":[{"ie_cn":1,"ie_ct":1,"mpls_ext":[{"mpls_ttl":1,"mpls_s":1,"mpls_exp":0,"mpls_label":16003}]}]},)"
        R"({"addr":"198.19.176.1","probe_ttl":4,"rtt":40.5,"reply_ttl":61,"reply_size":56,"icmp_type":3,"icmp_code":3}]})"
        "\n"
        R"({"type":"cycle-stop", "list_name":"default", "id":0, "hostname":"vp-lab", "stop_time":2})"
        "\n";
    auto b = read_results_text(text, "s.jsonl");
    CHECK(b.issues.empty());
    REQUIRE(b.traces.size() == 1);
    const auto& t = b.traces[0];
    CHECK(t.id == "lab-uuid-1");
    CHECK(t.agent == "vp-lab");
    CHECK(t.method == "udp-paris");
    CHECK(t.paris_id == 77);
    CHECK(t.stop == result::stop_reason::completed);
    REQUIRE(t.hops.size() == 4);
    CHECK(t.hops[1].ttl == 2);
    REQUIRE(t.hops[1].replies.size() == 2); // silent hop filled with `attempts` timeouts
    CHECK(t.hops[1].replies[0].timeout);
    REQUIRE(t.hops[2].replies[0].mpls.size() == 1);
    CHECK(t.hops[2].replies[0].mpls[0].label == 16003);
    CHECK(*t.hops[0].replies[0].quoted_ttl == 1);
}

TEST_CASE("traceroute text output, with ECMP continuation lines and annotations") {
    const char* text = "traceroute to 198.19.176.1 (198.19.176.1), 30 hops max, 60 byte packets\n"
                       " 1  198.18.1.1 (198.18.1.1)  0.100 ms  0.090 ms  0.080 ms\n"
                       " 2  * * *\n"
                       " 3  cu3a.example (198.18.64.3)  40.100 ms\n"
                       "    198.18.64.4 (198.18.64.4)  40.200 ms  40.300 ms\n"
                       " 4  198.19.176.1  40.500 ms !X  *  40.400 ms\n";
    auto b = read_traceroute_text(text, "t.txt", "vp");
    CHECK(b.issues.empty());
    REQUIRE(b.traces.size() == 1);
    const auto& t = b.traces[0];
    CHECK(t.agent == "vp");
    CHECK(t.dst.to_string() == "198.19.176.1");
    REQUIRE(t.hops.size() == 4);
    CHECK(t.hops[1].replies.size() == 3);
    CHECK(t.hops[1].replies[2].timeout);
    REQUIRE(t.hops[2].replies.size() == 3);
    CHECK(t.hops[2].replies[0].from.to_string() == "198.18.64.3");
    CHECK(t.hops[2].replies[2].from.to_string() == "198.18.64.4");
    REQUIRE(t.hops[3].replies.size() == 3);
    CHECK(t.hops[3].replies[0].err == "A");
    CHECK(t.hops[3].replies[0].icmp_code == 13);
    CHECK(t.hops[3].replies[1].timeout);
    CHECK(t.stop == result::stop_reason::completed);
    // Auto-detected by read_results_text too.
    CHECK(read_results_text(text, "t.txt").traces.size() == 1);
}

TEST_CASE("traceroute(8) annotations are stored with RIPE Atlas' err") {
    struct row {
        const char* mark;
        std::uint8_t code;
        const char* err;
    };
    const row rows[] = {{"!N", 0, "N"},  {"!H", 1, "H"},   {"!P", 2, "P"},
                        {"!X", 13, "A"}, {"!A", 13, "A"},  {"!F", 4, "4"},
                        {"!S", 5, "5"},  {"!V", 14, "14"}, {"!C", 15, "15"}};
    for (const auto& r : rows) {
        CAPTURE(r.mark);
        const std::string text =
            std::string("traceroute to 198.19.176.1 (198.19.176.1), 30 hops max\n"
                        " 1  198.18.1.1  0.100 ms ") +
            r.mark + "\n";
        auto b = read_traceroute_text(text, "t.txt", "vp");
        REQUIRE(b.traces.size() == 1);
        REQUIRE(b.traces[0].hops.size() == 1);
        const auto& rep = b.traces[0].hops[0].replies[0];
        CHECK(rep.icmp_type == 3);
        CHECK(rep.icmp_code == r.code);
        CHECK(rep.err == r.err);
    }
}

TEST_CASE("unreadable file gives one issue, no throw") {
    auto b = read_results_file("/nonexistent/results.json");
    CHECK(b.traces.empty());
    REQUIRE(b.issues.size() == 1);
    CHECK(b.error_count() == 1);
}
