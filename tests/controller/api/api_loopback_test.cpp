// The API over loopback: a real controller_server on 127.0.0.1, ephemeral port, two I/O
// threads, SQLite on a temporary file.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/server/controller_server.hpp>

#include "eventually.hpp"
#include "http_client.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller::config;
using namespace tumen::controller::server;
using tumen::test::eventually;
namespace outcome = tumen::controller::metrics::outcome;
using nlohmann::json;
using bhttp = boost::beast::http::verb;

namespace {

const ipv4_addr dst178 = test::lab().target_addr(2, 1);

std::unique_ptr<controller_server> start_server(const std::filesystem::path& config) {
    auto s = std::make_unique<controller_server>(load_server_config(config));
    s->start();
    return s;
}

} // namespace

TEST_CASE("api: 401, 400, 413 and malformed HTTP over the wire") {
    test::temp_dir dir;
    auto server = start_server(test::write_config(dir, "", "64KiB"));
    test::http_client c(server->port());
    const auto body = test::batch(test::make_trace("fra", "w1", dst178, test::border::cu, 5));

    auto r = c.send(bhttp::post, "/api/v1/results", body);
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.result_int() == 401);
    CHECK(r.res[boost::beast::http::field::www_authenticate] == R"(Bearer realm="tumen")");

    r = c.send(bhttp::post, "/api/v1/results", body, "not-the-token-0123456789");
    CHECK(r.res.result_int() == 401);

    r = c.send(bhttp::post, "/api/v1/results", body, test::token_of("msk"));
    CHECK(r.res.result_int() == 401);
    CHECK(json::parse(r.res.body())["where"] == "results[0].agent");

    auto bad = result::to_json(test::make_trace("fra", "w2", dst178, test::border::cu, 5));
    bad.erase("timestamp");
    r = c.send(bhttp::post, "/api/v1/results", json::array({bad}).dump(), test::token_of("fra"));
    CHECK(r.res.result_int() == 400);
    CHECK(json::parse(r.res.body())["where"] == "results[0].timestamp");

    // Over the 64 KiB limit: 413 is read by the client (the server drains before closing).
    std::string big = "[" + std::string(200 * 1024, ' ') + "]";
    r = c.send(bhttp::post, "/api/v1/results", big, test::token_of("fra"));
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.result_int() == 413);

    r = c.send_raw("GARBAGE / HTTP/9.9\r\n\r\n");
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.result_int() == 400);
    CHECK(r.res.body().find("malformed HTTP request") != std::string::npos);

    // The connection is still usable for good requests afterwards.
    r = c.send(bhttp::post, "/api/v1/results", body, test::token_of("fra"));
    CHECK(r.res.result_int() == 200);
    std::error_code ec;
    CHECK(server->ingest().count_results(ec) == 1);
}

TEST_CASE("api: idempotent retry and concurrent agents store every result exactly once") {
    test::temp_dir dir;
    auto server = start_server(test::write_config(dir));
    const char* agents[] = {"fra", "tyo", "msk"};
    constexpr int threads_per_agent = 3;
    constexpr int batches = 10;
    constexpr int per_batch = 20;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (const char* agent : agents) {
        for (int t = 0; t < threads_per_agent; ++t) {
            threads.emplace_back([&, agent, t] {
                test::http_client c(server->port());
                for (int b = 0; b < batches; ++b) {
                    json a = json::array();
                    for (int i = 0; i < per_batch; ++i) {
                        const std::string id = std::string(agent) + "-" + std::to_string(t) + "-" +
                                               std::to_string(b) + "-" + std::to_string(i);
                        a.push_back(result::to_json(
                            test::make_trace(agent, id, test::lab().target_addr(0, 1 + t),
                                             test::border::cu, 1000 + b * 10 + i)));
                    }
                    // Every batch is sent twice (a retry after a lost acknowledgement).
                    for (int attempt = 0; attempt < 2; ++attempt) {
                        auto r =
                            c.send(bhttp::post, "/api/v1/results", a.dump(), test::token_of(agent));
                        if (r.ec || r.res.result_int() != 200) {
                            ++failures;
                        }
                    }
                }
            });
        }
    }
    for (auto& t : threads) {
        t.join();
    }
    CHECK(failures == 0);
    std::error_code ec;
    const int expected = 3 * threads_per_agent * batches * per_batch;
    CHECK(server->ingest().count_results(ec) == expected);
    for (const char* agent : agents) {
        CHECK(server->metrics().ingested(agent, outcome::stored) ==
              threads_per_agent * batches * per_batch);
        CHECK(server->metrics().ingested(agent, outcome::duplicate) ==
              threads_per_agent * batches * per_batch);
    }
    test::http_client c(server->port());
    auto agents_doc = json::parse(c.send(bhttp::get, "/api/v1/agents").res.body());
    REQUIRE(agents_doc["agents"].size() == 3);
    CHECK(agents_doc["agents"][0]["results"] == threads_per_agent * batches * per_batch);
}

TEST_CASE("api: restart brings verdicts and change history back") {
    test::temp_dir dir;
    const auto cfg = test::write_config(dir);
    json paths_before;
    json changes_before;
    {
        auto server = start_server(cfg);
        test::http_client c(server->port());
        auto body = test::batch(test::make_trace("msk", "m1", dst178, test::border::cu, 100),
                                test::make_trace("msk", "m2", dst178, test::border::cu, 110),
                                test::make_trace("msk", "m3", dst178, test::border::ttk, 120),
                                test::make_trace("msk", "m4", dst178, test::border::ttk, 130),
                                // a candidate streak in progress at shutdown
                                test::make_trace("msk", "m5", dst178, test::border::cu, 140));
        auto r = c.send(bhttp::post, "/api/v1/results", body, test::token_of("msk"));
        REQUIRE(r.res.result_int() == 200);
        CHECK(json::parse(r.res.body())["changes"] == 1);
        paths_before = json::parse(c.send(bhttp::get, "/api/v1/paths").res.body());
        changes_before = json::parse(c.send(bhttp::get, "/api/v1/changes?since=0").res.body());
        server->stop();
    }
    auto server = start_server(cfg);
    test::http_client c(server->port());
    auto paths_after = json::parse(c.send(bhttp::get, "/api/v1/paths").res.body());
    auto changes_after = json::parse(c.send(bhttp::get, "/api/v1/changes?since=0").res.body());
    // The age goes on with the clock (docs/api.md, "Staleness"): compared apart.
    for (auto* doc : {&paths_before, &paths_after}) {
        for (auto& p : (*doc)["paths"]) {
            CHECK(p["stale"] == false);
            p.erase("age_seconds");
        }
    }
    CHECK(paths_after == paths_before);
    CHECK(changes_after == changes_before);
    REQUIRE(paths_after["paths"].size() == 1);
    CHECK(paths_after["paths"][0]["path"] == "ttk");
    CHECK(changes_after["changes"].size() == 1);
    auto metrics = c.send(bhttp::get, "/metrics").res.body();
    const std::string target = test::lab().target_24(2).to_string(); // dst178's
    CHECK(metrics.find(R"(tumen_border_path{agent="msk",path="ttk",target=")" + target +
                       R"("} 1)") != std::string::npos);
    // The hysteresis state came back too: one more CU trace completes the pending streak
    // (K=2 with m5) and declares the change back.
    auto r = c.send(bhttp::post, "/api/v1/results",
                    test::batch(test::make_trace("msk", "m6", dst178, test::border::cu, 150)),
                    test::token_of("msk"));
    CHECK(json::parse(r.res.body())["changes"] == 1);
    // A retry of the pre-restart batch is still recognised.
    r = c.send(bhttp::post, "/api/v1/results",
               test::batch(test::make_trace("msk", "m1", dst178, test::border::cu, 100)),
               test::token_of("msk"));
    CHECK(json::parse(r.res.body())["duplicates"] == 1);
}

TEST_CASE("api: campaign reload keeps the previous campaigns when the file is invalid") {
    test::temp_dir dir;
    auto server = start_server(test::write_config(dir));
    test::http_client c(server->port());
    auto assignment = [&] {
        auto r = c.send(bhttp::get, "/api/v1/agents/fra/assignment", "", test::token_of("fra"));
        return r.res.result_int() == 200 ? json::parse(r.res.body()) : json();
    };
    auto generation = [&] {
        return json::parse(c.send(bhttp::get, "/healthz").res.body())["campaign_generation"]
            .get<int>();
    };
    const auto before = assignment();
    REQUIRE(before["work"].size() == 8);
    const int gen0 = generation();

    dir.write("campaigns.yaml", test::campaign_yaml() + "    pps: fast\n");
    CHECK(eventually([&] {
        return c.send(bhttp::get, "/metrics")
                   .res.body()
                   .find(R"(tumen_campaign_reloads_total{result="error"} 1)") != std::string::npos;
    }));
    CHECK(generation() == gen0);
    CHECK(assignment()["work"].size() == 8);

    std::string changed = test::campaign_yaml();
    changed.replace(changed.find("[udp-paris, ping]"), 17, "[udp-paris]");
    dir.write("campaigns.yaml", changed);
    CHECK(eventually([&] { return generation() == gen0 + 1; }));
    CHECK(assignment()["work"].size() == 4);
    // SIGHUP's path: an explicit reload of the same valid file succeeds.
    CHECK(server->reload_campaigns().reloaded);
}

TEST_CASE("api: /metrics passes promtool check metrics") {
    const char* promtool = "/usr/bin/promtool";
    if (!std::filesystem::exists(promtool)) {
        MESSAGE("SKIPPED: /usr/bin/promtool not installed (Debian package prometheus)");
        return;
    }
    test::temp_dir dir;
    auto server = start_server(test::write_config(dir));
    test::http_client c(server->port());
    auto r = c.send(bhttp::post, "/api/v1/results",
                    test::batch(test::make_trace("tyo", "p1", dst178, test::border::cu, 100),
                                test::make_trace("tyo", "p2", dst178, test::border::cu, 110),
                                test::make_ping("tyo", "p3", dst178, 3, 2, 111)),
                    test::token_of("tyo"));
    REQUIRE(r.res.result_int() == 200);
    c.send(bhttp::post, "/api/v1/results", "[1]", test::token_of("tyo")); // a rejected batch
    auto m = c.send(bhttp::get, "/metrics");
    REQUIRE(m.res.result_int() == 200);
    CHECK(m.res[boost::beast::http::field::content_type].starts_with("text/plain; version=0.0.4"));
    const auto body = m.res.body();
    CHECK(body.find("tumen_results_ingested_total{agent=\"tyo\",outcome=\"stored\"} 3") !=
          std::string::npos);
    CHECK(body.find("tumen_results_ingested_total{agent=\"tyo\",outcome=\"rejected\"} 1") !=
          std::string::npos);
    CHECK(body.find("process_resident_memory_bytes") != std::string::npos);
    auto file = dir.write("metrics.txt", body);
    const std::string cmd = std::string(promtool) + " check metrics < " + file.string() + " > " +
                            (dir.path / "promtool.out").string() + " 2>&1";
    const int rc = std::system(cmd.c_str());
    std::ifstream out(dir.path / "promtool.out");
    std::string report((std::istreambuf_iterator<char>(out)), std::istreambuf_iterator<char>());
    INFO("promtool output: " << report);
    CHECK(rc == 0);
}
