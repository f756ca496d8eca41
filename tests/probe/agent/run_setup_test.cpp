// The start of `tumen-agent run`: modes, options that go together, files that must load.
#include <doctest/doctest.h>

#include <tumen/probe/agent/run_setup.hpp>

#include "temp_dir.hpp"

using namespace tumen::probe::agent;

TEST_CASE("run setup: controller or standalone mode, and what goes together") {
    tumen::test::temp_dir dir;
    const auto schedule = (dir.path / "s.yaml").string();
    tumen::test::write_file(schedule, R"(campaigns:
  - name: c1
    targets: {asn: 64500, prefixes: [198.51.100.0/24]}
    methods: [ping]
)");
    const auto config = (dir.path / "agent.yaml").string();
    tumen::test::write_file(config, "agent: fra\ncontroller: {url: \"http://127.0.0.1:9/\", "
                                    "token: t}\nspool: {dir: spool}\n");
    const auto no_controller = (dir.path / "standalone.yaml").string();
    tumen::test::write_file(no_controller, "agent: tyo\nspool: {dir: spool}\n");

    run_options o;
    CHECK_FALSE(load_run_setup(o)); // neither mode
    o.schedule = schedule;
    CHECK_FALSE(load_run_setup(o)); // --schedule without --output
    o.output = (dir.path / "out.jsonl").string();
    auto s = load_run_setup(o);
    REQUIRE(s);
    REQUIRE(s->campaigns);
    CHECK(s->campaigns->campaigns.size() == 1);
    CHECK_FALSE(s->agent.empty()); // the host name
    o.agent = "ams";
    CHECK(load_run_setup(o)->agent == "ams");
    o.pps = 0;
    CHECK_FALSE(load_run_setup(o));
    o.pps = 100001;
    CHECK_FALSE(load_run_setup(o));
    o.pps = 100000;
    CHECK(load_run_setup(o));
    o.schedule = (dir.path / "missing.yaml").string();
    CHECK_FALSE(load_run_setup(o));

    run_options c;
    c.config = config;
    s = load_run_setup(c);
    REQUIRE(s);
    CHECK(s->agent == "fra");
    CHECK(s->config.controller);
    CHECK_FALSE(s->campaigns);
    c.once = true;
    CHECK_FALSE(load_run_setup(c)); // --once is for standalone mode
    c.once = false;
    c.output = (dir.path / "out.jsonl").string();
    CHECK_FALSE(load_run_setup(c)); // --output without --schedule
    c.output.clear();
    c.config = no_controller;
    CHECK_FALSE(load_run_setup(c)); // controller mode needs a controller section
    c.schedule = schedule;
    c.output = (dir.path / "out.jsonl").string();
    s = load_run_setup(c); // standalone with a configuration
    REQUIRE(s);
    CHECK(s->agent == "tyo");
    c.config = (dir.path / "missing.yaml").string();
    CHECK_FALSE(load_run_setup(c));
}
