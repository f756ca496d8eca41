// Authorization by work (issue 12, defect 9): the decision on one result against the
// assignment history, without store or clock.
#include <doctest/doctest.h>

#include <tumen/controller/pipeline/authorize.hpp>

using namespace tumen;
using namespace tumen::controller;
using namespace tumen::controller::pipeline;

namespace {

const std::string target = "198.19.176.0/24";
const ipv4_addr in_target(198, 19, 176, 9);
const ipv4_addr elsewhere(198, 18, 40, 1); // a ping target outside every prefix

store::assignment_row period(const std::string& agent, std::int64_t since,
                             std::optional<std::int64_t> until,
                             const std::string& prefix = target) {
    return store::assignment_row{agent, "lab-border", prefix, since, until};
}

work_claim trace_at(const std::string& agent, std::int64_t t, ipv4_addr dst = in_target) {
    return work_claim{agent, "lab-border", dst, t, false};
}

} // namespace

TEST_CASE("authorize: a result inside an assignment period is accepted") {
    const std::vector<store::assignment_row> h{period("fra", 1000, 5000)};
    CHECK_FALSE(authorize(trace_at("fra", 1000), h, 0));
    CHECK_FALSE(authorize(trace_at("fra", 3000), h, 0));
    CHECK_FALSE(authorize(trace_at("fra", 5000), h, 0));
    // An open period covers every later time.
    CHECK_FALSE(authorize(trace_at("fra", 900'000), {period("fra", 1000, std::nullopt)}, 0));
}

TEST_CASE("authorize: never assigned (another agent's, another campaign's, another target)") {
    const std::vector<store::assignment_row> h{period("fra", 0, std::nullopt)};
    auto other_agent = authorize(trace_at("tyo", 10), h, 300);
    REQUIRE(other_agent);
    CHECK(other_agent->reason == refusal_reason::not_assigned);
    CHECK(other_agent->what.find("agent \"tyo\"") != std::string::npos);
    CHECK(other_agent->what.find("lab-border") != std::string::npos);

    auto other_campaign = work_claim{"fra", "elsewhere", in_target, 10, false};
    REQUIRE(authorize(other_campaign, h, 300));
    CHECK(authorize(other_campaign, h, 300)->reason == refusal_reason::not_assigned);

    auto outside = authorize(trace_at("fra", 10, ipv4_addr(198, 19, 177, 1)), h, 300);
    REQUIRE(outside);
    CHECK(outside->reason == refusal_reason::not_assigned);
    CHECK(outside->what.find("198.19.177.1") != std::string::npos);
}

TEST_CASE("authorize: assigned only before or only after the measurement time") {
    const std::vector<store::assignment_row> h{period("fra", 10'000, 20'000)};
    auto before = authorize(trace_at("fra", 5'000), h, 300);
    REQUIRE(before);
    CHECK(before->reason == refusal_reason::outside_assignment);
    CHECK(before->what.find("5000") != std::string::npos);
    CHECK(before->what.find("10000..20000") != std::string::npos);
    auto after = authorize(trace_at("fra", 30'000), h, 300);
    REQUIRE(after);
    CHECK(after->reason == refusal_reason::outside_assignment);
    // A later period of the same assignment covers it again.
    auto again = h;
    again.push_back(period("fra", 25'000, std::nullopt));
    CHECK_FALSE(authorize(trace_at("fra", 30'000), again, 300));
    CHECK(authorize(trace_at("fra", 22'000), again, 300));
}

TEST_CASE("authorize: clock skew on both ends of a period") {
    const std::vector<store::assignment_row> h{period("fra", 10'000, 20'000)};
    CHECK_FALSE(authorize(trace_at("fra", 9'700), h, 300));
    CHECK(authorize(trace_at("fra", 9'699), h, 300));
    CHECK_FALSE(authorize(trace_at("fra", 20'300), h, 300));
    CHECK(authorize(trace_at("fra", 20'301), h, 300));
    CHECK(authorize(trace_at("fra", 9'999), h, 0));
}

TEST_CASE("authorize: a ping to a ping target needs the campaign assigned at its time") {
    const std::vector<store::assignment_row> h{period("fra", 10'000, 20'000)};
    CHECK_FALSE(authorize(work_claim{"fra", "lab-border", elsewhere, 15'000, true}, h, 300));
    auto late = authorize(work_claim{"fra", "lab-border", elsewhere, 50'000, true}, h, 300);
    REQUIRE(late);
    CHECK(late->reason == refusal_reason::outside_assignment);
    // A trace to the same address is not work of the campaign at all.
    auto trace = authorize(work_claim{"fra", "lab-border", elsewhere, 15'000, false}, h, 300);
    REQUIRE(trace);
    CHECK(trace->reason == refusal_reason::not_assigned);
    // Another agent's campaign: never assigned.
    auto other = authorize(work_claim{"tyo", "lab-border", elsewhere, 15'000, true}, h, 300);
    REQUIRE(other);
    CHECK(other->reason == refusal_reason::not_assigned);
}

TEST_CASE("authorize: the longest target prefix decides") {
    // The /16 was assigned throughout; its /24 only later, as a target of its own.
    const std::vector<store::assignment_row> h{period("fra", 0, std::nullopt, "198.19.0.0/16"),
                                               period("fra", 10'000, std::nullopt)};
    CHECK_FALSE(authorize(trace_at("fra", 15'000), h, 0));
    CHECK(authorize(trace_at("fra", 5'000), h, 0));
    CHECK_FALSE(authorize(trace_at("fra", 5'000, ipv4_addr(198, 19, 9, 9)), h, 0));
}
