// validate(): the YAML parser and the work-item JSON parser accept and reject the same
// probe parameters (one table of cases run through both).
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>

#include "campaign_fixture.hpp"

using namespace tumen::campaign;
using campaign_fixture::good;
using campaign_fixture::replace;
using nlohmann::json;

namespace {

/// One setting, in YAML and in work-item JSON.
struct param_case {
    const char* yaml; ///< lines replacing `replaces` in the valid campaign (interval 10s)
    std::vector<std::pair<const char*, json>> json_fields; ///< fields set in a work item
    const char* field;     ///< the JSON field an error names ("" when accepted)
    const char* yaml_text; ///< a fragment of the YAML error ("" when accepted)
    const char* replaces = "    jitter: 500ms"; ///< the line of the valid campaign replaced
};

const std::vector<param_case> rejected = {
    {"    interval: 999ms",
     {{"interval_ms", 999}},
     "interval_ms",
     "interval must be at least 1s",
     "    interval: 10s"},
    {"    interval: 366d",
     {{"interval_ms", 366LL * 24 * 3600 * 1000}},
     "interval_ms",
     "interval must be at most 365d",
     "    interval: 10s"},
    {"    wait: 0ms", {{"wait_ms", 0}}, "wait_ms", "wait must be between 10ms and 60s"},
    {"    wait: 9ms", {{"wait_ms", 9}}, "wait_ms", "wait must be between 10ms and 60s"},
    {"    wait: 60001ms", {{"wait_ms", 60001}}, "wait_ms", "wait must be between 10ms and 60s"},
    {"    watch_interval: 999ms",
     {{"watch_interval_ms", 999}},
     "watch_interval_ms",
     "watch_interval must be 0 (off) or at least 1s"},
    {"    watch_interval: 10s",
     {{"watch_interval_ms", 10000}},
     "watch_interval_ms",
     "watch_interval must be shorter than interval"},
    {"    attempts: 0", {{"attempts", 0}}, "attempts", "attempts must be between 1 and 16"},
    {"    attempts: 17", {{"attempts", 17}}, "attempts", "attempts must be between 1 and 16"},
    {"    first_ttl: 0", {{"first_ttl", 0}}, "first_ttl", "first_ttl must be between 1 and 255"},
    {"    max_ttl: 256", {{"max_ttl", 256}}, "max_ttl", "max_ttl must be between 1 and 255"},
    {"    first_ttl: 20\n    max_ttl: 10",
     {{"first_ttl", 20}, {"max_ttl", 10}},
     "first_ttl",
     "first_ttl must not exceed max_ttl"},
    {"    gap_limit: 0", {{"gap_limit", 0}}, "gap_limit", "gap_limit must be between 1 and 255"},
    {"    hops_in_flight: 0",
     {{"hops_in_flight", 0}},
     "hops_in_flight",
     "hops_in_flight must be between 1 and 32"},
    {"    hops_in_flight: 33",
     {{"hops_in_flight", 33}},
     "hops_in_flight",
     "hops_in_flight must be between 1 and 32"},
    {"    jitter: 10s",
     {{"jitter_ms", 10000}},
     "jitter_ms",
     "jitter must be shorter than interval"},
    {"    pps: 100001", {{"pps", 100001}}, "pps", "pps must be a number in (0, 100000]"},
    {"    pps: 0", {{"pps", 0}}, "pps", "pps must be a number in (0, 100000]"},
    {"    udp_port: 0", {{"udp_port", 0}}, "udp_port", "udp_port must be between 1 and 65535"},
    {"    tcp_port: 0", {{"tcp_port", 0}}, "tcp_port", "tcp_port must be between 1 and 65535"},
};

const std::vector<param_case> accepted = {
    {"    interval: 365d",
     {{"interval_ms", 365LL * 24 * 3600 * 1000}, {"jitter_ms", 500}},
     "",
     "",
     "    interval: 10s"},
    {"    interval: 1s", {{"interval_ms", 1000}, {"jitter_ms", 500}}, "", "", "    interval: 10s"},
    {"    wait: 10ms", {{"wait_ms", 10}}, "", ""},
    {"    wait: 60s", {{"wait_ms", 60000}}, "", ""},
    {"    attempts: 16", {{"attempts", 16}}, "", ""},
    {"    watch_interval: 0s", {{"watch_interval_ms", 0}}, "", ""},
    {"    watch_interval: 1s", {{"watch_interval_ms", 1000}}, "", ""},
    {"    watch_interval: 9999ms", {{"watch_interval_ms", 9999}}, "", ""},
    {"    first_ttl: 30\n    max_ttl: 30", {{"first_ttl", 30}, {"max_ttl", 30}}, "", ""},
    {"    hops_in_flight: 32", {{"hops_in_flight", 32}}, "", ""},
    {"    pps: 100000", {{"pps", 100000}}, "", ""},
    {"    jitter: 9999ms", {{"jitter_ms", 9999}}, "", ""},
    {"    udp_port: 65535", {{"udp_port", 65535}}, "", ""},
};

tumen::parsed<campaign_set> parse_yaml(const param_case& c) {
    return try_parse_campaigns(replace(good, c.replaces, c.yaml), "case.yaml");
}

tumen::parsed<work_item> parse_json(const param_case& c) {
    // The campaign without its jitter line, as the YAML cases start from.
    auto set = parse_campaigns(replace(good, "    jitter: 500ms\n", ""), "good.yaml");
    json j = to_json(compute_work(set, "fra", {}, 0).at(0));
    for (const auto& [key, value] : c.json_fields) {
        j[key] = value;
    }
    return parse_work_item(j);
}

} // namespace

TEST_CASE("YAML and JSON reject the same probe parameters") {
    for (const auto& c : rejected) {
        CAPTURE(c.yaml);
        auto y = parse_yaml(c);
        REQUIRE_FALSE(y.ok());
        CHECK(y.error().what.find(c.yaml_text) != std::string::npos);
        auto j = parse_json(c);
        REQUIRE_FALSE(j.ok());
        CHECK(j.error().where == c.field);
        CHECK(j.error().what.find(c.yaml_text) != std::string::npos);
    }
}

TEST_CASE("YAML and JSON accept the same limits") {
    for (const auto& c : accepted) {
        CAPTURE(c.yaml);
        auto y = parse_yaml(c);
        REQUIRE(y.ok());
        auto j = parse_json(c);
        REQUIRE(j.ok());
        CHECK(j->params == y->campaigns[0].params);
    }
}

TEST_CASE("validate() names the parameter and the YAML and JSON keys") {
    probe_params p;
    CHECK_FALSE(validate(p));
    p.wait = std::chrono::milliseconds(0);
    auto e = validate(p);
    REQUIRE(e);
    CHECK(e->field == param::wait);
    CHECK(yaml_key(e->field) == "wait");
    CHECK(json_key(e->field) == "wait_ms");
    p = probe_params{};
    p.interval = std::chrono::milliseconds(999);
    REQUIRE(validate(p));
    CHECK(validate(p)->what == "interval must be at least 1s");
    p.interval = limits::interval_max + std::chrono::milliseconds(1);
    REQUIRE(validate(p));
    CHECK(validate(p)->field == param::interval);
    CHECK(json_key(param::interval) == "interval_ms");
}

TEST_CASE("the JSON parser reports type errors at the field") {
    auto set = parse_campaigns(good, "good.yaml");
    json j = to_json(compute_work(set, "fra", {}, 0).at(0));
    j["attempts"] = "3";
    auto e = parse_work_item(j);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().where == "attempts");
    j = to_json(compute_work(set, "fra", {}, 0).at(0));
    j.erase("wait_ms");
    e = parse_work_item(j);
    REQUIRE_FALSE(e.ok());
    CHECK(e.error().message() == "wait_ms: missing required integer field");
}
