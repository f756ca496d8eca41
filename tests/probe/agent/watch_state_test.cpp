// The watch state of one target: the border hops learned from a trace (table), which hop a
// watch tick probes, and which probe outcomes are alarms (table).
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/probe/agent/watch_state.hpp>

using namespace tumen;
using namespace tumen::probe::agent;

namespace {

ipv4_addr a(const char* text) {
    return *ipv4_addr::parse(text);
}

/// A trace to 198.19.177.1 whose hop i (TTL i+1) answered from hops[i] ("*": silent).
result::trace trace_of(const std::vector<const char*>& hops) {
    result::trace t;
    t.dst = a("198.19.177.1");
    for (std::size_t i = 0; i < hops.size(); ++i) {
        result::hop h;
        h.ttl = static_cast<std::uint8_t>(i + 1);
        result::hop_reply r;
        if (std::string(hops[i]) == "*") {
            r.timeout = true;
        } else {
            r.from = a(hops[i]);
        }
        h.replies = {r, r};
        t.hops.push_back(h);
    }
    return t;
}

const ipv4_prefix target = *ipv4_prefix::parse("198.19.177.0/24");

// The lab's paths from msk to 198.19.177.1.
const std::vector<const char*> via_cu = {"198.18.3.1",  "198.18.48.9", "*",
                                         "198.18.64.6", "198.18.49.2", "198.19.177.1"};
const std::vector<const char*> via_ttk = {"198.18.3.1", "198.18.80.9", "198.18.81.2", "198.18.82.2",
                                          "198.19.177.1"};

struct border_case {
    const char* name;
    std::vector<const char*> hops;
    std::optional<watched_hop> before;
    std::optional<watched_hop> inside;
};

} // namespace

TEST_CASE("border_of: the first hop inside the target and the last answer before it") {
    const std::vector<border_case> cases = {
        {"via China Unicom", via_cu, watched_hop{5, a("198.18.49.2")},
         watched_hop{6, a("198.19.177.1")}},
        {"via TTK", via_ttk, watched_hop{4, a("198.18.82.2")}, watched_hop{5, a("198.19.177.1")}},
        {"silent hop just before the target",
         {"198.18.3.1", "198.18.48.9", "*", "198.19.177.1"},
         watched_hop{2, a("198.18.48.9")},
         watched_hop{4, a("198.19.177.1")}},
        {"another address of the target prefix answers first",
         {"198.18.3.1", "198.19.177.254", "198.19.177.1"},
         watched_hop{1, a("198.18.3.1")},
         watched_hop{2, a("198.19.177.254")}},
        {"never reached the target: the last answer only",
         {"198.18.3.1", "198.18.48.9", "*", "*"},
         watched_hop{2, a("198.18.48.9")},
         std::nullopt},
        {"the target answers at TTL 1",
         {"198.19.177.1"},
         std::nullopt,
         watched_hop{1, a("198.19.177.1")}},
        {"no answer at all", {"*", "*"}, std::nullopt, std::nullopt},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        const auto b = border_of(trace_of(c.hops), target);
        CHECK(b.before == c.before);
        CHECK(b.inside == c.inside);
    }
}

TEST_CASE("learn: a new border is another address or another TTL, never the first trace") {
    watch_state w;
    CHECK_FALSE(w.learn(border_of(trace_of(via_cu), target)));
    CHECK_FALSE(w.learn(border_of(trace_of(via_cu), target)));
    CHECK(w.learn(border_of(trace_of(via_ttk), target)));
    CHECK_FALSE(w.learn(border_of(trace_of(via_ttk), target)));
    // The target entered one hop later through the same border router.
    auto longer = via_ttk;
    longer.insert(longer.begin() + 1, "198.18.3.2");
    longer[4] = "198.18.82.2";
    CHECK(w.learn(border_of(trace_of(longer), target)));
}

TEST_CASE("next_probe: the two hops in turn, one per tick") {
    watch_state w;
    CHECK_FALSE(w.next_probe());
    w.learn(border_of(trace_of(via_cu), target));
    std::vector<int> ttls;
    for (int i = 0; i < 4; ++i) {
        ttls.push_back(w.next_probe()->ttl);
    }
    CHECK(ttls == std::vector<int>{5, 6, 5, 6});
    w.learn(border_of(trace_of({"198.18.3.1", "*"}), target));
    CHECK(w.next_probe()->ttl == 1);
    CHECK(w.next_probe()->ttl == 1);
}

namespace {
/// One watch probe: the TTL probed and who answered (nullptr: silence).
struct probe_step {
    int ttl;
    const char* from;
    watch_verdict expect;
};
struct alarm_case {
    const char* name;
    std::uint32_t attempts;
    std::vector<probe_step> steps;
};
} // namespace

TEST_CASE("observe: another address or `attempts` silences in a row are alarms") {
    using enum watch_verdict;
    const std::vector<alarm_case> cases = {
        {"the expected addresses",
         3,
         {{5, "198.18.49.2", quiet}, {6, "198.19.177.1", quiet}, {5, "198.18.49.2", quiet}}},
        {"the flip to TTK: the target answers at the border hop's TTL",
         3,
         {{5, "198.19.177.1", moved}}},
        {"another router at the border hop's TTL", 3, {{5, "198.18.82.2", moved}}},
        {"another address at the target's TTL", 3, {{6, "198.18.49.2", moved}}},
        {"silence below the limit", 3, {{5, nullptr, quiet}, {5, nullptr, quiet}}},
        {"silence up to the limit",
         3,
         {{5, nullptr, quiet}, {5, nullptr, quiet}, {5, nullptr, silent}}},
        {"an answer resets the count",
         2,
         {{5, nullptr, quiet},
          {5, "198.18.49.2", quiet},
          {5, nullptr, quiet},
          {5, nullptr, silent}}},
        {"silences are counted per hop",
         2,
         {{5, nullptr, quiet},
          {6, nullptr, quiet},
          {5, "198.18.49.2", quiet},
          {6, nullptr, silent}}},
        {"attempts 1: one silence", 1, {{6, nullptr, silent}}},
        {"a TTL not watched is ignored", 1, {{3, nullptr, quiet}, {2, "203.0.113.9", quiet}}},
    };
    for (const auto& c : cases) {
        CAPTURE(c.name);
        watch_state w(c.attempts);
        w.learn(border_of(trace_of(via_cu), target));
        for (const auto& s : c.steps) {
            CAPTURE(s.ttl);
            std::optional<ipv4_addr> from;
            if (s.from != nullptr) {
                from = a(s.from);
            }
            CHECK(w.observe(static_cast<std::uint8_t>(s.ttl), from) == s.expect);
        }
    }
}

TEST_CASE("learning again clears the silences") {
    watch_state w(2);
    w.learn(border_of(trace_of(via_cu), target));
    CHECK(w.observe(5, std::nullopt) == watch_verdict::quiet);
    w.learn(border_of(trace_of(via_cu), target));
    CHECK(w.observe(5, std::nullopt) == watch_verdict::quiet);
    CHECK(w.observe(5, std::nullopt) == watch_verdict::silent);
}

TEST_CASE("new_border: any difference on one address, only another target TTL across addresses") {
    const auto cu = border_of(trace_of(via_cu), target);
    const auto ttk = border_of(trace_of(via_ttk), target);
    auto other_branch = via_cu; // the ECMP sibling toward another address of the prefix
    other_branch[3] = "198.18.64.10";
    other_branch[4] = "198.18.49.6";
    const auto cu_b = border_of(trace_of(other_branch), target);
    struct row {
        const char* name;
        border_hops was, now;
        bool same_address, expect;
    };
    const std::vector<row> rows = {
        {"same address, same border", cu, cu, true, false},
        {"same address, another border router", cu, cu_b, true, true},
        {"same address, the flip", cu, ttk, true, true},
        {"another address, another ECMP branch", cu, cu_b, false, false},
        {"another address, the flip (target one hop closer)", cu, ttk, false, true},
        {"another address, the flip back", ttk, cu, false, true},
        {"nothing known before", border_hops{}, cu, false, false},
        {"nothing known before, same address", border_hops{}, cu, true, false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.name);
        CHECK(new_border(r.was, r.now, r.same_address) == r.expect);
    }
}
