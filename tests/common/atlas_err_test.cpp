// The Atlas `err` field: written exactly as RIPE Atlas' probe firmware writes it for each
// ICMP unreachable code, read back from Atlas' form and from older tumen letters.
#include <optional>
#include <string>

#include <doctest/doctest.h>

#include <tumen/common/atlas_err.hpp>
#include <tumen/common/result_json.hpp>

using namespace tumen;
using namespace tumen::result;

TEST_CASE("err_of_unreachable writes Atlas' letters, else the code") {
    struct row {
        std::uint8_t code;
        bool end_of_trace;
        const char* err;
    };
    const row rows[] = {
        {0, false, "N"},   // net unreachable
        {1, false, "H"},   // host unreachable
        {2, false, "P"},   // protocol unreachable
        {3, false, "p"},   // port unreachable from another address than the destination
        {3, true, ""},     // port unreachable ending a UDP trace: no err
        {13, false, "A"},  // communication administratively prohibited (was "X")
        {4, false, "4"},   // fragmentation needed: Atlas writes `mtu`, tumen the code
        {5, false, "5"},   // source route failed (was "S")
        {6, false, "6"},   // the RFC 1122 codes have no Atlas letter (were "N"/"H"/"A")
        {7, false, "7"},   //
        {9, false, "9"},   //
        {10, false, "10"}, //
        {12, false, "12"}, //
        {14, false, "14"}, // host precedence violation (was "V")
        {15, false, "15"}, // precedence cutoff (was "C")
        {16, false, "16"}, // unassigned
        {255, false, "255"}, {1, true, "H"}, // only a port unreachable can end a trace without err
    };
    for (const auto& r : rows) {
        CAPTURE(int{r.code});
        CAPTURE(r.end_of_trace);
        CHECK(err_of_unreachable(r.code, r.end_of_trace) == r.err);
    }
}

TEST_CASE("code_of_err reads Atlas letters, older tumen letters and numbers") {
    struct row {
        const char* err;
        std::optional<std::uint8_t> code;
    };
    const row rows[] = {
        {"N", 0}, {"H", 1},  {"P", 2},    {"p", 3},     {"A", 13},  {"X", 13},    {"F", 4},
        {"S", 5}, {"V", 14}, {"C", 15},   {"0", 0},     {"9", 9},   {"255", 255}, {"h", {}},
        {"", {}}, {"Z", {}}, {"256", {}}, {"1234", {}}, {"9a", {}}, {"NH", {}},
    };
    for (const auto& r : rows) {
        CAPTURE(r.err);
        CHECK(code_of_err(r.err) == r.code);
    }
    // Every code tumen writes reads back as itself.
    for (int code = 0; code < 256; ++code) {
        CAPTURE(code);
        const auto c = static_cast<std::uint8_t>(code);
        CHECK(code_of_err(err_of_unreachable(c, false)) == std::optional<std::uint8_t>(c));
    }
    CHECK(err_is_numeric("13"));
    CHECK_FALSE(err_is_numeric("A"));
    CHECK_FALSE(err_is_numeric(""));
    CHECK_FALSE(err_is_numeric("300"));
}

namespace {

trace unreachable_trace(const std::string& err, std::uint8_t code) {
    trace t;
    t.id = "t-1";
    t.agent = "fra";
    t.dst = *ipv4_addr::parse("198.18.200.1");
    t.src = *ipv4_addr::parse("198.18.1.10");
    t.proto = "UDP";
    t.method = "udp-paris";
    hop h;
    h.ttl = 3;
    hop_reply r;
    r.from = *ipv4_addr::parse("198.18.64.3");
    r.rtt_ms = 1.5;
    r.icmp_type = 3;
    r.icmp_code = code;
    r.err = err;
    h.replies.push_back(r);
    t.hops.push_back(h);
    return t;
}

} // namespace

TEST_CASE("the JSON writer puts letters as strings and codes as numbers, as Atlas does") {
    struct row {
        const char* err;
        std::uint8_t code;
        const char* json_err; // as it appears in the JSON text
    };
    const row rows[] = {{"A", 13, R"("err":"A")"},
                        {"p", 3, R"("err":"p")"},
                        {"9", 9, R"("err":9)"},
                        {"4", 4, R"("err":4)"}};
    for (const auto& r : rows) {
        CAPTURE(r.err);
        const trace t = unreachable_trace(r.err, r.code);
        const std::string text = to_json(t).dump();
        CHECK(text.find(r.json_err) != std::string::npos);
        auto back = parse_trace_text(text);
        REQUIRE(back.ok());
        CHECK(*back == t);
    }
}

TEST_CASE("the parser infers the ICMP code from Atlas and older tumen letters") {
    // Atlas records carry no icmp_type/icmp_code: both come from `err` (string or number).
    struct row {
        const char* err_json;
        const char* err;
        std::uint8_t code;
    };
    const row rows[] = {{R"("A")", "A", 13},  {R"("p")", "p", 3},  {R"("N")", "N", 0},
                        {"9", "9", 9},        {R"("X")", "X", 13}, {R"("F")", "F", 4},
                        {R"("13")", "13", 13}};
    for (const auto& r : rows) {
        CAPTURE(r.err_json);
        const std::string text =
            std::string(R"({"af":4,"dst_addr":"198.18.200.1","src_addr":"198.18.1.10",)") +
            R"("proto":"UDP","timestamp":1,"prb_id":7,"msm_id":9,"type":"traceroute",)" +
            R"("result":[{"hop":3,"result":[{"from":"198.18.64.3","rtt":1.0,"size":56,)" +
            R"("ttl":250,"err":)" + r.err_json + "}]}]}";
        auto t = parse_trace_text(text, parse_options{false});
        REQUIRE_MESSAGE(t.ok(), (t.ok() ? "" : t.error().message()));
        const auto& rep = t->hops[0].replies[0];
        CHECK(rep.err == r.err);
        CHECK(rep.icmp_type == 3);
        CHECK(rep.icmp_code == r.code);
    }
}
