// Round planning: which work items run in a round, until when, the round repeated while the
// controller is unreachable, and the start offsets inside a round.
#include <set>

#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>
#include <tumen/probe/agent/round_plan.hpp>

using namespace tumen;
using namespace tumen::probe::agent;
using sys_clock = std::chrono::system_clock;
using ms = std::chrono::milliseconds;

namespace {

const char* schedule = R"(campaigns:
  - name: c1
    targets:
      asn: 64500
      prefixes: [198.51.100.0/24]
    methods: [udp-paris, ping]
    interval: 5m
    jitter: 10s
    agents:
      names: [fra]
)";

sys_clock::time_point at(std::int64_t unix_s, std::int64_t extra_ms = 0) {
    return sys_clock::time_point(std::chrono::seconds(unix_s)) + ms(extra_ms);
}

campaign::work_item item(const std::string& c, const std::string& addr,
                         ms interval = std::chrono::minutes(5)) {
    campaign::work_item w;
    w.campaign = c;
    w.target_prefix = *ipv4_prefix::parse("198.51.100.0/24");
    w.address = *ipv4_addr::parse(addr);
    w.params.interval = interval;
    return w;
}

protocol::assignment two_campaigns() {
    protocol::assignment a;
    a.agent = "fra";
    a.campaigns = {{"c1", 7}, {"c2", 40}};
    a.work = {item("c1", "198.51.100.1"), item("c2", "198.51.100.2", ms(60000)),
              item("c1", "198.51.100.3")};
    a.version = "abc";
    return a;
}

} // namespace

TEST_CASE("standalone round: the round of the time, its work, its end") {
    const auto set = campaign::parse_campaigns(schedule, "s.yaml");
    const auto& c = set.campaigns.front();
    // 300 s rounds: 1000 * 300 + 17 s lies in round 1000, which ends at 1001 * 300.
    const auto p = plan_local_round(c, "fra", {}, at(300'017));
    CHECK(p.campaign == "c1");
    CHECK(p.round == 1000);
    CHECK(p.end == at(300'300));
    CHECK(p.items == campaign::compute_work(set, "fra", {}, 1000));
    CHECK(p.items.size() == 2);
    // The last second of a round is still that round; the boundary starts the next.
    CHECK(plan_local_round(c, "fra", {}, at(300'299, 999)).round == 1000);
    CHECK(plan_local_round(c, "fra", {}, at(300'300)).round == 1001);
    // An agent the campaign does not select plans a round with no work.
    const auto other = plan_local_round(c, "tyo", {"asia"}, at(300'017));
    CHECK(other.round == 1000);
    CHECK(other.items.empty());
}

TEST_CASE("assignment: one plan per campaign, in order, with its own items") {
    auto a = two_campaigns();
    a.valid_until = 1'700'000'100;
    const auto plans = plan_assignment(a, at(1'700'000'000));
    REQUIRE(plans.size() == 2);
    CHECK(plans[0].campaign == "c1");
    CHECK(plans[0].round == 7);
    REQUIRE(plans[0].items.size() == 2);
    CHECK(plans[0].items[0].address.to_string() == "198.51.100.1");
    CHECK(plans[0].items[1].address.to_string() == "198.51.100.3");
    CHECK(plans[1].campaign == "c2");
    CHECK(plans[1].round == 40);
    REQUIRE(plans[1].items.size() == 1);
    // Both end at valid_until.
    CHECK(plans[0].end == at(1'700'000'100));
    CHECK(plans[1].end == at(1'700'000'100));
}

TEST_CASE("assignment without valid_until: one interval of the first item, else 60 s") {
    auto a = two_campaigns();
    a.campaigns.push_back({"c3", 1}); // listed, no work
    const auto now = at(1'700'000'000, 250);
    const auto plans = plan_assignment(a, now);
    REQUIRE(plans.size() == 3);
    CHECK(plans[0].end == now + std::chrono::minutes(5));
    CHECK(plans[1].end == now + ms(60000));
    CHECK(plans[2].items.empty());
    CHECK(plans[2].end == now + ms(60000));
    CHECK(plan_assignment(protocol::assignment{}, now).empty());
}

TEST_CASE("controller unreachable: the same work as the next round of every campaign") {
    auto a = two_campaigns();
    a.valid_until = 1'700'000'000;
    const auto next = next_round_of(a, at(1'700'000'005, 900));
    REQUIRE(next);
    CHECK(next->campaigns == std::vector<protocol::campaign_round>{{"c1", 8}, {"c2", 41}});
    CHECK(next->work == a.work);
    CHECK(next->version == a.version);
    CHECK(next->agent == a.agent);
    // Valid for the shortest interval of its items (60 s) from now (whole seconds).
    CHECK(next->valid_until == 1'700'000'065);
    // Repeated again: one round further each time.
    const auto after = next_round_of(*next, at(1'700'000'066));
    REQUIRE(after);
    CHECK(after->campaigns[0].round == 9);
    CHECK(after->valid_until == 1'700'000'126);
    // Sub-second intervals count as one second (round_clock).
    protocol::assignment fast;
    fast.campaigns = {{"f", 3}};
    fast.work = {item("f", "198.51.100.9", ms(200))};
    CHECK(next_round_of(fast, at(100))->valid_until == 101);
    // Nothing to repeat without work.
    protocol::assignment empty;
    empty.campaigns = {{"c1", 7}};
    CHECK_FALSE(next_round_of(empty, at(100)));
}

TEST_CASE("start offsets: in [0, jitter), never past the round's end") {
    std::mt19937_64 rng(42);
    const auto now = at(1000);
    CHECK(start_offset(now, now + ms(60000), ms(0), rng) == ms(0));
    CHECK(start_offset(now, now + ms(60000), ms(1), rng) == ms(0));
    CHECK(start_offset(now, now - ms(500), ms(10000), rng) == ms(0)); // round already over
    CHECK(start_offset(now, now + ms(1), ms(10000), rng) == ms(0));
    std::set<std::int64_t> seen;
    for (int i = 0; i < 2000; ++i) {
        const auto o = start_offset(now, now + ms(60000), ms(50), rng);
        CHECK(o >= ms(0));
        CHECK(o < ms(50));
        seen.insert(o.count());
        // The round's end bounds the offset when it comes before the jitter.
        const auto late = start_offset(now, now + ms(20), ms(10000), rng);
        CHECK(late >= ms(0));
        CHECK(late < ms(20));
    }
    CHECK(seen.size() > 40); // spread over the range
}
