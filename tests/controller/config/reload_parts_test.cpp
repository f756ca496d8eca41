// The parts of controller/config a reload of the whole configuration uses: which settings
// need a restart (keep_restart_settings), campaign files prepared and installed apart, and
// the iptoasn key.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/controller/config/campaign_source.hpp>
#include <tumen/controller/config/restart_settings.hpp>
#include <tumen/controller/config/server_config.hpp>

#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller::config;

TEST_CASE("restart settings: the running values stay, the changed ones are named in file order") {
    const std::string base = "listen: 127.0.0.1:8080\ndatabase: a.db\nthreads: 4\n"
                             "hysteresis: 3\nbody_limit: 8MiB\nretention: 30d\n";
    const auto running = parse_server_config(base, "c.yaml");
    auto same = parse_server_config(base, "c.yaml");
    CHECK(keep_restart_settings(running, same).empty());

    auto loaded = parse_server_config(
        "listen: 127.0.0.1:9090\ndatabase: b.db\nthreads: 8\nhysteresis: 5\n"
        "max_paths_per_target: 4\ntls: {cert: c.pem, key: k.pem}\nbody_limit: 64KiB\n"
        "retention: 1d\nmax_connections: 10\n",
        "c.yaml");
    CHECK(keep_restart_settings(running, loaded) ==
          std::vector<std::string>{"listen", "tls", "database", "hysteresis",
                                   "max_paths_per_target", "threads"});
    CHECK(loaded.listen_port == 8080);
    CHECK_FALSE(loaded.tls);
    CHECK(loaded.database == running.database);
    CHECK(loaded.threads == 4);
    CHECK(loaded.hysteresis == 3);
    CHECK(loaded.max_paths_per_target == running.max_paths_per_target);
    // The settings that change live keep their new values.
    CHECK(loaded.body_limit == 64 * 1024);
    CHECK(loaded.retention == std::chrono::hours(24));
    CHECK(loaded.max_connections == 10);
}

TEST_CASE("campaign source: prepare loads without installing; install puts files in force") {
    test::temp_dir dir;
    const auto a = dir.write("a.yaml", test::campaign_yaml());
    campaign_source src({a});
    src.load();
    const auto gen = src.generation();

    std::string other = test::campaign_yaml();
    other.replace(other.find("lab-border"), 10, "lab-other");
    const auto b = dir.write("b.yaml", other);
    auto next = campaign_source::prepare({b});
    CHECK(src.generation() == gen); // nothing in force yet
    CHECK(src.current()->campaigns[0].name == "lab-border");
    src.install(std::move(next));
    CHECK(src.generation() == gen + 1);
    CHECK(src.current()->campaigns[0].name == "lab-other");
    CHECK(src.files() == std::vector<std::filesystem::path>{b});
    // The installed file is the one polled from now on.
    dir.write("a.yaml", test::campaign_yaml() + "    pps: fast\n");
    CHECK_FALSE(src.poll().reloaded);
    CHECK(src.poll().error.empty());
    dir.write("b.yaml", other + "    pps: fast\n");
    CHECK(src.poll().error.find("b.yaml:17:") != std::string::npos);

    CHECK_THROWS_WITH_AS(campaign_source::prepare({dir.path / "missing.yaml"}),
                         doctest::Contains("missing.yaml"), std::exception);
}

TEST_CASE("config: iptoasn files, relative to the configuration") {
    const auto c =
        parse_server_config("database: x.db\niptoasn: [ip2asn-v4.tsv]\n", "/etc/tumen/c.yaml");
    CHECK(c.iptoasn == std::vector<std::filesystem::path>{"/etc/tumen/ip2asn-v4.tsv"});
}
