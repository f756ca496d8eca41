#include <algorithm>

#include <doctest/doctest.h>

#include <tumen/common/path_graph.hpp>

namespace pg = tumen::path_graph;
using tumen::ipv4_addr;

namespace {

ipv4_addr ip(const char* text) {
    return *ipv4_addr::parse(text);
}

pg::hop replied(int ttl, std::initializer_list<const char*> addrs, double rtt = 1.0,
                std::optional<std::uint32_t> asn = std::nullopt) {
    pg::hop h;
    h.ttl = ttl;
    for (const char* a : addrs) {
        h.replies.push_back(pg::reply{ip(a), rtt, asn, asn ? "AS name" : ""});
    }
    return h;
}

pg::hop silent(int ttl) {
    return pg::hop{ttl, {}};
}

const pg::node* find_node(const pg::graph& g, const std::string& id) {
    auto it =
        std::find_if(g.nodes.begin(), g.nodes.end(), [&](const pg::node& n) { return n.id == id; });
    return it == g.nodes.end() ? nullptr : &*it;
}

const pg::link* find_link(const pg::graph& g, const std::string& from, const std::string& to) {
    auto it = std::find_if(g.links.begin(), g.links.end(),
                           [&](const pg::link& l) { return l.from == from && l.to == to; });
    return it == g.links.end() ? nullptr : &*it;
}

std::vector<std::string> ids(const pg::graph& g) {
    std::vector<std::string> out;
    for (const auto& n : g.nodes) {
        out.push_back(n.id);
    }
    return out;
}

using names = std::vector<std::string>;

} // namespace

TEST_CASE("path graph: one trace is a chain from the source, in TTL order") {
    pg::path_trace p{
        "a",          "t1",
        100,          std::nullopt,
        std::nullopt, {replied(2, {"198.18.0.2"}, 2.5), replied(1, {"198.18.0.1"}, 1.5)}};
    const auto g = pg::build({p});
    CHECK(ids(g) == names{"source", "198.18.0.1", "198.18.0.2"});
    REQUIRE(g.links.size() == 2);
    CHECK(g.links[0].from == "source");
    CHECK(g.links[0].to == "198.18.0.1");
    CHECK(g.links[1].from == "198.18.0.1");
    CHECK(g.links[1].to == "198.18.0.2");
    const auto* n = find_node(g, "198.18.0.2");
    REQUIRE(n);
    CHECK(n->kind == pg::node_kind::hop);
    CHECK(n->ttls == std::vector<int>{2});
    CHECK(n->rtt_ms == doctest::Approx(2.5));
    CHECK(n->paths == names{"a"});
    CHECK_FALSE(n->border);
    REQUIRE(g.paths.size() == 1);
    CHECK(g.paths[0].trace_id == "t1");
    CHECK(g.paths[0].time == 100);
}

TEST_CASE("path graph: several addresses at one TTL are parallel branches") {
    pg::path_trace p{"a",
                     "",
                     0,
                     std::nullopt,
                     std::nullopt,
                     {replied(1, {"198.18.0.1"}), replied(2, {"198.18.1.2", "198.18.1.1"}),
                      replied(3, {"198.18.2.1"})}};
    const auto g = pg::build({p});
    // Both branches sit between TTL 1 and TTL 3; ordered by address within the TTL.
    CHECK(ids(g) == names{"source", "198.18.0.1", "198.18.1.1", "198.18.1.2", "198.18.2.1"});
    CHECK(find_link(g, "198.18.0.1", "198.18.1.1"));
    CHECK(find_link(g, "198.18.0.1", "198.18.1.2"));
    CHECK(find_link(g, "198.18.1.1", "198.18.2.1"));
    CHECK(find_link(g, "198.18.1.2", "198.18.2.1"));
    CHECK_FALSE(find_link(g, "198.18.1.1", "198.18.1.2"));
    CHECK(g.links.size() == 5);
}

TEST_CASE("path graph: ECMP branches of two traces merge where the addresses agree") {
    pg::path_trace a{
        "x",
        "",
        0,
        std::nullopt,
        std::nullopt,
        {replied(1, {"198.18.0.1"}, 3.0), replied(2, {"198.18.1.1"}), replied(3, {"198.18.2.1"})}};
    pg::path_trace b{
        "y",
        "",
        0,
        std::nullopt,
        std::nullopt,
        {replied(1, {"198.18.0.1"}, 2.0), replied(2, {"198.18.1.2"}), replied(3, {"198.18.2.1"})}};
    const auto g = pg::build({a, b});
    CHECK(g.nodes.size() == 5); // source, shared first hop, two branches, shared last hop
    const auto* first = find_node(g, "198.18.0.1");
    REQUIRE(first);
    CHECK(first->paths == names{"x", "y"});
    CHECK(first->rtt_ms == doctest::Approx(2.0)); // the smallest
    CHECK(find_node(g, "198.18.1.1")->paths == names{"x"});
    CHECK(find_node(g, "198.18.1.2")->paths == names{"y"});
    CHECK(find_node(g, "198.18.2.1")->paths == names{"x", "y"});
    CHECK(find_link(g, "source", "198.18.0.1")->paths == names{"x", "y"});
    CHECK(find_link(g, "198.18.1.2", "198.18.2.1")->paths == names{"y"});
}

TEST_CASE("path graph: the same address at another TTL stays one node with both TTLs") {
    pg::path_trace a{
        "x",          "",           0,
        std::nullopt, std::nullopt, {replied(1, {"198.18.0.1"}), replied(2, {"198.18.2.1"})}};
    pg::path_trace b{
        "y",
        "",
        0,
        std::nullopt,
        std::nullopt,
        {replied(1, {"198.18.0.1"}), replied(2, {"198.18.1.1"}), replied(3, {"198.18.2.1"})}};
    const auto g = pg::build({a, b});
    const auto* n = find_node(g, "198.18.2.1");
    REQUIRE(n);
    CHECK(n->ttls == std::vector<int>{2, 3});
    CHECK(find_link(g, "198.18.0.1", "198.18.2.1")->paths == names{"x"});
    CHECK(find_link(g, "198.18.1.1", "198.18.2.1")->paths == names{"y"});
}

TEST_CASE("path graph: silent hops are '*' nodes of their own path, never merged") {
    pg::path_trace a{"x",
                     "",
                     0,
                     std::nullopt,
                     std::nullopt,
                     {replied(1, {"198.18.0.1"}), silent(2), replied(3, {"198.18.2.1"})}};
    pg::path_trace b{"y",
                     "",
                     0,
                     std::nullopt,
                     std::nullopt,
                     {replied(1, {"198.18.0.1"}), silent(2), replied(3, {"198.18.2.1"})}};
    const auto g = pg::build({a, b});
    const auto* sa = find_node(g, "*0:2");
    const auto* sb = find_node(g, "*1:2");
    REQUIRE(sa);
    REQUIRE(sb);
    CHECK(sa->kind == pg::node_kind::silent);
    CHECK_FALSE(sa->addr);
    CHECK(sa->paths == names{"x"});
    CHECK(sb->paths == names{"y"});
    CHECK(find_link(g, "198.18.0.1", "*0:2"));
    CHECK(find_link(g, "*0:2", "198.18.2.1"));
    CHECK_FALSE(find_link(g, "198.18.0.1", "198.18.2.1"));
    // Replying nodes of a TTL come before its silent ones.
    CHECK(ids(g) == names{"source", "198.18.0.1", "*0:2", "*1:2", "198.18.2.1"});
}

TEST_CASE("path graph: a TTL missing from a trace links over the gap") {
    pg::path_trace a{
        "x",          "",           0,
        std::nullopt, std::nullopt, {replied(1, {"198.18.0.1"}), replied(4, {"198.18.2.1"})}};
    const auto g = pg::build({a});
    CHECK(find_link(g, "198.18.0.1", "198.18.2.1"));
}

TEST_CASE("path graph: the border hop is marked with the paths it is the border of") {
    pg::path_trace a{"unicom",
                     "t1",
                     1,
                     ip("198.18.1.1"),
                     2,
                     {replied(1, {"198.18.0.1"}, 1, 64500), replied(2, {"198.18.1.1"}, 1, 4837),
                      replied(3, {"198.18.2.1"}, 1, 131279)}};
    pg::path_trace b{"ttk",
                     "t2",
                     2,
                     ip("198.18.1.9"),
                     2,
                     {replied(1, {"198.18.0.1"}, 1, 64500), replied(2, {"198.18.1.9"}, 1, 20485),
                      replied(3, {"198.18.2.1"}, 1, 131279)}};
    const auto g = pg::build({a, b});
    const auto* ba = find_node(g, "198.18.1.1");
    const auto* bb = find_node(g, "198.18.1.9");
    REQUIRE(ba);
    REQUIRE(bb);
    CHECK(ba->border);
    CHECK(ba->border_of == names{"unicom"});
    CHECK(ba->asn == 4837u);
    CHECK(bb->border);
    CHECK(bb->border_of == names{"ttk"});
    CHECK_FALSE(find_node(g, "198.18.0.1")->border);
    CHECK_FALSE(find_node(g, "198.18.2.1")->border);
    CHECK(find_node(g, "198.18.2.1")->as_name == "AS name");
    REQUIRE(g.paths.size() == 2);
    CHECK(g.paths[1].border == ip("198.18.1.9"));
    CHECK(g.paths[1].border_ttl == 2);
}

TEST_CASE("path graph: two paths overlaid keep the input order and are deterministic") {
    pg::path_trace a{
        "before",     "",           0,
        std::nullopt, std::nullopt, {replied(1, {"198.18.0.1"}), replied(2, {"198.18.1.1"})}};
    pg::path_trace b{
        "after",      "",           0,
        std::nullopt, std::nullopt, {replied(1, {"198.18.0.1"}), replied(2, {"198.18.1.2"})}};
    const auto g1 = pg::build({a, b});
    const auto g2 = pg::build({a, b});
    CHECK(ids(g1) == ids(g2));
    REQUIRE(g1.paths.size() == 2);
    CHECK(g1.paths[0].name == "before");
    CHECK(g1.paths[1].name == "after");
    CHECK(find_node(g1, "source")->paths == names{"before", "after"});
    // A repeated name counts as the same path.
    const auto g3 = pg::build({a, a});
    CHECK(g3.paths.size() == 1);
    CHECK(find_node(g3, "198.18.1.1")->paths == names{"before"});
}

TEST_CASE("path graph: hops_of keeps each address of a TTL once, with its smallest RTT") {
    tumen::result::trace t;
    tumen::result::hop h1;
    h1.ttl = 1;
    tumen::result::hop_reply r;
    r.from = ip("198.18.0.1");
    r.rtt_ms = 5;
    h1.replies.push_back(r);
    r.rtt_ms = 3;
    h1.replies.push_back(r);
    r.from = ip("198.18.0.2");
    h1.replies.push_back(r);
    tumen::result::hop h2;
    h2.ttl = 2;
    tumen::result::hop_reply lost;
    lost.timeout = true;
    h2.replies = {lost, lost};
    t.hops = {h1, h2};
    const auto hops = pg::hops_of(t);
    REQUIRE(hops.size() == 2);
    REQUIRE(hops[0].replies.size() == 2);
    CHECK(hops[0].replies[0].addr == ip("198.18.0.1"));
    CHECK(hops[0].replies[0].rtt_ms == doctest::Approx(3));
    CHECK(hops[1].ttl == 2);
    CHECK(hops[1].replies.empty());
}
