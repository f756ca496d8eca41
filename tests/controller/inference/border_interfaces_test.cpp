// Known border interfaces: learning, refreshing, expiry, the cap, and which ICMP unreachable
// replies make the sender a border that answered for the target.
#include <doctest/doctest.h>

#include <tumen/controller/inference/border_interfaces.hpp>

#include "trace_builder.hpp"

using namespace tumen;
using namespace tumen::controller::inference;

namespace {

ipv4_addr addr(const char* s) {
    return *ipv4_addr::parse(s);
}

known_border border(const char* a, std::int64_t seen, std::int64_t expires) {
    return known_border{addr(a), "china-unicom", 4837, seen, expires, false};
}

/// A trace to 198.19.176.1 whose last reply is from 198.18.49.2 with ICMP type 3 `code`.
result::trace ending_with(std::uint8_t type, std::uint8_t code) {
    auto t = test::make_trace("198.18.1.10", "198.19.176.1",
                              {{{"198.18.1.1"}, 0.2}, {{"198.18.49.2", "*"}, 40.0}, {{"*", "*"}}});
    auto& r = t.hops[1].replies[0];
    r.icmp_type = type;
    r.icmp_code = code;
    return t;
}

} // namespace

TEST_CASE("known border interfaces: memory tied to the campaign interval") {
    CHECK(border_memory_seconds(std::chrono::minutes(5)) == 24 * 300);
    CHECK(border_memory_seconds(std::chrono::seconds(10)) == 240);
    CHECK(border_memory_seconds(std::chrono::milliseconds(0)) == 24); // never zero
}

TEST_CASE("known border interfaces: learn, find, refresh and expire") {
    std::vector<known_border> list;
    learn_border(list, border("198.18.49.2", 1000, 1240));
    REQUIRE(list.size() == 1);
    CHECK(find_border(list, addr("198.18.49.2"), 1000) != nullptr);
    CHECK(find_border(list, addr("198.18.49.2"), 1240) != nullptr);
    CHECK(find_border(list, addr("198.18.49.2"), 1241) == nullptr); // expired
    CHECK(find_border(list, addr("198.18.49.6"), 1000) == nullptr); // never seen
    // Seen again: the later sighting and expiry win, no second entry.
    learn_border(list, border("198.18.49.2", 1200, 1440));
    REQUIRE(list.size() == 1);
    CHECK(list[0].seen == 1200);
    CHECK(find_border(list, addr("198.18.49.2"), 1400) != nullptr);
    // An older sighting (another agent's late upload) does not shorten the memory.
    learn_border(list, border("198.18.49.2", 1100, 1340));
    CHECK(list[0].seen == 1200);
    CHECK(list[0].expires == 1440);
    // A prohibited sighting is remembered across refreshes.
    auto x = border("198.18.49.2", 1300, 1540);
    x.prohibited = true;
    learn_border(list, x);
    learn_border(list, border("198.18.49.2", 1350, 1590));
    CHECK(list[0].prohibited);
    // Learning later drops the entries expired by then.
    learn_border(list, border("198.18.82.2", 2000, 2240));
    REQUIRE(list.size() == 1);
    CHECK(list[0].addr == addr("198.18.82.2"));
}

TEST_CASE("known border interfaces: at most max_known_borders, the oldest seen go first") {
    std::vector<known_border> list;
    for (std::uint32_t i = 0; i < max_known_borders + 3; ++i) {
        known_border b{ipv4_addr(0xC6123000u + i), "ttk", 20485, 1000 + i, 100000, false};
        learn_border(list, b);
    }
    CHECK(list.size() == max_known_borders);
    CHECK(find_border(list, ipv4_addr(0xC6123000u), 1000) == nullptr);
    CHECK(find_border(list, ipv4_addr(0xC6123000u + 3), 1000) != nullptr);
}

TEST_CASE("known border interfaces: which unreachable replies answer for the target") {
    struct row {
        std::uint8_t type, code;
        bool answered;
    };
    const row rows[] = {
        {3, 13, true},  // admin prohibited (`!X`, Atlas "A")
        {3, 9, true},   // network prohibited
        {3, 10, true},  // host prohibited
        {3, 14, true},  // host precedence violation (`!V`)
        {3, 15, true},  // precedence cutoff (`!C`)
        {3, 0, false},  // net unreachable: a route gone, an outage signal
        {3, 1, false},  // host unreachable
        {3, 3, false},  // port unreachable
        {11, 0, false}, // time exceeded
    };
    for (const auto& r : rows) {
        CAPTURE(int(r.type));
        CAPTURE(int(r.code));
        const auto t = ending_with(r.type, r.code);
        CHECK(answered_prohibited(t, addr("198.18.49.2")) == r.answered);
        // Only the sender of the last reply answered for the target.
        CHECK_FALSE(answered_prohibited(t, addr("198.18.1.1")));
    }
    // Not the last reply: a later hop answered after the unreachable.
    auto t = ending_with(3, 13);
    t.hops[2].replies[0].timeout = false;
    t.hops[2].replies[0].from = addr("198.18.64.6");
    CHECK_FALSE(answered_prohibited(t, addr("198.18.49.2")));
    // The destination itself is not a border.
    auto d = ending_with(3, 13);
    d.dst = addr("198.18.49.2");
    CHECK_FALSE(answered_prohibited(d, addr("198.18.49.2")));
}
