// The page in Debian's headless chromium (tests/lib/chromium_page.py, DevTools over a
// WebSocket, standard library only), loaded from a real controller_server on 127.0.0.1 fed
// with a fixture: 3 agents x 4 target /24s on China Unicom, then msk's first /24 flipped to
// TTK (hysteresis K=2). Checks the DOM: one cell per agent x target, the flipped cell's path
// (its colour class in the legend), the change in the timeline, the RTT lines of both paths
// and the nodes of the path graph; saves PNG screenshots under the build directory (printed).
// Skipped (a message) without chromium or python3. Also: a reload puts a new ui_token in force.
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/config/token.hpp>
#include <tumen/controller/server/controller_server.hpp>

#include "http_client.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller::config;
using namespace tumen::controller::server;
using nlohmann::json;
using bhttp = boost::beast::http::verb;

namespace {

/// Runs `cmd` and returns its exit status and standard output.
std::pair<int, std::string> run(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) {
        return {-1, out};
    }
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), buf.size(), p) != nullptr) {
        out += buf.data();
    }
    const int status = ::pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

bool have_chromium() {
    return run("command -v chromium >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1").first ==
           0;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

TEST_CASE("ui: headless chromium draws the matrix, the flip, the timeline and the path graph") {
    if (!have_chromium()) {
        MESSAGE(
            "SKIPPED: chromium or python3 is not installed (Debian packages chromium, python3)");
        return;
    }
    test::temp_dir dir;
    const auto cfg = test::write_config(dir);
    auto server = std::make_unique<controller_server>(load_server_config(cfg));
    server->start();
    test::http_client c(server->port());
    // Recent times (the page shows the last 24 h), on round boundaries of the 10 s campaign.
    const std::int64_t t0 = (unix_now() - 600) / 10 * 10;
    const auto& plan = test::lab();
    const std::vector<std::string> agents = {"fra", "tyo", "msk"};
    for (const auto& a : agents) {
        std::vector<result::trace> traces;
        nlohmann::json body = nlohmann::json::array();
        for (int round = 0; round < 2; ++round) {
            for (int k = 0; k < 4; ++k) {
                body.push_back(result::to_json(
                    test::make_trace(a, a + "-" + std::to_string(round) + "-" + std::to_string(k),
                                     plan.target_addr(k, 1), test::border::cu, t0 + round * 10)));
            }
        }
        auto r = c.send(bhttp::post, "/api/v1/results", body.dump(), test::token_of(a));
        REQUIRE_MESSAGE(r.res.result_int() == 200, r.res.body());
    }
    const auto flipped = plan.target_addr(0, 1);
    const std::string flipped_24 = plan.target_24(0).to_string();
    auto r =
        c.send(bhttp::post, "/api/v1/results",
               test::batch(test::make_trace("msk", "msk-f1", flipped, test::border::ttk, t0 + 20),
                           test::make_trace("msk", "msk-f2", flipped, test::border::ttk, t0 + 30),
                           test::make_ping("msk", "msk-p1", flipped, 5, 5, t0 + 31)),
               test::token_of("msk"));
    REQUIRE_MESSAGE(r.res.result_int() == 200, r.res.body());

    const std::filesystem::path out =
        std::filesystem::path(TUMEN_BINARY_DIR) / "artifacts" / "ui-page";
    const std::string url = "http://127.0.0.1:" + std::to_string(server->port()) +
                            "/?agent=msk&target=" + flipped_24 + "&range=24h";
    const auto [rc, text] =
        run("python3 " TUMEN_SOURCE_DIR "/tests/lib/chromium_page.py check '" + url + "' --out " +
            out.string() + " --agent msk --target " + flipped_24 + " 2>&1");
    if (rc == 77) {
        MESSAGE("SKIPPED: " << text);
        return;
    }
    INFO("chromium_page.py: " << text);
    REQUIRE(rc == 0);
    const auto doc = json::parse(text.substr(text.find('{')));
    MESSAGE("screenshots of the page: " << out.string()
                                        << "/{page,matrix,timeline,latency,graph}.png");
    CHECK(doc["events"].empty()); // no script error, no console.error
    CHECK(doc["agents"] == 3);
    CHECK(doc["targets"] == 4);
    CHECK(doc["cells"] == 12); // one per agent x target
    REQUIRE(doc["cell"].is_object());
    CHECK(doc["cell"]["path"] == "ttk");
    CHECK(doc["legend"] == json({"china-unicom", "ttk"}));
    bool change_listed = false;
    for (const auto& e : doc["timeline"]) {
        change_listed = change_listed || (e["agent"] == "msk" && e["target"] == flipped_24 &&
                                          e["from"] == "china-unicom" && e["to"] == "ttk");
    }
    CHECK(change_listed);
    CHECK(doc["timeline"].size() == 1);
    CHECK(doc["latency_points"] == 5); // 4 traces and a ping
    CHECK(doc["latency_paths"] == 3);  // china-unicom, ttk, ttk (ping)
    for (const char* shot : {"page", "matrix", "timeline", "latency", "graph"}) {
        CHECK(std::filesystem::file_size(out / (std::string(shot) + ".png")) > 1000);
    }
    // The path graph (GET /api/v1/graph): before (china-unicom) and after (ttk) side by side,
    // each with its border hop marked.
    const auto graph = c.send(bhttp::get, "/api/v1/graph?agent=msk&target=" + flipped_24);
    if (graph.res.result_int() == 404 &&
        graph.res.body().find("no such endpoint") != std::string::npos) {
        MESSAGE("path graph not checked: this build has no /api/v1/graph");
    } else {
        REQUIRE(doc["graph"].size() == 2);
        CHECK(doc["graph"][0]["path"] == "china-unicom");
        CHECK(doc["graph"][1]["path"] == "ttk");
        for (const auto& [panel, border] :
             {std::pair{0, test::border::cu}, std::pair{1, test::border::ttk}}) {
            bool marked = false;
            for (const auto& n : doc["graph"][panel]["nodes"]) {
                marked =
                    marked || (n["id"] == test::border_addr(border).to_string() && n["border"]);
            }
            CHECK(marked);
        }
    }
    server->stop();
}

TEST_CASE("ui: a reload puts a new ui_token in force for the page and its endpoints") {
    test::temp_dir dir;
    const auto cfg = test::write_config(dir);
    auto server = std::make_unique<controller_server>(load_server_config(cfg));
    server->start();
    test::http_client c(server->port());
    CHECK(c.send(bhttp::get, "/api/v1/matrix").res.result_int() == 200);
    CHECK(c.send(bhttp::get, "/").res.result_int() == 200);
    // Protect the page: a token file, then a reload.
    const std::string token = "reloaded-ui-token-0123456789";
    dir.write("ui.token", token + "\n");
    std::ofstream(cfg, std::ios::app) << "ui_token:\n  token_file: ui.token\n";
    auto result = server->reload();
    REQUIRE_MESSAGE(result.reloaded, result.error);
    CHECK(c.send(bhttp::get, "/api/v1/matrix").res.result_int() == 401);
    CHECK(c.send(bhttp::get, "/").res.result_int() == 401);
    CHECK(c.send(bhttp::get, "/api/v1/matrix", {}, token).res.result_int() == 200);
    CHECK(c.send(bhttp::get, "/healthz").res.result_int() == 200);
    // A bad ui_token keeps the one in force.
    std::ofstream(cfg, std::ios::app) << "";
    dir.write("ui.token", "short\n");
    result = server->reload();
    CHECK_FALSE(result.reloaded);
    CHECK(result.error.find("ui_token.token_file") != std::string::npos);
    CHECK(c.send(bhttp::get, "/api/v1/matrix", {}, token).res.result_int() == 200);
    server->stop();
}
