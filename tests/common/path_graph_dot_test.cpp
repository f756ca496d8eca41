#include <doctest/doctest.h>

#include <tumen/common/path_graph_dot.hpp>

#include "dot_render.hpp"

namespace pg = tumen::path_graph;
using tumen::ipv4_addr;

namespace {

ipv4_addr ip(const char* text) {
    return *ipv4_addr::parse(text);
}

std::size_t count(const std::string& s, const std::string& what) {
    std::size_t n = 0;
    for (auto pos = s.find(what); pos != std::string::npos; pos = s.find(what, pos + 1)) {
        ++n;
    }
    return n;
}

/// Two paths that share their first and last hops, with a silent hop, AS names that need
/// escaping and a border hop each.
pg::graph two_paths() {
    pg::path_trace a{"china-unicom", "fra-100", 100, ip("198.18.1.1"), 2, {}};
    a.hops = {{1, {{ip("198.18.0.1"), 1.25, 64500, "Lab \"access\" net"}}},
              {2, {{ip("198.18.1.1"), 40.5, 4837, "CHINA169\\Backbone"}}},
              {3, {}},
              {4, {{ip("198.18.2.1"), 41.0, 131279, "Star\nJV"}}}};
    pg::path_trace b{"ttk", "fra-200", 200, ip("198.18.1.9"), 2, {}};
    b.hops = {{1, {{ip("198.18.0.1"), 1.5, 64500, "Lab \"access\" net"}}},
              {2, {{ip("198.18.1.9"), 70.0, 20485, "TTK"}}},
              {3, {{ip("198.18.2.1"), 70.5, 131279, "Star\nJV"}}}};
    return pg::build({a, b});
}

/// Runs `dot -Tsvg` on `text` and checks it wrote an SVG without a word on stderr (bad UTF-8
/// and syntax give warnings); dot's exit status, or -1 when dot is not installed.
int run_dot(const std::string& text) {
    const auto r = tumen::test::render_dot(text);
    if (!r) {
        return -1;
    }
    CAPTURE(r->errors);
    CHECK(r->errors.empty());
    CHECK(r->svg.find("<svg") != std::string::npos);
    return r->exit_status;
}

} // namespace

TEST_CASE("dot_quote escapes quotes, backslashes, newlines, control bytes and bad UTF-8") {
    CHECK(pg::dot_quote("198.18.0.1") == "\"198.18.0.1\"");
    CHECK(pg::dot_quote("a\"b") == "\"a\\\"b\"");
    CHECK(pg::dot_quote("a\\N") == "\"a\\\\N\""); // no Graphviz \N expansion
    CHECK(pg::dot_quote("a\nb") == "\"a\\nb\"");
    CHECK(pg::dot_quote(std::string("a\tb\rc\x01", 7)) == "\"a b c  \"");               // NUL too
    CHECK(pg::dot_quote("\xd0\x9c\xd0\xb8\xd1\x80") == "\"\xd0\x9c\xd0\xb8\xd1\x80\""); // "Мир"
    CHECK(pg::dot_quote("x\xff\xc3") == "\"x??\"");
    CHECK(pg::dot_quote("\xed\xa0\x80") == "\"???\""); // a UTF-16 surrogate is not UTF-8
    CHECK(pg::dot_quote("") == "\"\"");
}

TEST_CASE("to_dot writes every node and link once, with labels escaped") {
    const auto g = two_paths();
    const auto text = pg::to_dot(g, {"fra", "fra -> 198.51.100.0/24", "fra"});
    CHECK(text.rfind("digraph \"fra\" {\n", 0) == 0);
    CHECK(text.find("label=\"fra -> 198.51.100.0/24\"") != std::string::npos);
    CHECK(text.substr(text.size() - 2) == "}\n");
    for (const auto& n : g.nodes) {
        CAPTURE(n.id);
        CHECK(count(text, "\n  " + pg::dot_quote(n.id) + " [label=") == 1);
    }
    CHECK(count(text, " -> ") == g.links.size() + 1); // + the title's arrow
    CHECK(text.find("Lab \\\"access\\\" net") != std::string::npos);
    CHECK(text.find("CHINA169\\\\Backbone") != std::string::npos);
    CHECK(text.find("Star\\nJV") != std::string::npos);
    CHECK(text.find("Star\nJV") == std::string::npos);
    // Silent hops are drawn dashed; the border hops with a double outline and their paths.
    CHECK(text.find("\"*0:3\" [label=\"*\\nttl 3\", style=\"rounded,dashed\"") !=
          std::string::npos);
    CHECK(count(text, "peripheries=2") == 2);
    CHECK(text.find("border of china-unicom") != std::string::npos);
    CHECK(text.find("border of ttk") != std::string::npos);
    // RTT and TTLs on the shared last hop: seen at TTL 3 and 4, smallest RTT 41.
    CHECK(text.find("ttl 3,4  41.000 ms") != std::string::npos);
    // Two paths: links coloured by path, shared links with both colours, a legend.
    CHECK(text.find("\"source\" -> \"198.18.0.1\" [color=\"#1f78b4:#e31a1c\"") !=
          std::string::npos);
    CHECK(text.find("cluster_legend") != std::string::npos);
    CHECK(text.find("trace fra-200") != std::string::npos);
}

TEST_CASE("to_dot colours nodes by AS and is deterministic") {
    const auto g = two_paths();
    const auto text = pg::to_dot(g, {});
    CHECK(text == pg::to_dot(two_paths(), {}));
    // AS 4837 < 20485 < 64500 < 131279: the palette in ascending AS order.
    CHECK(text.find("AS4837 CHINA169") != std::string::npos);
    const auto at = [&](const char* id) { return text.substr(text.find(id), 200); };
    CHECK(at("\"198.18.1.1\" [").find("fillcolor=\"#a6cee3\"") != std::string::npos);
    CHECK(at("\"198.18.1.9\" [").find("fillcolor=\"#b2df8a\"") != std::string::npos);
    CHECK(at("\"198.18.0.1\" [").find("fillcolor=\"#fb9a99\"") != std::string::npos);
    CHECK(at("\"198.18.2.1\" [").find("fillcolor=\"#fdbf6f\"") != std::string::npos);
    // One path: no colour per path, no legend.
    pg::path_trace one{
        "p", "", 0, std::nullopt, std::nullopt, {{1, {{ip("198.18.0.1"), 1.0, std::nullopt, ""}}}}};
    const auto single = pg::to_dot(pg::build({one}), {});
    CHECK(single.find("legend") == std::string::npos);
    CHECK(single.find("color=\"#1f78b4") == std::string::npos);
}

TEST_CASE("dot -Tsvg accepts the output") {
    const auto g = two_paths();
    pg::path_trace hostile{"a \"quoted\" \\ path\n",
                           "id\"}",
                           0,
                           std::nullopt,
                           std::nullopt,
                           {{1, {{ip("198.18.0.1"), 1.0, 64500, "\xff\xfe bad utf-8 { } ;"}}}}};
    const int rc = run_dot(pg::to_dot(g, {"g\"x", "title \\ \"q\"", "src"}));
    if (rc == -1) {
        MESSAGE(tumen::test::dot_missing);
        return;
    }
    CHECK(rc == 0);
    CHECK(run_dot(pg::to_dot(pg::build({hostile}), {"h", "", "\xc3"})) == 0);
}
