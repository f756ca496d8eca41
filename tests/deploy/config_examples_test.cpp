// The example configurations in deploy/config/ load with the real parsers, and say what
// docs/deploy.md says they say. A key renamed in the agent or controller breaks this test.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include <doctest/doctest.h>

#include <tumen/controller/config/server_config.hpp>
#include <tumen/probe/agent/agent_config.hpp>

namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE_MESSAGE(in.good(), "cannot read " << p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

const fs::path config_dir = fs::path(TUMEN_SOURCE_DIR) / "deploy" / "config";

/// A temporary directory removed at scope exit.
struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "tumen-config-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

} // namespace

TEST_CASE("deploy/config/agent.yaml loads and matches the systemd unit") {
    namespace agent = tumen::probe::agent;
    std::string text = read_text(config_dir / "agent.yaml");
    // The unit hands the token over as a systemd credential at this path.
    const std::string credential = "/run/credentials/tumen-agent.service/token";
    const auto pos = text.find(credential);
    REQUIRE_MESSAGE(pos != std::string::npos, "agent.yaml must read the token from " << credential);
    temp_dir dir;
    {
        std::ofstream token(dir.path / "token");
        token << "0123456789abcdef0123456789abcdef\n";
    }
    text.replace(pos, credential.size(), (dir.path / "token").string());

    const agent::agent_config c = agent::parse_agent_config(text, dir.path / "agent.yaml");
    CHECK(c.id == "fra1");
    REQUIRE(c.controller.has_value());
    CHECK(c.controller->url.tls);
    CHECK(c.controller->url.port == 8470);
    CHECK(c.controller->token == "0123456789abcdef0123456789abcdef");
    // TLS by default: the controller's CA from `tumen-controller init-tls /etc/tumen/tls`.
    CHECK(c.controller->ca_file == fs::path("/etc/tumen/tls/ca.crt"));
    CHECK_FALSE(c.controller->allow_plain_http);
    // The spool lives in the unit's StateDirectory=tumen-agent.
    CHECK(c.spool.dir == fs::path("/var/lib/tumen-agent/spool"));
    CHECK(c.metrics_listen == "127.0.0.1:9470");
    CHECK(c.user.empty()); // systemd runs it as a DynamicUser with CAP_NET_RAW only

    // The example is strict YAML: a typo in it would be reported, not ignored.
    std::string typo = text;
    typo.replace(typo.find("spool:"), 6, "spoool:");
    CHECK_THROWS_AS(agent::parse_agent_config(typo, dir.path / "agent.yaml"), agent::config_error);
}

TEST_CASE("deploy/config/controller.yaml loads and matches the systemd unit") {
    namespace config = tumen::controller::config;
    const std::string text = read_text(config_dir / "controller.yaml");
    const config::server_config c =
        config::parse_server_config(text, config_dir / "controller.yaml");
    CHECK(c.listen_port == 8470);
    // TLS by default, with the files of init-tls; the key comes in as the unit's credential.
    REQUIRE(c.tls.has_value());
    CHECK(c.tls->cert == fs::path("/etc/tumen/tls/controller.crt"));
    const std::string credential = "/run/credentials/tumen-controller.service/tls.key";
    CHECK(c.tls->key == fs::path(credential));
    const std::string unit =
        read_text(fs::path(TUMEN_SOURCE_DIR) / "deploy" / "systemd" / "tumen-controller.service");
    CHECK(unit.find("\nLoadCredential=tls.key:/etc/tumen/tls/controller.key\n") !=
          std::string::npos);
    // The database lives in the unit's StateDirectory=tumen-controller.
    CHECK(c.database.parent_path() == fs::path("/var/lib/tumen-controller"));
    REQUIRE(c.campaigns.size() == 1);
    CHECK(c.campaigns[0] == fs::path("/usr/share/tumen/schedules/nk-border.yaml"));
    // The packaged campaign is the repository's schedules/nk-border.yaml.
    CHECK(fs::exists(fs::path(TUMEN_SOURCE_DIR) / "schedules" / c.campaigns[0].filename()));
    REQUIRE(c.agents.size() == 1);
    CHECK(c.agents[0].name == "fra1");
    CHECK(c.hysteresis == 2);
}

TEST_CASE("the example configurations exist") {
    CHECK(fs::is_regular_file(config_dir / "agent.yaml"));
    CHECK(fs::is_regular_file(config_dir / "controller.yaml"));
}
