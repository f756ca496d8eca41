#include <doctest/doctest.h>

#include <tumen/probe/agent/agent_config.hpp>

#include "temp_dir.hpp"

using namespace tumen::probe::agent;

namespace {

/// The error message of parsing `yaml`, or "" if it parsed.
std::string error_of(const std::string& yaml) {
    try {
        (void)parse_agent_config(yaml, "/etc/tumen/agent.yaml");
    } catch (const config_error& e) {
        return e.what();
    }
    return "";
}

} // namespace

TEST_CASE("agent config: a full configuration parses") {
    const auto c = parse_agent_config(R"(agent: fra
labels: [europe, hetzner]
controller:
  url: https://198.19.254.1:8443/
  token: s3cr3t-token
  ca_file: ca.pem
  timeout: 5s
  poll_interval: 2m
  batch_size: 50
  batch_max_bytes: 256KiB
  backoff_initial: 500ms
  backoff_max: 1m
spool:
  dir: spool
  max_bytes: 8MiB
pps: 250
metrics: {listen: "198.19.254.11:9101"}
user: nobody
source: 198.18.1.10
)",
                                      "/etc/tumen/agent.yaml");
    CHECK(c.id == "fra");
    CHECK(c.labels == std::vector<std::string>{"europe", "hetzner"});
    REQUIRE(c.controller);
    CHECK(c.controller->url.tls);
    CHECK(c.controller->url.host == "198.19.254.1");
    CHECK(c.controller->url.port == 8443);
    CHECK(c.controller->url.base_path.empty());
    CHECK(c.controller->token == "s3cr3t-token");
    CHECK(c.controller->ca_file == "/etc/tumen/ca.pem");
    CHECK(c.controller->timeout == std::chrono::seconds(5));
    CHECK(c.controller->poll_interval == std::chrono::minutes(2));
    CHECK(c.controller->batch_size == 50);
    CHECK(c.controller->batch_max_bytes == 256 * 1024);
    CHECK(c.controller->backoff_initial == std::chrono::milliseconds(500));
    CHECK(c.controller->backoff_max == std::chrono::minutes(1));
    CHECK(c.spool.dir == "/etc/tumen/spool");
    CHECK(c.spool.max_bytes == 8u << 20);
    CHECK(c.spool.dead_letter == "/etc/tumen/spool/dead-letter.jsonl");
    CHECK(c.pps == 250);
    CHECK(c.metrics_listen == "198.19.254.11:9101");
    CHECK(c.user == "nobody");
    CHECK(c.source == "198.18.1.10");
}

TEST_CASE("agent config: labels as a mapping become name=value") {
    const auto c = parse_agent_config(
        "agent: fra1\nlabels: {provider: example-hosting, country: DE}\nspool: {dir: /x}\n",
        "a.yaml");
    CHECK(c.labels == std::vector<std::string>{"provider=example-hosting", "country=DE"});
}

TEST_CASE("agent config: defaults and standalone (no controller)") {
    const auto c = parse_agent_config("agent: tyo\nspool: {dir: /var/lib/x}\n", "a.yaml");
    CHECK(c.id == "tyo");
    CHECK_FALSE(c.controller);
    CHECK(c.pps == 100);
    CHECK(c.spool.max_bytes == 64u << 20);
    CHECK(c.metrics_listen.empty());
}

TEST_CASE("agent config: errors name file:line:column") {
    // Unknown key (typo) at line 2, column 1.
    CHECK(error_of("agent: fra\nppss: 10\nspool: {dir: /x}\n") ==
          "/etc/tumen/agent.yaml:2:1: unknown key \"ppss\" in the agent configuration (allowed: "
          "agent, labels, controller, spool, pps, metrics, user, source, interface)");
    // Bad value: the position is that of the value.
    CHECK(error_of("agent: fra\nspool: {dir: /x}\npps: fast\n") ==
          "/etc/tumen/agent.yaml:3:6: pps must be a non-negative integer, got \"fast\"");
    CHECK(error_of("agent: fra\nspool: {dir: /x}\npps: 0\n") ==
          "/etc/tumen/agent.yaml:3:6: pps must be between 1 and 100000, got 0");
    CHECK(error_of("agent: fra\nspool:\n  dir: /x\n  max_bytes: 12XB\n") ==
          "/etc/tumen/agent.yaml:4:14: spool.max_bytes must be a size like 65536, 512KiB or "
          "64MiB, got \"12XB\"");
    CHECK(error_of("agent: 'bad id!'\nspool: {dir: /x}\n") ==
          "/etc/tumen/agent.yaml:1:8: agent id 'bad id!' must be 1-64 characters of "
          "[A-Za-z0-9._-]");
    CHECK(error_of("spool: {dir: /x}\n") ==
          "/etc/tumen/agent.yaml:1:1: agent (the agent id) is required");
    CHECK(error_of("agent: fra\n") ==
          "/etc/tumen/agent.yaml:1:1: spool (with spool.dir) is required");
    CHECK(error_of("agent: fra\nspool: {dir: /x}\ncontroller:\n  url: ftp://h/\n  token: t\n") ==
          "/etc/tumen/agent.yaml:4:8: controller.url: must start with http:// or https://");
    CHECK(error_of(
              "agent: fra\nspool: {dir: /x}\ncontroller:\n  url: http://h:99999/\n  token: t\n") ==
          "/etc/tumen/agent.yaml:4:8: controller.url: port '99999' must be 1..65535");
    CHECK(error_of("agent: fra\nspool: {dir: /x}\ncontroller:\n  url: http://localhost/\n") ==
          "/etc/tumen/agent.yaml:4:3: controller needs exactly one of token or token_file");
    CHECK(error_of("agent: fra\nspool: {dir: /x}\ncontroller:\n  url: http://127.0.0.1/\n"
                   "  token: t\n  ca_file: /ca.pem\n") ==
          "/etc/tumen/agent.yaml:6:12: controller.ca_file needs an https:// url");
    CHECK(error_of("agent: fra\nspool: {dir: /x}\ncontroller:\n  url: http://localhost/\n"
                   "  token: t\n  timeout: 10 s\n") ==
          "/etc/tumen/agent.yaml:6:12: controller.timeout: unknown duration unit \" s\" (use ms, "
          "s, m, h or d)");
    CHECK(error_of("agent: fra\nspool: {dir: /x}\nmetrics: {listen: 'nohost'}\n") ==
          "/etc/tumen/agent.yaml:3:19: metrics.listen must be IPV4:PORT, got 'nohost'");
    CHECK(error_of("agent: fra\nagent: tyo\nspool: {dir: /x}\n")
              .find("/etc/tumen/agent.yaml:2:1: duplicate key \"agent\"") == 0);
    // YAML syntax errors carry the parser's position.
    CHECK(error_of("agent: [fra\nspool: {dir: /x}\n").starts_with("/etc/tumen/agent.yaml:"));
    CHECK(error_of("agent: fra\nlabels: 3\nspool: {dir: /x}\n") ==
          "/etc/tumen/agent.yaml:2:9: labels must be a list of names, e.g. [europe, hetzner], "
          "or a mapping name: value (kept as \"name=value\")");
    CHECK(error_of("agent: fra\nlabels: [a, 'b c']\nspool: {dir: /x}\n") ==
          "/etc/tumen/agent.yaml:2:13: label 'b c' must be 1-64 characters of [A-Za-z0-9._-]");
}

TEST_CASE("agent config: token_file is read, relative to the config file") {
    tumen::test::temp_dir dir;
    tumen::test::write_file(dir.path / "token", "abc123\n");
    tumen::test::write_file(
        dir.path / "agent.yaml",
        "agent: msk\nspool: {dir: s}\ncontroller:\n  url: http://198.19.254.1:8080\n"
        "  token_file: token\n  allow_plain_http: true\n");
    const auto c = load_agent_config(dir.path / "agent.yaml");
    REQUIRE(c.controller);
    CHECK(c.controller->token == "abc123");
    CHECK(c.spool.dir == dir.path / "s");

    tumen::test::write_file(dir.path / "token", "two words\n");
    try {
        (void)load_agent_config(dir.path / "agent.yaml");
        FAIL("a token with a space was accepted");
    } catch (const config_error& e) {
        CHECK(std::string(e.what()).find(":5:15: ") != std::string::npos);
        CHECK(std::string(e.what()).find("token must be one line") != std::string::npos);
    }
    std::filesystem::remove(dir.path / "token");
    CHECK_THROWS_AS(load_agent_config(dir.path / "agent.yaml"), config_error);
    CHECK_THROWS_AS(load_agent_config(dir.path / "missing.yaml"), config_error);
}

TEST_CASE("agent config: plain http only to loopback unless allow_plain_http") {
    const auto config = [](const std::string& url, const std::string& extra = "") {
        return "agent: fra\nspool: {dir: /x}\ncontroller:\n  url: " + url + "\n  token: t\n" +
               extra;
    };
    // The token would cross the network in clear: refused, at the url's line and column.
    const std::string refused = "/etc/tumen/agent.yaml:4:8: controller.url: http:// to ";
    const std::string why = " would send the token in clear; use https:// (tumen-controller "
                            "init-tls) or set controller.allow_plain_http: true";
    CHECK(error_of(config("http://198.19.254.1:8470")) == refused + "198.19.254.1" + why);
    CHECK(error_of(config("http://controller.example.net:8470/tumen")) ==
          refused + "controller.example.net" + why);
    CHECK(error_of(config("http://128.0.0.1/")) == refused + "128.0.0.1" + why);
    CHECK(error_of(config("http://localhost.example.net/")) ==
          refused + "localhost.example.net" + why);
    CHECK(error_of(config("http://198.19.254.1", "  allow_plain_http: yes please\n"))
              .starts_with("/etc/tumen/agent.yaml:6:21: controller.allow_plain_http"));
    // Loopback stays allowed; https is always; the opt-out allows the rest.
    for (const char* ok : {"http://127.0.0.1:8470", "http://127.255.0.9/", "http://localhost/",
                           "http://LOCALHOST./", "http://ctl.localhost:8470"}) {
        CAPTURE(ok);
        CHECK(error_of(config(ok)).empty());
    }
    CHECK(error_of(config("https://198.19.254.1:8470")).empty());
    const auto c = parse_agent_config(
        config("http://198.19.254.1:8470", "  allow_plain_http: true\n"), "/etc/tumen/agent.yaml");
    REQUIRE(c.controller);
    CHECK(c.controller->allow_plain_http);
    CHECK_FALSE(c.controller->url.tls);
    CHECK(error_of(config("http://198.19.254.1", "  allow_plain_http: false\n")) ==
          refused + "198.19.254.1" + why);
}

TEST_CASE("agent config: durations and sizes") {
    CHECK(parse_duration("250ms") == std::chrono::milliseconds(250));
    CHECK(parse_duration("10") == std::chrono::seconds(10));
    CHECK(parse_duration("5m") == std::chrono::minutes(5));
    CHECK(parse_duration("1h") == std::chrono::hours(1));
    CHECK(parse_duration("1d") == std::chrono::hours(24));
    CHECK_FALSE(parse_duration("-1s"));
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("99999999999999999999s"));
    CHECK(parse_size("64MiB") == 64ull << 20);
    CHECK(parse_size("1kB") == 1000);
    CHECK(parse_size("4096") == 4096);
    CHECK_FALSE(parse_size("1 MiB"));
    CHECK_FALSE(parse_size("18446744073709551615GiB"));
}

TEST_CASE("controller url parsing") {
    std::string err;
    auto u = controller_url::parse("http://controller.example:8080/tumen/", err);
    REQUIRE(u);
    CHECK_FALSE(u->tls);
    CHECK(u->host == "controller.example");
    CHECK(u->port == 8080);
    CHECK(u->base_path == "/tumen");
    CHECK(u->to_string() == "http://controller.example:8080/tumen");
    u = controller_url::parse("https://192.0.2.1", err);
    REQUIRE(u);
    CHECK(u->port == 443);
    CHECK_FALSE(controller_url::parse("http://user@h/", err));
    CHECK_FALSE(controller_url::parse("http://:80/", err));
    CHECK(err == "host is missing");
    CHECK_FALSE(controller_url::parse("http://h/a b", err));
}
