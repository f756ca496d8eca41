// The page and its read-only endpoints as plain functions (no socket), on a real ingest
// service with a temporary SQLite file: GET / and /ui/..., /api/v1/matrix, /api/v1/series,
// the filters of /api/v1/changes, a 400 naming each bad parameter, and the ui_token.
#include <filesystem>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/controller/api/handlers.hpp>
#include <tumen/controller/pipeline/ingest_service.hpp>

#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::controller::api;
using namespace tumen::controller::config;
using nlohmann::json;
using tumen::controller::pipeline::ingest_options;

namespace {

const std::int64_t t0 = 1506848400; // 2017-10-01T09:00:00Z, a round boundary of 10 s
const std::string ui_secret = "page-token-0123456789abcdef";

struct page_harness {
    test::temp_dir dir;
    server_config config;
    controller_metrics metrics;
    campaign_source campaigns;
    std::unique_ptr<ingest_service> ingest;
    std::int64_t now = t0 + 60;
    context ctx;

    explicit page_harness(const std::string& extra = {})
        : config(load_server_config(test::write_config(dir, extra)))
        , campaigns(config.campaigns)
        , ctx{config, *make(), campaigns, metrics, [this] { return now; }} {}

    ingest_service* make() {
        campaigns.load();
        ingest_options o;
        o.hysteresis = config.hysteresis;
        for (auto& p : config.pfx2as) {
            o.pfx2as_files.push_back(p.string());
        }
        ingest = std::make_unique<ingest_service>(
            controller::store::store::open(config.database.string()), metrics, campaigns, o);
        ingest->recover(now);
        return ingest.get();
    }
    response get(const std::string& target, const std::string& header = {},
                 const std::string& value = {}) {
        request req{http::verb::get, target, 11};
        if (!header.empty()) {
            req.set(header, value);
        }
        req.prepare_payload();
        return handle(req, ctx);
    }
    void post(const std::string& agent, const std::string& body) {
        request req{http::verb::post, "/api/v1/results", 11};
        req.set(http::field::authorization, "Bearer " + test::token_of(agent));
        req.set(http::field::content_type, "application/json");
        req.body() = body;
        req.prepare_payload();
        const auto res = handle(req, ctx);
        REQUIRE_MESSAGE(res.result_int() == 200, res.body());
    }
    /// fra and msk on China Unicom to two /24s (two rounds, K=2), then msk's first /24
    /// flips to TTK (two more rounds): one change.
    void flip() {
        const auto a0 = test::lab().target_addr(0, 1);
        const auto a1 = test::lab().target_addr(1, 1);
        for (const char* agent : {"fra", "msk"}) {
            const std::string n = agent;
            post(n, test::batch(test::make_trace(n, n + "-1", a0, test::border::cu, t0),
                                test::make_trace(n, n + "-2", a1, test::border::cu, t0),
                                test::make_trace(n, n + "-3", a0, test::border::cu, t0 + 10),
                                test::make_trace(n, n + "-4", a1, test::border::cu, t0 + 10)));
        }
        post("msk", test::batch(test::make_trace("msk", "msk-5", a0, test::border::ttk, t0 + 20),
                                test::make_trace("msk", "msk-6", a0, test::border::ttk, t0 + 30),
                                test::make_ping("msk", "msk-p", a0, 5, 5, t0 + 31)));
    }
};

const std::string t176 = test::lab().target_24(0).to_string();
const std::string t177 = test::lab().target_24(1).to_string();

json body_of(const response& r) {
    return json::parse(r.body());
}

} // namespace

TEST_CASE("page: GET / serves the built-in page, /ui/ its files and the Debian libraries") {
    page_harness h;
    auto r = h.get("/");
    CHECK(r.result_int() == 200);
    CHECK(std::string(r[http::field::content_type]).find("text/html") == 0);
    CHECK(r.body().find("<script src=\"/ui/app.js\"></script>") != std::string::npos);
    CHECK(std::string(r["Content-Security-Policy"]).find("default-src 'self'") == 0);
    r = h.get("/ui/app.js");
    CHECK(r.result_int() == 200);
    CHECK(std::string(r[http::field::content_type]).find("text/javascript") == 0);
    CHECK(r.body().find("var tumen") != std::string::npos);
    CHECK(h.get("/ui/style.css").result_int() == 200);
    r = h.get("/ui/nothing.js");
    CHECK(r.result_int() == 404);
    CHECK(body_of(r)["error"] == "no such file: /ui/nothing.js");
    CHECK(h.get("/ui/lib/jquery.js").result_int() == 404);
    for (const auto& [name, file] :
         {std::pair{"d3.min.js", "/usr/share/javascript/d3/d3.min.js"},
          std::pair{"chart.min.js", "/usr/share/javascript/chart.js/chart.min.js"}}) {
        r = h.get(std::string("/ui/lib/") + name);
        if (std::filesystem::exists(file)) {
            CHECK(r.result_int() == 200);
            CHECK(r.body().size() == std::filesystem::file_size(file));
        } else {
            CHECK(r.result_int() == 404);
            CHECK(body_of(r)["error"].get<std::string>().find("install the Debian package") !=
                  std::string::npos);
        }
    }
    request post{http::verb::post, "/", 11};
    CHECK(handle(post, h.ctx).result_int() == 405);
}

TEST_CASE("page: the matrix has a cell per verdict with its path, border hop and states") {
    page_harness h;
    h.flip();
    const auto doc = body_of(h.get("/api/v1/matrix"));
    CHECK(doc["agents"] == json({"fra", "msk"}));
    CHECK(doc["targets"] == json({t176, t177}));
    REQUIRE(doc["cells"].size() == 4);
    std::vector<std::string> paths;
    for (const auto& p : doc["paths"]) {
        paths.push_back(p["name"]);
    }
    for (const auto& c : doc["cells"]) {
        const std::string agent = doc["agents"][c[0].get<int>()];
        const std::string target = doc["targets"][c[1].get<int>()];
        const std::string path = paths.at(c[2].get<std::size_t>());
        INFO(agent << " " << target);
        CHECK(path == (agent == "msk" && target == t176 ? "ttk" : "china-unicom"));
        CHECK(c[3] == 0); // fresh, reachable, no candidate
        CHECK(c[6] ==
              test::border_addr(path == "ttk" ? test::border::ttk : test::border::cu).to_string());
        CHECK(c[8] == -1);
    }
    // A trace on China Unicom again: msk x 176 is suspected (candidate china-unicom).
    h.post("msk", test::batch(test::make_trace("msk", "msk-7", test::lab().target_addr(0, 1),
                                               test::border::cu, t0 + 40)));
    const auto after = body_of(h.get("/api/v1/matrix"));
    bool suspected = false;
    for (const auto& c : after["cells"]) {
        if (after["agents"][c[0].get<int>()] == "msk" &&
            after["targets"][c[1].get<int>()] == t176) {
            suspected = (c[3].get<int>() & 4) != 0 &&
                        after["paths"][c[8].get<int>()]["name"] == "china-unicom";
        }
    }
    CHECK(suspected);
    // Stale after the campaign's stale_after (3 x 10 s) without observations.
    h.now += 3600;
    const auto stale = body_of(h.get("/api/v1/matrix"));
    for (const auto& c : stale["cells"]) {
        CHECK((c[3].get<int>() & 1) == 1);
    }
}

TEST_CASE("page: /api/v1/series gives RTT per path over time, and 400 naming a bad parameter") {
    page_harness h;
    h.flip();
    const std::string base = "/api/v1/series?agent=msk&target=" + t176;
    auto r = h.get(base + "&from=" + std::to_string(t0) + "&to=" + std::to_string(t0 + 60));
    REQUIRE(r.result_int() == 200);
    const auto doc = body_of(r);
    REQUIRE(doc["points"].size() == 5); // 4 traces and a ping to an address of the /24
    CHECK(doc["points"][0]["path"] == "china-unicom");
    CHECK(doc["points"][0]["rtt_ms"] == 41.2);
    CHECK(doc["points"][2]["path"] == "ttk"); // the first trace on TTK, before the change
    CHECK(doc["points"][3]["path"] == "ttk");
    CHECK(doc["points"][3]["rtt_ms"] == 70.9);
    CHECK(doc["points"][4]["kind"] == "ping");
    CHECK(doc["points"][4]["rtt_ms"] == 43.0); // median of 41..45
    REQUIRE(doc["changes"].size() == 1);
    CHECK(doc["changes"][0]["to"] == "ttk");
    // The range is honoured.
    r = h.get(base + "&from=" + std::to_string(t0 + 15) + "&to=" + std::to_string(t0 + 60));
    CHECK(body_of(r)["points"].size() == 3);
    // RFC 3339 times work too.
    CHECK(h.get(base + "&from=2017-10-01T09:00:00Z&to=2017-10-01T09:01:00Z").result_int() == 200);

    const std::vector<std::pair<std::string, std::string>> bad = {
        {"/api/v1/series?target=" + t176, "agent"},
        {"/api/v1/series?agent=m%20sk&target=" + t176, "agent"},
        {"/api/v1/series?agent=msk", "target"},
        {"/api/v1/series?agent=msk&target=198.19.176.0/33", "target"},
        {base + "&from=yesterday", "from"},
        {base + "&to=2017-13-01T00:00:00Z", "to"},
        {base + "&from=200&to=100", "from"},
        {"/api/v1/changes?until=soon", "until"},
        {"/api/v1/changes?agent=a/b", "agent"},
        {"/api/v1/changes?target=nowhere", "target"},
        {"/api/v1/changes?brief=yes", "brief"},
        {"/api/v1/changes?limit=0", "limit"},
        {"/api/v1/changes?newest=2", "newest"},
    };
    for (const auto& [target, param] : bad) {
        INFO(target);
        r = h.get(target);
        CHECK(r.result_int() == 400);
        CHECK(body_of(r)["where"] == param);
        CHECK(body_of(r)["error"].get<std::string>().find(param) == 0);
    }
}

TEST_CASE("page: /api/v1/changes filters by agent, target, path and time range") {
    page_harness h;
    h.flip();
    auto count = [&](const std::string& query) {
        const auto r = h.get("/api/v1/changes?" + query);
        REQUIRE(r.result_int() == 200);
        return body_of(r)["changes"].size();
    };
    CHECK(count("") == 1);
    CHECK(count("agent=msk") == 1);
    CHECK(count("agent=fra") == 0);
    CHECK(count("target=" + t176) == 1);
    CHECK(count("target=" + t177) == 0);
    CHECK(count("path=ttk") == 1);
    CHECK(count("path=china-unicom") == 1);
    CHECK(count("path=AS6453") == 0);
    CHECK(count("since=" + std::to_string(t0) + "&until=" + std::to_string(t0 + 60)) == 1);
    CHECK(count("from=" + std::to_string(t0) + "&to=" + std::to_string(t0 + 5)) == 0);
    CHECK(count("newest=1&limit=1") == 1);
    const auto brief = body_of(h.get("/api/v1/changes?brief=1"));
    CHECK(brief["changes"][0]["to"] == "ttk");
    CHECK_FALSE(brief["changes"][0].contains("evidence"));
    CHECK(body_of(h.get("/api/v1/changes"))["changes"][0].contains("evidence"));
}

TEST_CASE("page: ui_token protects the page and the read-only endpoints, not /healthz") {
    page_harness h("ui_token:\n  token_hash: \"" + hash_token(ui_secret).to_string() + "\"\n");
    // Without the token.
    auto r = h.get("/");
    CHECK(r.result_int() == 401);
    CHECK(r.body().find("needs-token") != std::string::npos);
    for (const char* path : {"/api/v1/matrix", "/api/v1/paths", "/api/v1/changes", "/api/v1/agents",
                             "/ui/app.js", "/api/v1/series?agent=fra"}) {
        INFO(path);
        r = h.get(path);
        CHECK(r.result_int() == 401);
        CHECK(std::string(r[http::field::www_authenticate]) == R"(Bearer realm="tumen-ui")");
    }
    CHECK(h.get("/healthz").result_int() == 200);
    CHECK(h.get("/metrics").result_int() == 200);
    // A wrong token.
    r = h.get("/api/v1/matrix", "Authorization", "Bearer not-the-token-at-all");
    CHECK(r.result_int() == 401);
    CHECK(std::string(r[http::field::www_authenticate]).find("invalid_token") != std::string::npos);
    CHECK(h.get("/api/v1/matrix", "Cookie", "tumen_ui_token=wrong").result_int() == 401);
    // An agent's token is not the page's.
    CHECK(
        h.get("/api/v1/matrix", "Authorization", "Bearer " + test::token_of("fra")).result_int() ==
        401);
    // The bearer header, the cookie and the query parameter.
    CHECK(h.get("/api/v1/matrix", "Authorization", "Bearer " + ui_secret).result_int() == 200);
    CHECK(h.get("/api/v1/matrix", "Cookie", "a=b; tumen_ui_token=" + ui_secret).result_int() ==
          200);
    CHECK(h.get("/ui/app.js", "Cookie", "tumen_ui_token=" + ui_secret).result_int() == 200);
    r = h.get("/?token=" + ui_secret + "&agent=fra");
    CHECK(r.result_int() == 200);
    const std::string cookie(r[http::field::set_cookie]);
    CHECK(cookie.find("tumen_ui_token=" + ui_secret + ";") == 0);
    CHECK(cookie.find("HttpOnly") != std::string::npos);
    CHECK(cookie.find("SameSite=Strict") != std::string::npos);
    // Agents still upload with their own tokens.
    h.flip();
}
