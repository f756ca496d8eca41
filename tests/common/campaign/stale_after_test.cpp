// stale_after: a controller-only campaign key (a duration longer than interval + jitter,
// default 3 x interval), checked by validate() with the YAML reader's file:line:column, and
// never sent in work items.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>

#include "campaign_fixture.hpp"

using namespace tumen::campaign;
using namespace std::chrono_literals;
using campaign_fixture::expect_error;
using campaign_fixture::good;
using campaign_fixture::replace;

namespace {

/// The valid campaign (interval 10s, jitter 500ms) with `line` after its jitter line (16).
std::string with_line(const std::string& line) {
    return replace(good, "    jitter: 500ms\n", "    jitter: 500ms\n" + line + "\n");
}

struct stale_case {
    const char* value;                              ///< the YAML value of stale_after
    std::optional<std::chrono::milliseconds> given; ///< accepted: the value read
    const char* error;                              ///< rejected: a fragment of the error
};

const std::vector<stale_case> cases = {
    {"15m", 15min, ""},
    {"10501ms", 10501ms, ""},
    {"1095d", std::chrono::hours(24 * 1095), ""},
    {"10500ms", std::nullopt, "stale_after must be longer than interval + jitter"},
    {"10s", std::nullopt, "stale_after must be longer than interval + jitter"},
    {"0s", std::nullopt, "stale_after must be longer than interval + jitter"},
    {"1096d", std::nullopt, "stale_after must be at most 1095d"},
    {"soon", std::nullopt, "stale_after must be a duration"},
    {"5y", std::nullopt, "stale_after: unknown duration unit \"y\""},
};

} // namespace

TEST_CASE("stale_after: accepted and rejected values, errors at the value") {
    for (const auto& c : cases) {
        CAPTURE(c.value);
        const auto text = with_line(std::string("    stale_after: ") + c.value);
        if (c.given) {
            auto set = parse_campaigns(text, "test.yaml");
            REQUIRE(set.campaigns.size() == 1);
            CHECK(set.campaigns[0].params.stale_after == c.given);
            CHECK(set.campaigns[0].params.stale_after_or_default() == *c.given);
        } else {
            // Line 17 of the campaign; the value starts after "    stale_after: ".
            expect_error(text, 17, 18, c.error);
        }
    }
}

TEST_CASE("stale_after: default 3 x interval, and validate() on its own") {
    auto set = parse_campaigns(good, "good.yaml");
    CHECK_FALSE(set.campaigns[0].params.stale_after);
    CHECK(set.campaigns[0].params.stale_after_or_default() == 30s);

    probe_params p;
    CHECK(p.stale_after_or_default() == 15min); // 3 x the default interval of 5m
    p.stale_after = p.interval;
    auto e = validate(p);
    REQUIRE(e);
    CHECK(e->field == param::stale_after);
    CHECK(yaml_key(e->field) == "stale_after");
    p.stale_after = p.interval + 1ms;
    CHECK_FALSE(validate(p));
}

TEST_CASE("stale_after is not sent in work items, which stay as before") {
    auto set = parse_campaigns(with_line("    stale_after: 15m"), "test.yaml");
    auto items = compute_work(set, "fra", {}, 0);
    REQUIRE_FALSE(items.empty());
    auto j = to_json(items.at(0));
    CHECK_FALSE(j.contains("stale_after"));
    CHECK_FALSE(j.contains("stale_after_ms"));
    auto back = parse_work_item(j);
    REQUIRE(back.ok());
    CHECK_FALSE(back->params.stale_after);
    auto expected = items.at(0).params;
    expected.stale_after.reset();
    CHECK(back->params == expected);
}
