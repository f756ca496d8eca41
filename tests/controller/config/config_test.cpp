// Token hashes, strict configuration loading and campaign reload.
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/config/campaign_source.hpp>
#include <tumen/controller/config/server_config.hpp>
#include <tumen/controller/config/token.hpp>

#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller;
using namespace tumen::controller::config;

TEST_CASE("token hash: salted, verifiable, parseable") {
    const std::string token = "0123456789abcdef0123456789abcdef";
    auto a = hash_token(token);
    auto b = hash_token(token);
    CHECK(a.to_string() != b.to_string()); // different salts
    CHECK(a.matches(token));
    CHECK_FALSE(a.matches(token + "x"));
    CHECK_FALSE(a.matches(""));
    auto parsed = token_hash::parse(a.to_string());
    REQUIRE(parsed);
    CHECK(parsed->matches(token));
    CHECK(a.to_string().rfind("sha256$", 0) == 0);
    CHECK_FALSE(token_hash::parse("sha256$zz$00"));
    CHECK_FALSE(token_hash::parse(a.to_string().substr(0, 40)));
    CHECK_FALSE(token_hash::parse("md5$" + a.to_string().substr(7)));
    // Known vector: SHA-256 of 16 zero bytes followed by "abc" (python3 hashlib).
    std::array<unsigned char, 16> zero{};
    CHECK(hash_token("abc", zero).to_string() ==
          "sha256$00000000000000000000000000000000$"
          "277e7ff6d232b9763f4a66e8d05d210da32dac9c6dbce1026ad4cc98acb5fefe");
}

TEST_CASE("config: strict, errors carry file:line:column") {
    test::temp_dir dir;
    auto path = test::write_config(dir);
    auto c = load_server_config(path);
    CHECK(c.listen_address == "127.0.0.1");
    CHECK(c.listen_port == 0);
    CHECK(c.agents.size() == 3);
    CHECK(c.hysteresis == 2);
    CHECK(c.database == dir.path / "controller.db");
    // A PostgreSQL URI is kept as written, not taken as a file relative to the folder.
    CHECK(parse_server_config("database: postgresql://ctl@db.example/tumen\n", "c.yaml").database ==
          "postgresql://ctl@db.example/tumen");
    CHECK(c.campaign_poll == std::chrono::milliseconds(100));
    REQUIRE(c.find_agent("msk"));
    CHECK(c.find_agent("msk")->token.matches(test::token_of("msk")));

    auto error_of = [&](const std::string& yaml) {
        try {
            parse_server_config(yaml, "c.yaml");
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(error_of("database: x\nlisten: 127.0.0.1:80\nlisen: 1\n")
              .rfind("c.yaml:3:1: unknown key \"lisen\"", 0) == 0);
    CHECK(error_of("database: x\nlisten: localhost:80\n").rfind("c.yaml:2:9:", 0) == 0);
    CHECK(error_of("database: x\nlisten: 127.0.0.1:99999\n").find("bad port") != std::string::npos);
    CHECK(error_of("database: x\nhysteresis: zero\n").rfind("c.yaml:2:13:", 0) == 0);
    CHECK(error_of("database: x\nbody_limit: 8XB\n").find("body_limit") != std::string::npos);
    CHECK(error_of("listen: 127.0.0.1:80\n").find("needs `database`") != std::string::npos);
    CHECK(error_of("database: x\nagents:\n  - name: fra\n    token_hash: nope\n")
              .rfind("c.yaml:4:17:", 0) == 0);
    CHECK(error_of("database: x\nagents:\n  - name: fra\n").find("needs token_hash") !=
          std::string::npos);
    CHECK(error_of("database: [x\n").find("YAML syntax error") != std::string::npos);
    CHECK(error_of("database: x\nretention: 30d\n") == "no error");
    // The assignment history and the clock skew of authorization by work.
    CHECK(c.assignment_history == std::chrono::hours(24 * 30));
    CHECK(c.clock_skew == std::chrono::minutes(5));
    const auto h =
        parse_server_config("database: x\nassignment_history: 60d\nclock_skew: 30s\n", "c.yaml");
    CHECK(h.assignment_history == std::chrono::hours(24 * 60));
    CHECK(h.clock_skew == std::chrono::seconds(30));
    CHECK(error_of("database: x\nassignment_history: 10m\n")
              .rfind("c.yaml:2:21: assignment_history must be at least 1h", 0) == 0);
    CHECK(error_of("database: x\nclock_skew: 2d\n").find("clock_skew must be at most 1d") !=
          std::string::npos);
    dir.write("tok", "  short\n");
    CHECK(error_of("database: x\nagents:\n  - name: fra\n    token_file: " +
                   (dir.path / "tok").string() + "\n")
              .find("shorter than 16") != std::string::npos);
    CHECK(parse_byte_size("8MiB") == 8u << 20);
    CHECK_FALSE(parse_byte_size("8 MiB"));
    CHECK(parse_duration("30d") == std::chrono::hours(24 * 30));
}

TEST_CASE("config: upload_rate (per-agent upload limit): defaults, values, errors at the key") {
    const auto defaults = parse_server_config("database: x\n", "c.yaml");
    CHECK(defaults.upload_rate_limit.per_second == doctest::Approx(20));
    CHECK(defaults.upload_rate_limit.burst == 600);
    const auto set =
        parse_server_config("database: x\nupload_rate:\n  per_second: 0.5\n  burst: 3\n", "c.yaml");
    CHECK(set.upload_rate_limit.per_second == doctest::Approx(0.5));
    CHECK(set.upload_rate_limit.burst == 3);
    auto error_of = [](const std::string& yaml) {
        try {
            parse_server_config(yaml, "c.yaml");
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(error_of("database: x\nupload_rate:\n  per_second: 0\n")
              .rfind("c.yaml:3:15: upload_rate.per_second must be a number in (0,", 0) == 0);
    CHECK(error_of("database: x\nupload_rate:\n  per_second: fast\n").rfind("c.yaml:3:15:", 0) ==
          0);
    CHECK(error_of("database: x\nupload_rate:\n  burst: 0\n").rfind("c.yaml:3:10:", 0) == 0);
    CHECK(error_of("database: x\nupload_rate:\n  bursts: 10\n").find("unknown key \"bursts\"") !=
          std::string::npos);
    CHECK(error_of("database: x\nupload_rate: 20\n").rfind("c.yaml:2:14:", 0) == 0);
}

TEST_CASE("config: two agents with the same token are an error (hash text, token file, or both)") {
    test::temp_dir dir;
    const std::string token = "same-token-0123456789abcdef";
    const auto file1 = dir.write("a.token", token + "\n").string();
    const auto file2 = dir.write("b.token", "  " + token + "\n").string();
    const auto other = dir.write("c.token", "another-token-0123456789").string();
    const std::string hash = hash_token(token).to_string();
    auto error_of = [&](const std::string& second, const std::string& first) {
        const std::string yaml = "database: x\nagents:\n  - name: fra\n    " + first +
                                 "\n  - name: tyo\n    " + second + "\n";
        try {
            parse_server_config(yaml, "c.yaml");
        } catch (const config_error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string same = "c.yaml:5:5: agents[1]: agent \"tyo\" has the same token as agent "
                             "\"fra\"";
    struct row {
        std::string first, second;
        bool duplicate;
    };
    const std::vector<row> rows{
        {"token_hash: \"" + hash + "\"", "token_hash: \"" + hash + "\"", true},
        {"token_file: " + file1, "token_file: " + file2, true},
        {"token_hash: \"" + hash + "\"", "token_file: " + file1, true},
        {"token_file: " + file1, "token_hash: \"" + hash + "\"", true},
        // The same token hashed twice (different salts) is still the same token.
        {"token_file: " + file1, "token_hash: \"" + hash_token(token).to_string() + "\"", true},
        {"token_file: " + file1, "token_file: " + other, false},
        {"token_hash: \"" + hash + "\"", "token_file: " + other, false},
    };
    for (const auto& r : rows) {
        CAPTURE(r.first);
        CAPTURE(r.second);
        const auto e = error_of(r.second, r.first);
        if (r.duplicate) {
            CHECK(e.rfind(same, 0) == 0);
        } else {
            CHECK(e == "no error");
        }
    }
}

TEST_CASE("config: AS names and the cap of named paths") {
    SUBCASE("defaults: no names, 8 paths") {
        auto c = parse_server_config("database: x\n", "/etc/tumen/c.yaml");
        CHECK(c.as_names.empty());
        CHECK(c.max_paths_per_target == 8);
    }
    SUBCASE("one file or a list, relative to the config file") {
        auto c = parse_server_config("database: x\nas_names: names.csv\nmax_paths_per_target: 20\n",
                                     "/etc/tumen/c.yaml");
        CHECK(c.as_names == std::vector<std::filesystem::path>{"/etc/tumen/names.csv"});
        CHECK(c.max_paths_per_target == 20);
        c = parse_server_config("database: x\nas_names: [a.csv, /srv/b.csv]\n",
                                "/etc/tumen/c.yaml");
        CHECK(c.as_names == std::vector<std::filesystem::path>{"/etc/tumen/a.csv", "/srv/b.csv"});
    }
    SUBCASE("limits and strictness") {
        struct bad_case {
            const char* yaml;
            const char* starts_with;
            const char* says;
        };
        for (const auto& b : {
                 bad_case{"database: x\nmax_paths_per_target: 0\n",
                          "c.yaml:2:23:", "max_paths_per_target"},
                 bad_case{"database: x\nmax_paths_per_target: 1001\n",
                          "c.yaml:2:23:", "max_paths_per_target"},
                 bad_case{"database: x\nmax_paths_per_target: many\n",
                          "c.yaml:2:23:", "max_paths_per_target"},
                 bad_case{"database: x\nas_names: {file: a.csv}\n", "c.yaml:2:", "as_names"},
                 bad_case{"database: x\nas_name: a.csv\n",
                          "c.yaml:2:1:", "unknown key \"as_name\""},
                 bad_case{"database: x\nmax_paths: 8\n",
                          "c.yaml:2:1:", "unknown key \"max_paths\""},
             }) {
            CAPTURE(b.yaml);
            std::string what = "no error";
            try {
                parse_server_config(b.yaml, "c.yaml");
            } catch (const config_error& e) {
                what = e.what();
            }
            CHECK(what.rfind(b.starts_with, 0) == 0);
            CHECK(what.find(b.says) != std::string::npos);
        }
        for (const char* good : {"database: x\nmax_paths_per_target: 1\n",
                                 "database: x\nmax_paths_per_target: 1000\n"}) {
            CAPTURE(good);
            CHECK_NOTHROW(parse_server_config(good, "c.yaml"));
        }
    }
}

TEST_CASE("campaign source: an invalid file keeps the previous campaigns") {
    test::temp_dir dir;
    auto file = dir.write("c.yaml", test::campaign_yaml());
    campaign_source src({file});
    src.load();
    REQUIRE(src.current()->campaigns.size() == 1);
    const auto gen = src.generation();
    CHECK_FALSE(src.poll().reloaded); // unchanged
    dir.write("c.yaml", test::campaign_yaml() + "    bogus_key: 1\n");
    auto r = src.poll();
    CHECK_FALSE(r.reloaded);
    INFO(r.error);
    CHECK(r.error.find("c.yaml:17:5") != std::string::npos);
    CHECK(src.current()->campaigns.size() == 1);
    CHECK(src.generation() == gen);
    std::string two = test::campaign_yaml();
    two += "  - name: second\n    targets:\n      asn: " + test::lab().value("LAB_TARGET_AS") +
           "\n      prefixes: [" + test::lab().target_24(2).to_string() +
           "]\n"
           "    methods: [ping]\n";
    dir.write("c.yaml", two);
    r = src.reload();
    INFO(r.error);
    CHECK(r.reloaded);
    CHECK(src.current()->campaigns.size() == 2);
    CHECK(src.generation() == gen + 1);
}

TEST_CASE("the test campaign has the lab's targets and classes (schedules/lab.yaml)") {
    const auto lab = test::lab().schedule();
    const auto test_set = campaign::parse_campaigns(test::campaign_yaml(), "test");
    REQUIRE(lab.campaigns.size() == 1);
    REQUIRE(test_set.campaigns.size() == 1);
    const auto& a = lab.campaigns[0];
    const auto& b = test_set.campaigns[0];
    CHECK(a.name == b.name);
    CHECK(a.targets.asn == b.targets.asn);
    CHECK(a.targets.prefixes == b.targets.prefixes);
    CHECK(a.targets.addresses_per_prefix == b.targets.addresses_per_prefix);
    REQUIRE(a.classes.size() == b.classes.size());
    for (std::size_t i = 0; i < a.classes.size(); ++i) {
        CHECK(a.classes[i].name == b.classes[i].name);
        CHECK(a.classes[i].asns == b.classes[i].asns);
        CHECK(a.classes[i].prefixes == b.classes[i].prefixes);
    }
    CHECK(a.params.interval == b.params.interval);
}
