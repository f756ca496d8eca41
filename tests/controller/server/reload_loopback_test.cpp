// A reload of the whole configuration against a real controller on loopback (issue 12,
// defect 3): after reload() (what SIGHUP does) a removed agent's token gets 401, an added
// agent is accepted, a changed pfx2as table maps the hops of new traces to the new AS (in the
// verdicts, the change events and the metrics), a new body_limit applies, and settings that
// need a restart keep their running values. A broken file (a bad YAML line, a bad pfx2as
// line, a bad campaign) keeps all of the previous state and the error names file:line.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/server/controller_server.hpp>

#include "http_client.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using nlohmann::json;
using bhttp = boost::beast::http::verb;

namespace {

const ipv4_addr dst178 = test::lab().target_addr(2, 1);
const std::string target178 = test::lab().target_24(2).to_string();

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// The lab's pfx2as table with LAB_TTK_PREFIX given to `asn` instead of LAB_TTK_AS.
std::string pfx2as_with_ttk_as(std::uint32_t asn) {
    const auto p = test::lab().prefix("LAB_TTK_PREFIX");
    const std::string line = p.network.to_string() + "\t" + std::to_string(p.length) + "\t";
    std::string text = read_text(test::lab().pfx2as_path());
    const auto at = text.find(line + std::to_string(test::lab().asn("LAB_TTK_AS")) + "\n");
    REQUIRE(at != std::string::npos);
    const auto end = text.find('\n', at);
    text.replace(at, end - at, line + std::to_string(asn));
    return text;
}

/// controller.yaml in `dir` with `agents` (tokens from test::token_of), the pfx2as file
/// `pfx2as.txt` of `dir`, and `extra` lines at the end.
std::filesystem::path write_agents_config(const test::temp_dir& dir,
                                          const std::vector<std::string>& agents,
                                          const std::string& extra = {}) {
    std::string yaml = "listen: 127.0.0.1:0\n"
                       "database: controller.db\n"
                       "campaigns: [campaigns.yaml]\n"
                       "pfx2as: [pfx2as.txt]\n"
                       "hysteresis: 2\n"
                       "threads: 2\n"
                       "agents:\n";
    for (const auto& a : agents) {
        yaml += "  - name: " + a + "\n    token_hash: \"" +
                controller::config::hash_token(test::token_of(a)).to_string() + "\"\n";
    }
    return dir.write("controller.yaml", yaml + extra);
}

/// The test campaigns, the lab's pfx2as table and a controller.yaml with `agents` in `dir`.
std::filesystem::path write_lab_config(const test::temp_dir& dir,
                                       const std::vector<std::string>& agents) {
    dir.write("campaigns.yaml", test::campaign_yaml());
    dir.write("pfx2as.txt", read_text(test::lab().pfx2as_path()));
    return write_agents_config(dir, agents);
}

/// A trace of `agent` through TTK at `ts` (its own round: the test campaign's interval is 10s).
std::string ttk_trace(const std::string& agent, const std::string& id, std::int64_t ts) {
    return test::batch(test::make_trace(agent, id, dst178, test::border::ttk, ts));
}

/// Now, in Unix seconds: the time of a result measured by an agent the reload added (results
/// are authorized by the assignment history, which starts that agent's assignment at the
/// reload: docs/api.md, "Authorization by work").
std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// The status of an upload of `body` with `agent`'s token.
int upload(test::http_client& c, const std::string& agent, const std::string& body) {
    auto r = c.send(bhttp::post, "/api/v1/results", body, test::token_of(agent));
    REQUIRE_FALSE(r.ec);
    return r.res.result_int();
}

/// The status of `agent`'s assignment request.
int assignment(test::http_client& c, const std::string& agent) {
    auto r =
        c.send(bhttp::get, "/api/v1/agents/" + agent + "/assignment", "", test::token_of(agent));
    REQUIRE_FALSE(r.ec);
    return r.res.result_int();
}

/// The current path of `agent` toward dst178's /24, from /api/v1/paths ("" if none).
std::string path_of(test::http_client& c, const std::string& agent) {
    const auto doc = json::parse(c.send(bhttp::get, "/api/v1/paths").res.body());
    for (const auto& p : doc["paths"]) {
        if (p["agent"] == agent && p["target"] == target178) {
            return p["path"].get<std::string>();
        }
    }
    return {};
}

std::string metrics_of(test::http_client& c) {
    return c.send(bhttp::get, "/metrics").res.body();
}

bool has(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

} // namespace

TEST_CASE("reload: agents, tokens, the pfx2as table and limits change at once") {
    test::temp_dir dir;
    const auto cfg = write_lab_config(dir, {"fra", "tyo"});
    controller::server::controller_server server(controller::config::load_server_config(cfg));
    server.start();
    test::http_client c(server.port());

    // Before: tyo is configured, msk is not; fra's traces through TTK confirm `ttk`.
    CHECK(upload(c, "tyo", ttk_trace("tyo", "t1", 100)) == 200);
    CHECK(upload(c, "msk", ttk_trace("msk", "m1", 100)) == 401);
    CHECK(assignment(c, "msk") == 401);
    CHECK(upload(c, "fra", ttk_trace("fra", "f1", 100)) == 200);
    CHECK(upload(c, "fra", ttk_trace("fra", "f2", 110)) == 200);
    REQUIRE(path_of(c, "fra") == "ttk");
    const auto metrics_before = metrics_of(c);
    CHECK(has(metrics_before, R"(tumen_agent_last_seen_timestamp_seconds{agent="tyo"})"));
    const auto dataset_line = [](const std::string& metrics) {
        const auto at = metrics.find(R"(tumen_dataset_info{kind="pfx2as",version=")");
        return at == std::string::npos ? std::string()
                                       : metrics.substr(at, metrics.find('\n', at) - at);
    };
    const auto dataset_before = dataset_line(metrics_before);
    REQUIRE_FALSE(dataset_before.empty());
    const std::string big(100 * 1024, ' ');
    CHECK(upload(c, "fra", "[" + big + "]") != 413); // under the 8 MiB default

    // The new configuration: tyo removed, msk added, TTK's prefix now announced by the AS of
    // LAB_TATA (in no class of the campaign), a body limit of 64 KiB, and a listen address
    // that needs a restart.
    const std::uint32_t new_as = test::lab().asn("LAB_TATA_AS");
    dir.write("pfx2as.txt", pfx2as_with_ttk_as(new_as));
    write_agents_config(dir, {"fra", "msk"}, "body_limit: 64KiB\n");
    std::string yaml = read_text(cfg.string());
    yaml.replace(yaml.find("127.0.0.1:0"), 11, "127.0.0.1:1");
    dir.write("controller.yaml", yaml);
    const auto r = server.reload();
    REQUIRE_MESSAGE(r.reloaded, r.error);
    CHECK(r.restart_needed == std::vector<std::string>{"listen"});
    CHECK(server.config()->listen_port == 0); // the running value stays

    // The removed agent's token no longer works, for uploads and assignments alike.
    CHECK(upload(c, "tyo", ttk_trace("tyo", "t2", 110)) == 401);
    CHECK(assignment(c, "tyo") == 401);
    // The added agent is accepted.
    CHECK(assignment(c, "msk") == 200);
    CHECK(upload(c, "msk", ttk_trace("msk", "m2", unix_now())) == 200);
    // The new table: fra's next two rounds through the same hops are AS<new_as> now, a
    // change from ttk confirmed with K=2.
    const std::string new_path = "AS" + std::to_string(new_as);
    CHECK(upload(c, "fra", ttk_trace("fra", "f3", 120)) == 200);
    auto res =
        c.send(bhttp::post, "/api/v1/results", ttk_trace("fra", "f4", 130), test::token_of("fra"));
    REQUIRE(res.res.result_int() == 200);
    CHECK(json::parse(res.res.body())["changes"] == 1);
    CHECK(path_of(c, "fra") == new_path);
    const auto changes = json::parse(c.send(bhttp::get, "/api/v1/changes?since=0").res.body());
    REQUIRE(changes["changes"].size() == 1);
    CHECK(changes["changes"][0]["from"] == "ttk");
    CHECK(changes["changes"][0]["to"] == new_path);
    CHECK(changes["changes"][0]["to_asn"] == new_as);
    const auto metrics = metrics_of(c);
    CHECK(has(metrics, R"(tumen_border_path{agent="fra",path=")" + new_path + R"(",target=")" +
                           target178 + R"("} 1)"));
    CHECK(has(metrics, R"(tumen_config_reloads_total{result="ok"} 1)"));
    // The new table's data set (its SHA-256) replaces the old one.
    CHECK_FALSE(dataset_line(metrics).empty());
    CHECK_FALSE(has(metrics, dataset_before));
    // The removed agent's series are gone.
    CHECK_FALSE(has(metrics, R"(tumen_agent_last_seen_timestamp_seconds{agent="tyo"})"));
    // The new body limit applies to the next request.
    CHECK(upload(c, "fra", "[" + big + "]") == 413);
}

TEST_CASE("reload: a broken file keeps the whole previous state and names file:line") {
    test::temp_dir dir;
    const auto cfg = write_lab_config(dir, {"fra", "tyo"});
    controller::server::controller_server server(controller::config::load_server_config(cfg));
    server.start();
    test::http_client c(server.port());
    CHECK(upload(c, "fra", ttk_trace("fra", "f1", 100)) == 200);
    CHECK(upload(c, "fra", ttk_trace("fra", "f2", 110)) == 200);
    REQUIRE(path_of(c, "fra") == "ttk");
    const auto generation = server.campaigns().generation();

    // Each time the whole set is changed (tyo removed, msk added, TTK's prefix moved to
    // another AS, one campaign method fewer) and one file is broken.
    const std::uint32_t new_as = test::lab().asn("LAB_TATA_AS");
    std::string fewer_methods = test::campaign_yaml();
    fewer_methods.replace(fewer_methods.find("[udp-paris, ping]"), 17, "[udp-paris]");
    const std::string good_pfx2as = pfx2as_with_ttk_as(new_as);
    const std::string cfg_path = cfg.string();
    const std::string pfx2as_path = (dir.path / "pfx2as.txt").string();
    const std::string campaigns_path = (dir.path / "campaigns.yaml").string();
    struct broken {
        std::string name;
        std::string pfx2as;
        std::string extra_yaml;
        std::string campaigns;
        std::string where; ///< the start of the error
    };
    // controller.yaml: 6 lines before `agents:`, 2 per agent: the extra line is line 12.
    const std::vector<broken> cases{
        {"bad YAML line in controller.yaml", good_pfx2as, "retention: 30d: x\n", fewer_methods,
         cfg_path + ":12:"},
        {"unknown key in controller.yaml", good_pfx2as, "max_conections: 10\n", fewer_methods,
         cfg_path + ":12:1:"},
        {"bad pfx2as line", good_pfx2as + "198.51.100.0\t24\tAS-oops\n", "", fewer_methods,
         pfx2as_path + ":8: "},
        {"bad campaign line", good_pfx2as, "", fewer_methods + "    pps: fast\n",
         campaigns_path + ":17:10:"},
    };
    int n = 0;
    for (const auto& b : cases) {
        CAPTURE(b.name);
        ++n;
        dir.write("pfx2as.txt", b.pfx2as);
        dir.write("campaigns.yaml", b.campaigns);
        write_agents_config(dir, {"fra", "msk"}, b.extra_yaml);
        const auto r = server.reload();
        CHECK_FALSE(r.reloaded);
        CHECK_MESSAGE(r.error.rfind(b.where, 0) == 0, r.error);
        // Everything as before: tokens, campaigns, the AS map.
        CHECK(upload(c, "msk", ttk_trace("msk", "m" + std::to_string(n), 100)) == 401);
        CHECK(assignment(c, "tyo") == 200);
        CHECK(server.campaigns().generation() == generation);
        CHECK(server.config()->agents.size() == 2);
        CHECK(server.config()->find_agent("tyo") != nullptr);
    }
    // fra's traces are still mapped with the old table: still ttk, no change.
    auto res = c.send(bhttp::post, "/api/v1/results",
                      test::batch(test::make_trace("fra", "f3", dst178, test::border::ttk, 120),
                                  test::make_trace("fra", "f4", dst178, test::border::ttk, 130)),
                      test::token_of("fra"));
    REQUIRE(res.res.result_int() == 200);
    CHECK(json::parse(res.res.body())["changes"] == 0);
    CHECK(path_of(c, "fra") == "ttk");
    CHECK(has(metrics_of(c), R"(tumen_config_reloads_total{result="error"} 4)"));

    // Mended: the same changes go in at once.
    dir.write("pfx2as.txt", good_pfx2as);
    dir.write("campaigns.yaml", fewer_methods);
    write_agents_config(dir, {"fra", "msk"});
    const auto r = server.reload();
    REQUIRE_MESSAGE(r.reloaded, r.error);
    CHECK(r.restart_needed.empty());
    CHECK(upload(c, "msk", ttk_trace("msk", "m2", unix_now())) == 200);
    CHECK(assignment(c, "tyo") == 401);
    CHECK(server.campaigns().generation() == generation + 1);
}

TEST_CASE("reload: a new upload_rate applies to the next upload") {
    test::temp_dir dir;
    const auto cfg = write_lab_config(dir, {"fra"});
    controller::server::controller_server server(controller::config::load_server_config(cfg));
    server.start();
    test::http_client c(server.port());
    // The default burst (600) admits these at once.
    for (int i = 0; i < 5; ++i) {
        CHECK(upload(c, "fra", ttk_trace("fra", "a" + std::to_string(i), 100 + i)) == 200);
    }
    write_agents_config(dir, {"fra"}, "upload_rate:\n  per_second: 0.01\n  burst: 2\n");
    const auto r = server.reload();
    REQUIRE_MESSAGE(r.reloaded, r.error);
    CHECK(r.restart_needed.empty());
    // The bucket is capped at the new burst: two more, then 429 with Retry-After.
    CHECK(upload(c, "fra", ttk_trace("fra", "b0", 200)) == 200);
    CHECK(upload(c, "fra", ttk_trace("fra", "b1", 210)) == 200);
    auto res =
        c.send(bhttp::post, "/api/v1/results", ttk_trace("fra", "b2", 220), test::token_of("fra"));
    CHECK(res.res.result_int() == 429);
    CHECK_FALSE(res.res[boost::beast::http::field::retry_after].empty());
}
