// tumen-bench-ui: how fast the controller's page is usable with a large store. Writes a store
// of A agents x T target prefixes (current verdicts with evidence and tracker state, a few
// stale, unreachable or being confirmed) and D days of change events, starts the controller
// on 127.0.0.1 (ephemeral port) on it, then drives Debian's headless chromium
// (tests/lib/chromium_page.py time): the time from navigation until the matrix is drawn
// (body[data-ready]), against the time to load about:blank in the same browser in the same
// run. Also times GET /api/v1/matrix against GET /healthz. Addresses are the lab's
// 198.19.0.0/16 (never probed: only stored).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <tumen/controller/config/token.hpp>
#include <tumen/controller/inference/tracker_snapshot.hpp>
#include <tumen/controller/server/controller_server.hpp>
#include <tumen/controller/store/store.hpp>

#include "http_client.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
using nlohmann::json;
using bhttp = boost::beast::http::verb;

namespace {

struct transit {
    const char* path;
    std::uint32_t asn;
    double rtt;
};
const transit transits[] = {{"china-unicom", 4837, 41.0},
                            {"ttk", 20485, 70.5},
                            {"AS6453", 6453, 95.0},
                            {"AS3356", 3356, 88.0}};

std::string target_of(int k) { // /26s of 198.19.0.0/16
    return "198.19." + std::to_string(k / 4) + "." + std::to_string(k % 4 * 64) + "/26";
}

std::string agent_of(int a) {
    char name[16];
    std::snprintf(name, sizeof name, "vp%03d", a);
    return name;
}

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

/// Median time (ms) of `runs` GETs of `path`, and the body size of the last.
std::pair<double, std::size_t> time_get(test::http_client& c, const std::string& path, int runs) {
    std::vector<double> t;
    std::size_t size = 0;
    for (int i = 0; i < runs; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const auto r = c.send(bhttp::get, path);
        t.push_back(ms_since(t0));
        size = r.res.body().size();
    }
    std::sort(t.begin(), t.end());
    return {t[t.size() / 2], size};
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"controller page benchmark (loopback and headless chromium only)"};
    int agents = 100;
    int targets = 1000;
    int days = 7;
    int changes_per_pair = 2;
    int runs = 5;
    app.add_option("--agents", agents, "vantage points")->check(CLI::Range(1, 1000));
    app.add_option("--targets", targets, "target prefixes")->check(CLI::Range(1, 16384));
    app.add_option("--days", days, "days of change events")->check(CLI::Range(1, 365));
    app.add_option("--changes-per-pair", changes_per_pair, "change events per agent x target")
        ->check(CLI::Range(0, 100));
    app.add_option("--runs", runs, "page loads measured (median)")->check(CLI::Range(1, 50));
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::warn);

    test::temp_dir dir;
    const std::int64_t now = unix_now();
    // The campaign: every target to every agent, interval 5m (stale after 15 min).
    std::string campaign = "campaigns:\n  - name: bench\n    targets:\n      asn: 64512\n"
                           "      prefixes: [";
    for (int k = 0; k < targets; ++k) {
        campaign += (k ? ", " : "") + target_of(k);
    }
    campaign += "]\n    classes:\n      - name: china-unicom\n        asns: [4837]\n"
                "      - name: ttk\n        asns: [20485]\n    methods: [udp-paris]\n"
                "    interval: 5m\n    agents: all\n";
    dir.write("campaigns.yaml", campaign);
    std::string yaml = "listen: 127.0.0.1:0\ndatabase: controller.db\ncampaigns: [campaigns.yaml]\n"
                       "threads: 2\nagents:\n";
    for (int a = 0; a < agents; ++a) {
        yaml += "  - name: " + agent_of(a) + "\n    token_hash: \"" +
                controller::config::hash_token("bench-token-" + agent_of(a) + "-0123456789")
                    .to_string() +
                "\"\n";
    }
    const auto cfg_path = dir.write("controller.yaml", yaml);

    // The store.
    const auto t_store = std::chrono::steady_clock::now();
    std::size_t change_count = 0;
    {
        auto db = controller::store::store::open((dir.path / "controller.db").string());
        std::mt19937 rng(14);
        std::uniform_real_distribution<double> u(0, 1);
        auto tx = db->begin();
        const std::int64_t week = static_cast<std::int64_t>(days) * 86400;
        for (int a = 0; a < agents; ++a) {
            const std::string agent = agent_of(a);
            for (int k = 0; k < targets; ++k) {
                const std::string target = target_of(k);
                // The path sequence of this pair: changes_per_pair changes over the days.
                int p = u(rng) < 0.85 ? 0 : 1 + static_cast<int>(u(rng) * 3) % 3;
                std::int64_t t = now - week;
                for (int c = 0; c < changes_per_pair; ++c) {
                    const int next = (p + 1 + static_cast<int>(u(rng) * 3)) % 4;
                    t += static_cast<std::int64_t>(u(rng) * week / (changes_per_pair + 1));
                    controller::store::change_row row{
                        0,
                        agent,
                        target,
                        transits[p].path,
                        transits[next].path,
                        t,
                        json{{"trace_ids", {agent + "-" + std::to_string(t)}},
                             {"rounds", {t / 300}},
                             {"detected_by", "round"},
                             {"first_new_time", t - 300},
                             {"from_asn", transits[p].asn},
                             {"to_asn", transits[next].asn},
                             {"campaign", "bench"}}
                            .dump()};
                    std::int64_t seq = 0;
                    if (auto ec = db->insert_change(row, seq)) {
                        std::fprintf(stderr, "insert_change: %s\n", db->last_message().c_str());
                        return 1;
                    }
                    ++change_count;
                    p = next;
                }
                const transit& tr = transits[p];
                const std::string border =
                    "198.18." + std::to_string(100 + p) + "." + std::to_string(1 + a % 250);
                const std::string trace_id = agent + "-" + std::to_string(k) + "-last";
                controller::inference::path_tracker_snapshot s;
                s.k = 3;
                s.current = tr.path;
                s.current_asn = tr.asn;
                s.current_since = t;
                s.last_current_time = now - 120;
                s.last_current_trace_id = trace_id;
                s.observations = 2016;
                s.changes = static_cast<std::uint64_t>(changes_per_pair);
                s.named_paths = {"china-unicom", "ttk"};
                s.reachability_reason = "the last trace reached the target";
                const double r = u(rng);
                if (r < 0.02) {
                    s.reachable = false;
                    s.reachability_reason = "3 observations in a row stopped before the target";
                    s.unreachable_since = now - 900;
                } else if (r < 0.03) {
                    s.candidate = transits[(p + 1) % 4].path;
                    s.candidate_asn = transits[(p + 1) % 4].asn;
                    s.candidate_trace_ids = {trace_id + "-c"};
                    s.candidate_first_time = now - 200;
                    s.candidate_observations = 1;
                }
                const json evidence{{"trace_id", trace_id},
                                    {"time", now - 120},
                                    {"campaign", "bench"},
                                    {"observed_path", tr.path},
                                    {"transit_asn", tr.asn},
                                    {"transit_name", nullptr},
                                    {"border", {{"addr", border}, {"ttl", 13}, {"rtt_ms", tr.rtt}}},
                                    {"as_path", {64500, tr.asn, 64512}},
                                    {"reached_target", s.reachable},
                                    {"weak", false},
                                    {"reachable", s.reachable},
                                    {"via_ixp", false},
                                    {"end_rtt_ms", tr.rtt + 0.4},
                                    {"reason", "last transit hop before the target AS"},
                                    {"datasets", json::array()},
                                    {"ping_target", border}};
                controller::store::verdict_row v;
                v.agent = agent;
                v.target = target;
                v.path = tr.path;
                v.since = t;
                v.updated = now - 120;
                v.evidence_json = evidence.dump();
                v.tracker_json = controller::inference::snapshot_to_json(s);
                // 1 % stale: last observed an hour ago.
                v.observed = u(rng) < 0.01 ? now - 3600 : now - 120;
                if (auto ec = db->upsert_verdict(v)) {
                    std::fprintf(stderr, "upsert_verdict: %s\n", db->last_message().c_str());
                    return 1;
                }
            }
            db->touch_agent(agent, now - 60, targets * 2016);
        }
        if (tx.commit()) {
            std::fprintf(stderr, "commit: %s\n", db->last_message().c_str());
            return 1;
        }
    }
    const double store_ms = ms_since(t_store);
    std::printf("store: %d agents x %d targets = %d verdicts, %zu change events over %d days, "
                "%.1f MB, written in %.0f ms\n",
                agents, targets, agents * targets, change_count, days,
                static_cast<double>(std::filesystem::file_size(dir.path / "controller.db")) / 1e6,
                store_ms);

    const auto t_start = std::chrono::steady_clock::now();
    controller::server::controller_server server(controller::config::load_server_config(cfg_path));
    server.start();
    std::printf("controller: started on the store in %.0f ms, port %u\n", ms_since(t_start),
                server.port());

    test::http_client c(server.port());
    const auto [healthz_ms, healthz_size] = time_get(c, "/healthz", runs);
    const auto [matrix_ms, matrix_size] = time_get(c, "/api/v1/matrix", runs);
    std::printf("GET /api/v1/matrix: %.1f ms median of %d (%.2f MB); reference GET /healthz: "
                "%.2f ms\n",
                matrix_ms, runs, static_cast<double>(matrix_size) / 1e6, healthz_ms);
    std::fflush(stdout);

    const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/?live=0";
    const std::string cmd = "python3 " TUMEN_SOURCE_DIR "/tests/lib/chromium_page.py time '" + url +
                            "' --runs " + std::to_string(runs) +
                            " --reference http://127.0.0.1:" + std::to_string(server.port()) +
                            "/healthz";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    while (p != nullptr && std::fgets(buf, sizeof buf, p) != nullptr) {
        out += buf;
    }
    const int status = p ? ::pclose(p) : -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        std::printf("page: chromium_page.py failed (%d): %s\n",
                    WIFEXITED(status) ? WEXITSTATUS(status) : -1, out.c_str());
        return WIFEXITED(status) && WEXITSTATUS(status) == 77 ? 77 : 1;
    }
    const auto doc = json::parse(out, nullptr, false);
    if (!doc.is_object() || !doc.contains("usable_ms_median")) {
        std::printf("page: unexpected output: %s\n", out.c_str());
        return 1;
    }
    std::printf("page: usable (matrix of %d cells drawn) %.0f ms after navigation (median of %d, "
                "max %.0f; the page's own clock: %.0f ms); reference about:blank: %.1f ms\n",
                doc["cells"].get<int>(), doc["usable_ms_median"].get<double>(), runs,
                doc["usable_ms_max"].get<double>(), doc["page_ready_ms_median"].get<double>(),
                doc["reference_about_blank_ms_median"].get<double>());
    std::printf("page: reference %s (a small document of the same controller, a new renderer "
                "like the page's): %.1f ms\n",
                doc.value("reference_url", "").c_str(), doc.value("reference_url_ms_median", 0.0));
    std::printf("page: the last load in the page (ms): %s\n", doc["last_load_ms"].dump().c_str());
    server.stop();
    return 0;
}
