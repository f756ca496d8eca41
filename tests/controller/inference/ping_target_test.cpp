// Where pings go: the address chosen from the latest trace (the destination if it answered,
// else the last hop that answered at or after the border), and the ping work items pointed at
// it.
#include <optional>
#include <string>

#include <doctest/doctest.h>

#include <tumen/controller/inference/ping_target.hpp>

#include "trace_builder.hpp"

using namespace tumen;
using namespace tumen::controller::inference;

namespace {

struct choice_case {
    const char* name;
    result::trace trace;
    std::optional<std::uint8_t> border_ttl;
    std::optional<std::string> expected;
};

} // namespace

TEST_CASE("choose_ping_target: table") {
    const char* dst = "198.19.177.9";
    const choice_case cases[] = {
        {"the destination answered",
         test::make_trace("198.18.0.2", dst,
                          {{{"10.0.0.1"}}, {{"192.0.2.1"}}, {{"198.51.100.1"}}, {{dst}}}),
         3, dst},
        {"the destination answered, no border known",
         test::make_trace("198.18.0.2", dst, {{{"10.0.0.1"}}, {{dst}}}), std::nullopt, dst},
        {"silent destination: the last hop inside the target",
         test::make_trace("198.18.0.2", dst,
                          {{{"10.0.0.1"}},
                           {{"192.0.2.1"}},
                           {{"198.51.100.1"}},
                           {{"198.19.177.1"}},
                           {{"*", "*"}}}),
         3, "198.19.177.1"},
        {"silent destination and target: the border interface (e.g. it sent !X)",
         test::make_trace("198.18.0.2", dst,
                          {{{"10.0.0.1"}}, {{"192.0.2.1"}}, {{"198.51.100.1"}}, {{"*"}}, {{"*"}}}),
         3, "198.51.100.1"},
        {"a lost probe then an answer at the same hop",
         test::make_trace("198.18.0.2", dst,
                          {{{"10.0.0.1"}}, {{"198.51.100.1"}}, {{"*", "198.19.177.1"}}}),
         2, "198.19.177.1"},
        {"no border: nothing chosen",
         test::make_trace("198.18.0.2", dst, {{{"10.0.0.1"}}, {{"*"}}}), std::nullopt,
         std::nullopt},
        {"only hops before the border answered after it",
         test::make_trace("198.18.0.2", dst, {{{"10.0.0.1"}}, {{"192.0.2.1"}}, {{"*"}}}), 2,
         "192.0.2.1"},
        {"empty trace", test::make_trace("198.18.0.2", dst, {}), std::nullopt, std::nullopt},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        border_verdict v;
        v.border_ttl = c.border_ttl;
        auto got = choose_ping_target(c.trace, v);
        REQUIRE(got.has_value() == c.expected.has_value());
        if (got) {
            CHECK(got->to_string() == *c.expected);
        }
    }
}

TEST_CASE("point_pings: ping items of a chosen prefix go to its address, once") {
    const auto p177 = *ipv4_prefix::parse("198.19.177.0/24");
    const auto p178 = *ipv4_prefix::parse("198.19.178.0/24");
    auto item = [](ipv4_prefix p, int host, method how) {
        return campaign::work_item{"lab", p, p.at(static_cast<std::uint64_t>(host)), how, {}};
    };
    std::vector<campaign::work_item> work{
        item(p177, 1, method::udp_paris), item(p177, 1, method::ping),
        item(p177, 2, method::udp_paris), item(p177, 2, method::ping),
        item(p178, 1, method::udp_paris), item(p178, 1, method::ping),
    };
    const auto border = *ipv4_addr::parse("198.51.100.1");
    point_pings(work, {{p177, border}});
    REQUIRE(work.size() == 5);
    CHECK(work[0] == item(p177, 1, method::udp_paris));
    CHECK(work[1].how == method::ping);
    CHECK(work[1].address == border);
    CHECK(work[2] == item(p177, 2, method::udp_paris));
    CHECK(work[3] == item(p178, 1, method::udp_paris));
    CHECK(work[4] == item(p178, 1, method::ping));
    // Nothing chosen: the work is unchanged.
    auto same = work;
    point_pings(same, {});
    CHECK(same == work);
}
