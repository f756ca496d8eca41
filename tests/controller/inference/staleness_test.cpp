// evaluate_freshness: a verdict is stale when its last observation is older than stale_after.
#include <chrono>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/controller/inference/staleness.hpp>

using namespace tumen::controller::inference;
using namespace std::chrono_literals;

namespace {

struct freshness_case {
    const char* name;
    std::int64_t last;
    std::int64_t now;
    std::chrono::milliseconds stale_after;
    freshness expected;
};

const std::vector<freshness_case> cases = {
    {"just observed", 1000, 1000, 15min, {false, 0}},
    {"within stale_after", 1000, 1899, 15min, {false, 899}},
    {"exactly stale_after is still fresh", 1000, 1900, 15min, {false, 900}},
    {"one second past stale_after", 1000, 1901, 15min, {true, 901}},
    {"long stop", 1000, 1000 + 86400 * 30, 15min, {true, 86400 * 30}},
    {"sub-second stale_after: 2500ms, age 2", 1000, 1002, 2500ms, {false, 2}},
    {"sub-second stale_after: 2500ms, age 3", 1000, 1003, 2500ms, {true, 3}},
    {"observation in the future (clock step)", 2000, 1000, 15min, {false, 0}},
    {"never observed", 0, 1000, 15min, {true, 1000}},
};

} // namespace

TEST_CASE("evaluate_freshness: table") {
    for (const auto& c : cases) {
        CAPTURE(c.name);
        CHECK(evaluate_freshness(c.last, c.now, c.stale_after) == c.expected);
    }
}
