#include <doctest/doctest.h>

#include <tumen/probe/tool/dot_format.hpp>

#include "dot_render.hpp"
#include "hop_replies.hpp"

using namespace tumen;
using namespace tumen::probe::tool;

using test::reply;
using test::star;

namespace {

/// A trace with two addresses at TTL 2 (ECMP: the engine's attempts took two branches), a
/// silent TTL 3 and the destination at TTL 4.
result::trace ecmp_trace() {
    result::trace t;
    t.id = "fra-1";
    t.agent = "fra";
    t.dst = ipv4_addr{198, 51, 100, 7};
    t.dst_name = "198.51.100.7";
    t.src = ipv4_addr{192, 0, 2, 10};
    t.method = "udp-paris";
    t.paris_id = 3;
    result::hop h1{
        1, {reply(ipv4_addr{192, 0, 2, 1}, 0.5), reply(ipv4_addr{192, 0, 2, 1}, 0.25)}, ""};
    result::hop h2{
        2, {reply(ipv4_addr{203, 0, 113, 2}, 9.5), reply(ipv4_addr{203, 0, 113, 1}, 9)}, ""};
    result::hop h3{3, {star(), star()}, ""};
    result::hop h4{4, {reply(t.dst, 20.125)}, ""};
    t.hops = {h1, h2, h3, h4};
    return t;
}

bool contains(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

} // namespace

TEST_CASE("trace dot: one digraph per trace, addresses with TTL and RTT, ECMP side by side") {
    const auto text = format_trace_dot(ecmp_trace());
    CAPTURE(text);
    CHECK(text.rfind("digraph \"198.51.100.7\" {\n", 0) == 0);
    CHECK(contains(text, "label=\"198.51.100.7 from 192.0.2.10, udp-paris, flow 3\""));
    CHECK(contains(text, "\"source\" [label=\"fra\\n192.0.2.10\", shape=house"));
    CHECK(contains(text, "\"192.0.2.1\" [label=\"192.0.2.1\\nttl 1  0.250 ms\""));
    CHECK(contains(text, "\"203.0.113.1\" [label=\"203.0.113.1\\nttl 2  9.000 ms\""));
    CHECK(contains(text, "\"203.0.113.2\" [label=\"203.0.113.2\\nttl 2  9.500 ms\""));
    CHECK(contains(text, "\"*0:3\" [label=\"*\\nttl 3\""));
    CHECK(contains(text, "\"192.0.2.1\" -> \"203.0.113.1\";"));
    CHECK(contains(text, "\"192.0.2.1\" -> \"203.0.113.2\";"));
    CHECK(contains(text, "\"203.0.113.1\" -> \"*0:3\";"));
    CHECK(contains(text, "\"203.0.113.2\" -> \"*0:3\";"));
    CHECK(contains(text, "\"*0:3\" -> \"198.51.100.7\";"));
    CHECK_FALSE(contains(text, "AS"));          // the probe has no AS map
    CHECK_FALSE(contains(text, "peripheries")); // nor a border
    CHECK(text.substr(text.size() - 2) == "}\n");
    CHECK(format_trace_dot(ecmp_trace()) == text);
}

TEST_CASE("trace dot: a named destination and a hostile agent name stay quoted") {
    auto t = ecmp_trace();
    t.dst_name = "host \"x\"";
    t.agent = "a\\b";
    const auto text = format_trace_dot(t);
    CHECK(contains(text, "label=\"host \\\"x\\\" (198.51.100.7) from 192.0.2.10"));
    CHECK(contains(text, "[label=\"a\\\\b\\n192.0.2.10\""));
}

TEST_CASE("trace dot: dot -Tsvg accepts the output") {
    auto t = ecmp_trace();
    t.dst_name = "host \"x\" \\N";
    const auto r = test::render_dot(format_trace_dot(ecmp_trace()) + format_trace_dot(t));
    if (!r) {
        MESSAGE(test::dot_missing);
        return;
    }
    CAPTURE(r->errors);
    CHECK(r->exit_status == 0);
    CHECK(r->errors.empty());
    // Two traces, two SVG documents (dot renders every graph of its input).
    std::size_t svgs = 0;
    for (auto pos = r->svg.find("<svg"); pos != std::string::npos;
         pos = r->svg.find("<svg", pos + 1)) {
        ++svgs;
    }
    CHECK(svgs == 2);
}
