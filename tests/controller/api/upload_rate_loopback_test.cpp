// The per-agent upload rate limit against a real controller on loopback (issue 12): an agent
// over `upload_rate` gets 429 with a Retry-After in whole seconds, refused from the header
// (nothing stored), counted in tumen_uploads_throttled_total{agent}; other agents and other
// endpoints are not affected; once the bucket refills the agent's uploads are stored again.
#include <thread>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/server/controller_server.hpp>

#include "http_client.hpp"
#include "metrics_text.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using nlohmann::json;
using bhttp = boost::beast::http::verb;

TEST_CASE("api: an agent over its upload_rate gets 429 with Retry-After; nothing stored") {
    test::temp_dir dir;
    auto server = std::make_unique<controller::server::controller_server>(
        controller::config::load_server_config(
            test::write_config(dir, "upload_rate:\n  per_second: 0.5\n  burst: 3\n")));
    server->start();
    test::http_client c(server->port());
    const auto dst = test::lab().target_addr(0, 1);
    auto upload = [&](const std::string& agent, const std::string& id) {
        return c.send(bhttp::post, "/api/v1/results",
                      test::batch(test::make_trace(agent, id, dst, test::border::cu, 5)),
                      test::token_of(agent));
    };

    // The burst goes through; the next upload at once is refused from its header.
    int ok = 0;
    for (int i = 0; i < 3; ++i) {
        auto r = upload("fra", "burst-" + std::to_string(i));
        REQUIRE_FALSE(r.ec);
        ok += r.res.result_int() == 200;
    }
    CHECK(ok == 3);
    auto r = upload("fra", "over-1");
    REQUIRE_FALSE(r.ec);
    CHECK(r.res.result_int() == 429);
    const std::string retry_after(r.res[boost::beast::http::field::retry_after]);
    CAPTURE(retry_after);
    // 0.5 per second: a token is back within two seconds (one if the uploads were slow).
    CHECK((retry_after == "2" || retry_after == "1"));
    const auto body = json::parse(r.res.body());
    CHECK(body["status"] == 429);
    CHECK(body["error"].get<std::string>().find("upload_rate") != std::string::npos);
    std::error_code ec;
    CHECK(server->ingest().count_results(ec) == 3);
    CHECK(server->metrics().throttled("fra") == 1);

    // Another agent has a bucket of its own; reads are never limited.
    r = upload("tyo", "tyo-1");
    CHECK(r.res.result_int() == 200);
    for (int i = 0; i < 5; ++i) {
        CHECK(c.send(bhttp::get, "/healthz").res.result_int() == 200);
    }

    // The counter is exported per agent.
    r = c.send(bhttp::get, "/metrics");
    REQUIRE(r.res.result_int() == 200);
    bool found = false;
    for (const auto& s : test::parse_samples(r.res.body())) {
        if (s.name == "tumen_uploads_throttled_total" && s.labels.at("agent") == "fra") {
            found = true;
            CHECK(s.value == 1);
        }
    }
    CHECK(found);

    // After Retry-After, fra's upload is stored again.
    std::this_thread::sleep_for(std::chrono::seconds(std::stoi(retry_after)));
    r = upload("fra", "after-wait");
    CHECK(r.res.result_int() == 200);
    CHECK(server->ingest().count_results(ec) == 5);
    CHECK(server->metrics().throttled("fra") == 1);
}
