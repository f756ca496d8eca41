// tumen-bench-ingest: starts the controller in-process on 127.0.0.1 (ephemeral port, SQLite
// on a temporary file, inference on), then C connections (keep-alive, Beast clients, one
// thread each) post B-result batches of 15-hop traces. Prints the results/s acknowledged and
// the CPU per result (clients and server), and verifies that every result is stored exactly
// once. Batch bodies are built before the clock starts. References measured in the same run:
//  - parse: the CPU per result of the upload parser (protocol::parse_upload: simdjson tape and
//    the result structs) and of building nlohmann-json's tree of the same bodies
//    (json_fields::bounded_parse, the first step of the previous ingest path), one thread;
//  - resend: every batch posted again over the same connections: all duplicates (parsed,
//    authorized and looked up, nothing stored), which must leave the store unchanged;
//  - pg-1, pg-2: the same batches stored by one controller on PostgreSQL 15, and by two
//    controllers in this process sharing that PostgreSQL (the connections spread over both);
//    a throw-away cluster (tests/lib/pg_cluster.hpp), skipped without postgresql-15. Their
//    CPU adds the PostgreSQL server's (postmaster and backends).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/common/protocol/upload.hpp>
#include <tumen/controller/server/controller_server.hpp>

#include "http_client.hpp"
#include "pg_cluster.hpp"
#include "server_fixtures.hpp"

using namespace tumen;

namespace {

/// User + system CPU time of the whole process (every thread), seconds.
double process_cpu_seconds() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
    return sec(u.ru_utime) + sec(u.ru_stime);
}

/// CPU time of the calling thread, seconds.
double thread_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct pass_figures {
    double seconds = 0;
    double cpu = 0;
    int errors = 0;
    long long stored = 0;     ///< as the replies count them
    long long duplicates = 0; ///< as the replies count them
};

/// User + system CPU time of a PostgreSQL server (the postmaster of `data_dir` and every
/// process it started), seconds; 0 without one.
double postgres_cpu_seconds(const std::filesystem::path& data_dir) {
    std::ifstream pidfile(data_dir / "postmaster.pid");
    long postmaster = 0;
    if (data_dir.empty() || !(pidfile >> postmaster)) {
        return 0;
    }
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    double total = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        std::ifstream stat(e.path() / "stat");
        std::string line;
        if (!std::getline(stat, line) || line.rfind(')') == std::string::npos) {
            continue;
        }
        // pid (comm) state ppid ... utime(14) stime(15): fields after the last ')'.
        std::istringstream rest(line.substr(line.rfind(')') + 2));
        std::string state;
        long ppid = 0;
        rest >> state >> ppid;
        const long pid = std::atol(e.path().filename().c_str());
        if (pid != postmaster && ppid != postmaster) {
            continue;
        }
        std::string skip;
        for (int i = 0; i < 9; ++i) {
            rest >> skip;
        }
        double utime = 0;
        double stime = 0;
        rest >> utime >> stime;
        total += (utime + stime) / tick;
    }
    return total;
}

/// Posts every body once over `connections` keep-alive clients, spread over `ports`.
pass_figures post_all(const std::vector<std::uint16_t>& ports, int connections,
                      const std::vector<std::string>& bodies, const std::vector<int>& owner,
                      const char* const* agents) {
    std::atomic<int> next{0};
    std::atomic<int> errors{0};
    std::atomic<long long> stored{0};
    std::atomic<long long> duplicates{0};
    const int batches = static_cast<int>(bodies.size());
    const double cpu_start = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < connections; ++c) {
        clients.emplace_back([&, c] {
            test::http_client client(ports[static_cast<std::size_t>(c) % ports.size()]);
            for (;;) {
                const int b = next++;
                if (b >= batches) {
                    return;
                }
                const auto i = static_cast<std::size_t>(b);
                auto r = client.send(boost::beast::http::verb::post, "/api/v1/results", bodies[i],
                                     test::token_of(agents[owner[i]]));
                if (r.ec || r.res.result_int() != 200) {
                    ++errors;
                    std::fprintf(stderr, "batch %d: %s %d %s\n", b, r.ec.message().c_str(),
                                 r.res.result_int(), r.res.body().c_str());
                    continue;
                }
                const auto reply = nlohmann::json::parse(r.res.body(), nullptr, false);
                stored += reply.value("stored", 0LL);
                duplicates += reply.value("duplicates", 0LL);
            }
        });
    }
    for (auto& t : clients) {
        t.join();
    }
    pass_figures f;
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    f.cpu = process_cpu_seconds() - cpu_start;
    f.errors = errors.load();
    f.stored = stored.load();
    f.duplicates = duplicates.load();
    return f;
}

/// CPU per result (us) of parsing every body with protocol::parse_upload, and with
/// json_fields::bounded_parse (nlohmann-json's tree only), on this thread.
std::pair<double, double> parse_reference(const std::vector<std::string>& bodies, int total) {
    std::size_t parsed = 0;
    double t0 = thread_cpu_seconds();
    for (const auto& body : bodies) {
        auto err =
            protocol::parse_upload(body, [&](std::size_t, std::size_t, protocol::upload_result&&) {
                return ++parsed, true;
            });
        if (err) {
            std::fprintf(stderr, "parse_upload: %s: %s\n", err->where.c_str(), err->what.c_str());
        }
    }
    const double upload = thread_cpu_seconds() - t0;
    std::size_t trees = 0;
    t0 = thread_cpu_seconds();
    for (const auto& body : bodies) {
        nlohmann::json doc;
        if (!json_fields::bounded_parse(body, doc)) {
            trees += doc.size();
        }
    }
    const double tree = thread_cpu_seconds() - t0;
    if (parsed != static_cast<std::size_t>(total) || trees != parsed) {
        std::fprintf(stderr, "parse reference: %zu and %zu results of %d\n", parsed, trees, total);
    }
    return {upload * 1e6 / total, tree * 1e6 / total};
}

void print_pass(const char* name, const pass_figures& f, int total) {
    std::printf("%-8s %8.0f results/s  %6.2f s  cpu %5.2f s  %6.1f us/result  (replies: %lld "
                "stored, %lld duplicates, %d errors)\n",
                name, total / f.seconds, f.seconds, f.cpu, f.cpu * 1e6 / total, f.stored,
                f.duplicates, f.errors);
}

/// The pg-1 and pg-2 passes: one, then two controllers storing every body in a fresh
/// database of one throw-away PostgreSQL cluster.
bool postgresql_passes(const controller::config::server_config& base, int connections,
                       const std::vector<std::string>& bodies, const std::vector<int>& owner,
                       const char* const* agents, int total) {
    if (auto why = test::pg_cluster::unavailable()) {
        std::printf("pg-1, pg-2: skipped: %s\n", why->c_str());
        return true;
    }
    test::pg_cluster cluster;
    bool ok = true;
    for (int replicas = 1; replicas <= 2; ++replicas) {
        auto cfg = base;
        cfg.database = cluster.create_database("bench_" + std::to_string(replicas));
        std::vector<std::unique_ptr<controller::server::controller_server>> servers;
        std::vector<std::uint16_t> ports;
        for (int r = 0; r < replicas; ++r) {
            servers.push_back(std::make_unique<controller::server::controller_server>(cfg));
            servers.back()->start();
            ports.push_back(servers.back()->port());
        }
        const double pg_start = postgres_cpu_seconds(cluster.dir() / "data");
        auto f = post_all(ports, connections, bodies, owner, agents);
        f.cpu += postgres_cpu_seconds(cluster.dir() / "data") - pg_start;
        std::error_code ec;
        const auto stored = servers.front()->ingest().count_results(ec);
        for (auto& s : servers) {
            s->stop();
        }
        const std::string name = "pg-" + std::to_string(replicas);
        print_pass(name.c_str(), f, total);
        const bool pass = stored == total && f.errors == 0 && f.stored == total;
        std::printf("%s: PostgreSQL 15, %d replica(s) sharing it; cpu includes the PostgreSQL "
                    "server's; stored %lld (expected %d, each exactly once): %s\n",
                    name.c_str(), replicas, static_cast<long long>(stored), total,
                    pass ? "ok" : "FAILED");
        ok = ok && pass;
    }
    return ok;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"controller ingest benchmark (loopback only)"};
    int connections = 32;
    int batch_size = 100;
    int total = 40000;
    unsigned threads = 4; // more I/O threads than cores: one parses while another stores
    bool resend = true;
    app.add_option("--connections", connections, "concurrent keep-alive connections")
        ->check(CLI::Range(1, 256));
    app.add_option("--batch", batch_size, "results per POST")->check(CLI::Range(1, 10000));
    app.add_option("--results", total, "results to send in total")->check(CLI::Range(1, 10000000));
    app.add_option("--threads", threads, "server I/O threads")->check(CLI::Range(1, 64));
    app.add_flag("!--no-resend", resend, "skip the resend reference pass");
    bool postgresql = true;
    app.add_flag("!--no-postgresql", postgresql, "skip the PostgreSQL passes (pg-1, pg-2)");
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::warn);

    test::temp_dir dir;
    auto cfg = controller::config::load_server_config(test::write_config(dir, "", "64MiB"));
    cfg.threads = threads;
    controller::server::controller_server server(cfg);
    server.start();

    const char* agents[] = {"fra", "tyo", "msk"};
    const int batches = (total + batch_size - 1) / batch_size;
    std::vector<std::string> bodies(static_cast<std::size_t>(batches));
    std::vector<int> owner(static_cast<std::size_t>(batches));
    int made = 0;
    for (int b = 0; b < batches; ++b) {
        const char* agent = agents[b % 3];
        owner[static_cast<std::size_t>(b)] = b % 3;
        nlohmann::json a = nlohmann::json::array();
        for (int i = 0; i < batch_size && made < total; ++i, ++made) {
            auto t = test::make_trace(agent, "bench-" + std::to_string(made),
                                      test::lab().target_addr(made % 4, 1 + made % 200),
                                      (made / 1000) % 2 ? test::border::ttk : test::border::cu,
                                      1000000 + made);
            a.push_back(result::to_json(t));
        }
        bodies[static_cast<std::size_t>(b)] = a.dump();
    }
    std::size_t bytes = 0;
    for (auto& b : bodies) {
        bytes += b.size();
    }
    std::printf("ingest: %d results (15 hops, %d per batch, %.1f MB JSON) over %d connections, "
                "%u server threads\n",
                total, batch_size, static_cast<double>(bytes) / 1e6, connections, threads);
    std::fflush(stdout);

    const auto [upload_us, tree_us] = parse_reference(bodies, total);
    std::printf("parse    %6.2f us/result protocol::parse_upload (simdjson tape + result structs); "
                "reference: %.2f us/result nlohmann-json tree only (bounded_parse), %.1fx\n",
                upload_us, tree_us, tree_us / upload_us);
    std::fflush(stdout);

    const auto first = post_all({server.port()}, connections, bodies, owner, agents);
    std::error_code ec;
    const auto stored = server.ingest().count_results(ec);
    print_pass("store", first, total);
    bool ok = stored == total && first.errors == 0 && first.stored == total;
    if (resend) {
        const auto again = post_all({server.port()}, connections, bodies, owner, agents);
        const auto stored_again = server.ingest().count_results(ec);
        print_pass("resend", again, total);
        ok = ok && stored_again == total && again.errors == 0 && again.duplicates == total;
        std::printf("resend: store unchanged: %s (%lld results)\n",
                    stored_again == total ? "yes" : "NO", static_cast<long long>(stored_again));
    }
    server.stop();
    std::printf("stored: %lld (expected %d, each exactly once): %s\n",
                static_cast<long long>(stored), total, ok ? "ok" : "FAILED");
    if (postgresql) {
        ok = postgresql_passes(cfg, connections, bodies, owner, agents, total) && ok;
    }
    return ok ? 0 : 1;
}
