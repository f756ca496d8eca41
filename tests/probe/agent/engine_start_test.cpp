// The daemon's engine options: --pps, --source and the configuration, the route hint.
#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>
#include <tumen/probe/agent/engine_start.hpp>

using namespace tumen;
using namespace tumen::probe::agent;

TEST_CASE("engine options: command line over configuration, route hint otherwise") {
    run_options o;
    agent_config cfg;
    cfg.pps = 250;
    cfg.interface = "eth1";
    auto eo = engine_options_of(o, cfg, nullptr, "fra");
    REQUIRE(eo);
    CHECK(eo->agent == "fra");
    CHECK(eo->pps == 250);
    CHECK(eo->interface == "eth1");
    CHECK_FALSE(eo->source);
    CHECK(eo->route_hint == ipv4_addr(192, 0, 2, 1)); // the default route's source

    campaign::campaign_set set;
    set.campaigns.emplace_back();
    CHECK(engine_options_of(o, cfg, &set, "fra")->route_hint == ipv4_addr(192, 0, 2, 1));
    set.campaigns.front().targets.prefixes = {*ipv4_prefix::parse("198.51.100.0/24")};
    CHECK(engine_options_of(o, cfg, &set, "fra")->route_hint == ipv4_addr(198, 51, 100, 1));

    cfg.source = "198.18.1.10";
    eo = engine_options_of(o, cfg, &set, "fra");
    CHECK(eo->source == ipv4_addr(198, 18, 1, 10));
    CHECK_FALSE(eo->route_hint);
    o.source = "198.18.1.11";
    o.pps = 10.5;
    eo = engine_options_of(o, cfg, &set, "fra");
    CHECK(eo->source == ipv4_addr(198, 18, 1, 11));
    CHECK(eo->pps == 10.5);
    o.source = "eth0";
    CHECK_FALSE(engine_options_of(o, cfg, &set, "fra"));
}
