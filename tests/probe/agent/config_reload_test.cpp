// SIGHUP: which settings of a reloaded configuration take effect at once and which need a
// restart; reloading a file that does not load keeps the current settings.
#include <doctest/doctest.h>

#include <tumen/probe/agent/config_reload.hpp>

#include "temp_dir.hpp"

using namespace tumen::probe::agent;
using ms = std::chrono::milliseconds;

namespace {

const char* base_yaml = R"(agent: fra
labels: [europe]
controller:
  url: http://198.19.254.1:8080/
  token: one
  allow_plain_http: true
  timeout: 5s
  poll_interval: 1m
  batch_size: 50
  backoff_initial: 1s
  backoff_max: 1m
spool: {dir: /var/lib/tumen/spool}
pps: 100
)";

agent_config parse(const std::string& yaml) {
    return parse_agent_config(yaml, "/etc/tumen/agent.yaml");
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    return s.replace(pos, from.size(), to);
}

} // namespace

TEST_CASE("reload: live settings are copied, the others need a restart") {
    const auto base = parse(base_yaml);
    CHECK_FALSE(needs_restart(base, base));
    auto live = parse(replace(replace(replace(base_yaml, "token: one", "token: two"),
                                      "poll_interval: 1m", "poll_interval: 10s"),
                              "labels: [europe]", "labels: [asia]"));
    live.controller->batch_max_bytes = 1000;
    CHECK_FALSE(needs_restart(base, live));
    auto current = base;
    CHECK(apply_live_settings(current, live));
    CHECK(current.labels == std::vector<std::string>{"asia"});
    CHECK(current.controller->token == "two");
    CHECK(current.controller->poll_interval == ms(10000));
    CHECK(current.controller->batch_max_bytes == 1000);
    CHECK(current.controller->url.to_string() == base.controller->url.to_string());

    const std::vector<std::pair<std::string, std::string>> restart{
        {"agent: fra", "agent: tyo"},
        {"pps: 100", "pps: 200"},
        {"dir: /var/lib/tumen/spool", "dir: /tmp/other"},
        {"url: http://198.19.254.1:8080/", "url: http://198.19.254.2:8080/"},
        {"pps: 100", "pps: 100\nuser: nobody"},
        {"pps: 100", "pps: 100\nsource: 198.18.1.10"},
        {"pps: 100", "pps: 100\ninterface: eth1"},
        {"pps: 100", "pps: 100\nmetrics: {listen: \"127.0.0.1:9101\"}"},
        {"dir: /var/lib/tumen/spool}", "dir: /var/lib/tumen/spool, max_bytes: 1MiB}"},
    };
    for (const auto& change : restart) {
        const std::string& to = change.second; // not a structured binding: CAPTURE (clang 14)
        CAPTURE(to);
        CHECK(needs_restart(base, parse(replace(base_yaml, change.first, to))));
    }
    auto with_ca = base;
    with_ca.controller->ca_file = "/etc/tumen/ca.pem";
    CHECK(needs_restart(base, with_ca));
}

TEST_CASE("reload: a controller section added or removed needs a restart, copies nothing") {
    const auto base = parse(base_yaml);
    const auto standalone = parse("agent: fra\nlabels: [asia]\nspool: {dir: /x}\n");
    CHECK(needs_restart(base, standalone));
    CHECK(needs_restart(standalone, base));
    auto current = base;
    CHECK_FALSE(apply_live_settings(current, standalone));
    CHECK(current.labels == std::vector<std::string>{"asia"}); // labels are copied anyway
    CHECK(current.controller->token == "one");
    auto other = standalone;
    CHECK_FALSE(apply_live_settings(other, base));
    CHECK_FALSE(other.controller);
}

TEST_CASE("reload: from the file; a broken file keeps the current settings") {
    tumen::test::temp_dir dir;
    const auto path = dir.path / "agent.yaml";
    tumen::test::write_file(path, replace(base_yaml, "token: one", "token: two"));
    auto current = parse(base_yaml);
    auto r = reload_config(current, path.string());
    CHECK(r.reloaded);
    CHECK(r.controller_applied);
    CHECK(current.controller->token == "two");

    tumen::test::write_file(path, "agent: fra\nppss: 3\n");
    r = reload_config(current, path.string());
    CHECK_FALSE(r.reloaded);
    CHECK_FALSE(r.controller_applied);
    CHECK(current.controller->token == "two");

    tumen::test::write_file(dir.path / "s.yaml", "campaigns: [");
    CHECK_FALSE(reload_schedule((dir.path / "s.yaml").string()));
    CHECK_FALSE(reload_schedule((dir.path / "missing.yaml").string()));
    tumen::test::write_file(dir.path / "s.yaml", R"(campaigns:
  - name: c1
    targets: {asn: 64500, prefixes: [198.51.100.0/24]}
    methods: [ping]
)");
    const auto s = reload_schedule((dir.path / "s.yaml").string());
    REQUIRE(s);
    CHECK(s->campaigns.size() == 1);
}
