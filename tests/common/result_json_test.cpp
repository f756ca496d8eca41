#include <doctest/doctest.h>

#include <tumen/common/result_json.hpp>

using namespace tumen;
using namespace tumen::result;

namespace {
ipv4_addr addr(const char* s) {
    return *ipv4_addr::parse(s);
}

trace sample_trace() {
    trace t;
    t.id = "fra-42";
    t.agent = "fra";
    t.campaign = "lab-border";
    t.dst = addr("198.51.100.7");
    t.src = addr("192.0.2.10");
    t.proto = "UDP";
    t.method = "udp-paris";
    t.paris_id = 4242;
    t.timestamp = 1506816000;
    t.endtime = 1506816003;
    t.stop = stop_reason::completed;
    hop h1;
    h1.ttl = 1;
    hop_reply r1;
    r1.from = addr("192.0.2.1");
    r1.rtt_ms = 0.25;
    r1.size = 56;
    r1.ttl = 64;
    r1.icmp_type = 11;
    r1.quoted_ttl = 1;
    h1.replies.push_back(r1);
    hop_reply lost;
    lost.timeout = true;
    h1.replies.push_back(lost);
    hop h2;
    h2.ttl = 2;
    hop_reply r2;
    r2.from = addr("203.0.113.9");
    r2.rtt_ms = 20.5;
    r2.size = 168;
    r2.ttl = 253;
    r2.icmp_type = 11;
    r2.mpls = {mpls_entry{407904, 1, true, 1}};
    r2.nat = true;
    r2.late = true;
    h2.replies.push_back(r2);
    hop h3;
    h3.ttl = 3;
    hop_reply r3;
    r3.from = addr("198.51.100.7");
    r3.rtt_ms = 40.125;
    r3.size = 56;
    r3.ttl = 61;
    r3.icmp_type = 3;
    r3.icmp_code = 3;
    r3.err = "p";
    h3.replies.push_back(r3);
    t.hops = {h1, h2, h3};
    return t;
}
} // namespace

TEST_CASE("trace JSON round-trips and uses the Atlas layout") {
    trace t = sample_trace();
    auto j = to_json(t);
    CHECK(j["type"] == "traceroute");
    CHECK(j["dst_addr"] == "198.51.100.7");
    CHECK(j["result"][0]["hop"] == 1);
    CHECK(j["result"][0]["result"][1]["x"] == "*");
    CHECK(j["result"][1]["result"][0]["icmpext"]["obj"][0]["mpls"][0]["label"] == 407904);
    CHECK(j["result"][1]["result"][0]["icmpext"]["obj"][0]["class"] == 1);
    CHECK(j["stop_reason"] == "completed");
    auto back = parse_trace_text(j.dump());
    REQUIRE_MESSAGE(back.ok(), (back.ok() ? "" : back.error().message()));
    CHECK(*back == t);
}

TEST_CASE("watch markers: written only when set, optional and checked on input") {
    trace t = sample_trace();
    auto plain = to_json(t);
    CHECK_FALSE(plain.contains("trigger"));
    CHECK_FALSE(plain.contains("confirmation"));
    t.trigger = trigger_watch;
    t.confirmation = true;
    auto j = to_json(t);
    CHECK(j["trigger"] == "watch");
    CHECK(j["confirmation"] == true);
    auto back = parse_trace(j);
    REQUIRE(back.ok());
    CHECK(*back == t);
    // An older result without the markers is a round's trace.
    auto old = parse_trace(plain);
    REQUIRE(old.ok());
    CHECK(old->trigger.empty());
    CHECK_FALSE(old->confirmation);
    const std::vector<std::pair<std::string, nlohmann::json>> bad = {
        {"trigger", "cron"}, {"trigger", 1}, {"confirmation", "yes"}};
    for (const auto& [key, value] : bad) {
        auto b = j;
        b[key] = value;
        auto r = parse_trace(b);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == key);
    }
    auto lone = plain;
    lone["confirmation"] = true;
    auto r = parse_trace(lone);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().where == "confirmation");
}

TEST_CASE("ping JSON round-trips with Atlas min/avg/max") {
    ping p;
    p.id = "tyo-1";
    p.agent = "tyo";
    p.campaign = "c";
    p.dst = addr("198.51.100.7");
    p.src = addr("192.0.2.10");
    p.method = "icmp";
    p.timestamp = 1000;
    p.sent = 3;
    p.received = 2;
    p.rtts_ms = {10.0, std::nullopt, 20.0};
    auto j = to_json(p);
    CHECK(j["type"] == "ping");
    CHECK(j["min"] == 10.0);
    CHECK(j["avg"] == 15.0);
    CHECK(j["max"] == 20.0);
    CHECK(j["rcvd"] == 2);
    auto back = parse_ping(j);
    REQUIRE(back.ok());
    CHECK(*back == p);

    p.received = 0;
    p.rtts_ms = {std::nullopt};
    p.sent = 1;
    CHECK(to_json(p)["min"] == -1.0);
}

TEST_CASE("trace parser names the offending field") {
    auto j = to_json(sample_trace());
    SUBCASE("wrong type deep inside") {
        j["result"][2]["result"][0]["rtt"] = "fast";
        auto r = parse_trace(j);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "result[2].result[0].rtt");
    }
    SUBCASE("bad address") {
        j["result"][0]["result"][0]["from"] = "192.0.2.300";
        auto r = parse_trace(j);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "result[0].result[0].from");
    }
    SUBCASE("missing tumen field in strict mode, allowed for Atlas") {
        j.erase("agent");
        j["prb_id"] = 1234;
        auto r = parse_trace(j);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "agent");
        auto atlas = parse_trace(j, parse_options{false});
        REQUIRE(atlas.ok());
        CHECK(atlas->agent == "1234");
    }
    SUBCASE("hop out of range") {
        j["result"][1]["hop"] = 256;
        auto r = parse_trace(j);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "result[1].hop");
    }
    SUBCASE("IPv6 results are refused clearly") {
        j["af"] = 6;
        auto r = parse_trace(j);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "af");
    }
    SUBCASE("unknown stop reason") {
        j["stop_reason"] = "bored";
        auto r = parse_trace(j);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "stop_reason");
    }
    SUBCASE("MPLS label too large") {
        j["result"][1]["result"][0]["icmpext"]["obj"][0]["mpls"][0]["label"] = 1 << 20;
        auto r = parse_trace(j);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().where == "result[1].result[0].icmpext.obj[0].mpls[0].label");
    }
    SUBCASE("not an object") {
        CHECK_FALSE(parse_trace(nlohmann::json::array()).ok());
    }
}

namespace {

/// A hop object `{"hop": ttl, "result": [replies x {"x":"*"}]}`.
nlohmann::json timeout_hop(int ttl, std::size_t replies = 1) {
    auto r = nlohmann::json::array();
    for (std::size_t i = 0; i < replies; ++i) {
        r.push_back({{"x", "*"}});
    }
    return {{"hop", ttl}, {"result", r}};
}

struct hops_case {
    const char* name;
    nlohmann::json hops;
    std::string where; ///< "" when accepted
    std::string what;  ///< the error text when refused
};

nlohmann::json hops_of(std::initializer_list<nlohmann::json> hops) {
    return nlohmann::json(hops);
}

nlohmann::json many_hops(std::size_t n) {
    auto a = nlohmann::json::array();
    for (std::size_t i = 0; i < n; ++i) {
        a.push_back(timeout_hop(static_cast<int>(i % 255) + 1));
    }
    return a;
}

} // namespace

TEST_CASE("trace parser bounds hops and replies and checks hop order (issue 12, defect 12)") {
    const hops_case cases[] = {
        {"increasing with gaps", hops_of({timeout_hop(1), timeout_hop(3), timeout_hop(9)}), "", ""},
        {"255 hops", many_hops(255), "", ""},
        {"256 hops", many_hops(256), "result", "256 hops (at most 255)"},
        {"64 replies", hops_of({timeout_hop(1, 64)}), "", ""},
        {"65 replies", hops_of({timeout_hop(1), timeout_hop(2, 65)}), "result[1].result",
         "65 replies (at most 64 per hop)"},
        {"repeated hop", hops_of({timeout_hop(1), timeout_hop(2), timeout_hop(2)}), "result[2].hop",
         "hop 2 repeated"},
        {"out of order", hops_of({timeout_hop(1), timeout_hop(5), timeout_hop(4)}), "result[2].hop",
         "hop 4 after hop 5 (hops must be in increasing order)"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        auto j = to_json(sample_trace());
        j["result"] = c.hops;
        auto r = parse_trace(j);
        REQUIRE(r.ok() == c.where.empty());
        if (!r.ok()) {
            CHECK(r.error().where == c.where);
            CHECK(r.error().what == c.what);
        } else {
            CHECK(r->hops.size() == c.hops.size());
        }
    }
}

TEST_CASE("invalid JSON text reports a byte offset") {
    auto r = parse_trace_text("{\"type\": \"traceroute\",, }");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().where.rfind("byte ", 0) == 0);
}

TEST_CASE("Atlas replies without icmp_type get it inferred") {
    const char* text = R"({"af":4,"dst_addr":"198.51.100.7","src_addr":"192.0.2.10","proto":"UDP",
      "timestamp":1,"prb_id":7,"msm_id":9,"type":"traceroute","result":[
      {"hop":1,"result":[{"from":"192.0.2.1","rtt":1.0,"size":56,"ttl":64}]},
      {"hop":2,"result":[{"from":"203.0.113.1","rtt":2.0,"size":56,"ttl":64,"err":"H"}]},
      {"hop":3,"result":[{"from":"198.51.100.7","rtt":3.0,"size":56,"ttl":64}]},
      {"hop":4,"result":[{"from":"198.51.100.7","late":3,"size":56,"ttl":64}]},
      {"hop":5,"error":"connect failed"}]})";
    auto r = parse_trace_text(text, parse_options{false});
    REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
    CHECK(r->agent == "7");
    CHECK(r->id == "atlas-9-7-1");
    CHECK(r->method == "udp-paris");
    CHECK(r->hops[0].replies[0].icmp_type == 11);
    CHECK(r->hops[1].replies[0].icmp_type == 3);
    CHECK(r->hops[1].replies[0].icmp_code == 1);
    CHECK(r->hops[2].replies[0].icmp_code == 3);
    CHECK(r->hops[3].replies[0].late);
    CHECK(r->hops[4].error == "connect failed");
    CHECK(r->hops[4].replies.empty());
}
