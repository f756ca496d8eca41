// tumen-bench-ingest: starts the controller in-process on 127.0.0.1 (ephemeral port, inference
// on) with each back end in turn, in the same run: SQLite on a temporary file, PostgreSQL with
// one replica, and two replicas sharing one PostgreSQL (a throw-away cluster,
// tests/lib/pg_cluster.hpp; skipped without postgresql-15); then C connections (keep-alive, Beast
// clients, one thread each) post B-result batches of 15-hop traces. Prints the results/s
// acknowledged and verifies that every result is stored exactly once. Batch bodies are built before
// the clock starts.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

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

/// User + system CPU time of a PostgreSQL server (the postmaster of `data_dir` and every
/// process it started), seconds; 0 without one.
double postgres_cpu_seconds(const std::filesystem::path& data_dir) {
    std::ifstream pidfile(data_dir / "postmaster.pid");
    long postmaster = 0;
    if (!(pidfile >> postmaster)) {
        return 0;
    }
    const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
    double total = 0;
    for (const auto& e : std::filesystem::directory_iterator("/proc")) {
        std::ifstream stat(e.path() / "stat");
        std::string line;
        if (!std::getline(stat, line)) {
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

/// The batches to post, built before any clock starts.
struct bench_input {
    const std::vector<std::string>& bodies;
    const std::vector<int>& owner;
    int total, batch_size, connections;
    unsigned threads;
    std::size_t bytes;
};

/// Runs `replicas` controllers on `cfg` in this process and posts every batch over
/// in.connections keep-alive connections spread over them; prints the figures.
bool run_case(const std::string& name, const controller::config::server_config& cfg, int replicas,
              const bench_input& in, const std::filesystem::path& pg_data) {
    static const char* agents[] = {"fra", "tyo", "msk"};
    std::vector<std::unique_ptr<controller::server::controller_server>> servers;
    for (int r = 0; r < replicas; ++r) {
        servers.push_back(std::make_unique<controller::server::controller_server>(cfg));
        servers.back()->start();
    }
    const int batches = static_cast<int>(in.bodies.size());
    std::atomic<int> next{0};
    std::atomic<int> errors{0};
    const double cpu_start = process_cpu_seconds();
    const double pg_cpu_start = postgres_cpu_seconds(pg_data);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < in.connections; ++c) {
        clients.emplace_back([&, c] {
            test::http_client client(servers[static_cast<std::size_t>(c % replicas)]->port());
            for (;;) {
                const int b = next++;
                if (b >= batches) {
                    return;
                }
                auto r = client.send(boost::beast::http::verb::post, "/api/v1/results",
                                     in.bodies[static_cast<std::size_t>(b)],
                                     test::token_of(agents[in.owner[static_cast<std::size_t>(b)]]));
                if (r.ec || r.res.result_int() != 200) {
                    ++errors;
                    std::fprintf(stderr, "batch %d: %s %d %s\n", b, r.ec.message().c_str(),
                                 r.res.result_int(), r.res.body().c_str());
                }
            }
        });
    }
    for (auto& t : clients) {
        t.join();
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = process_cpu_seconds() - cpu_start;
    const double pg_cpu = postgres_cpu_seconds(pg_data) - pg_cpu_start;
    std::error_code ec;
    const auto stored = servers.front()->ingest().count_results(ec);
    for (auto& s : servers) {
        s->stop();
    }
    std::printf("\n[%s] %s, %d replica(s)\n", name.c_str(),
                name == "sqlite" ? "SQLite" : "PostgreSQL 15 (local, Unix socket)", replicas);
    std::printf("ingest: %d results (15 hops, %d per batch, %.1f MB JSON) over %d connections, "
                "%u server threads per replica\n",
                in.total, in.batch_size, static_cast<double>(in.bytes) / 1e6, in.connections,
                in.threads);
    std::printf("stored: %lld (expected %d), errors: %d\n", static_cast<long long>(stored),
                in.total, errors.load());
    std::printf("elapsed: %.2f s, throughput: %.0f results/s\n", secs, in.total / secs);
    // CPU of clients and server together: steadier than wall time on a shared machine. The
    // PostgreSQL server's own CPU is not in it (another process).
    std::printf("cpu: %.2f s (user + system, this process), %.1f us per result, %.0f results "
                "per CPU second\n",
                cpu, cpu * 1e6 / in.total, in.total / cpu);
    if (!pg_data.empty()) {
        std::printf("cpu with the PostgreSQL server's: %.2f s, %.1f us per result\n", cpu + pg_cpu,
                    (cpu + pg_cpu) * 1e6 / in.total);
    }
    return stored == in.total && errors == 0;
}

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"controller ingest benchmark (loopback only)"};
    int connections = 32;
    int batch_size = 100;
    int total = 40000;
    unsigned threads = 4; // more I/O threads than cores: one parses while another stores
    app.add_option("--connections", connections, "concurrent keep-alive connections")
        ->check(CLI::Range(1, 256));
    app.add_option("--batch", batch_size, "results per POST")->check(CLI::Range(1, 10000));
    app.add_option("--results", total, "results to send in total")->check(CLI::Range(1, 10000000));
    app.add_option("--threads", threads, "server I/O threads")->check(CLI::Range(1, 64));
    std::string backends = "sqlite,pg,pg2";
    app.add_option("--backends", backends,
                   "cases to run, in order: sqlite, pg (PostgreSQL, one replica), pg2 (two "
                   "replicas on one PostgreSQL)");
    CLI11_PARSE(app, argc, argv);
    spdlog::set_level(spdlog::level::warn);

    test::temp_dir dir;
    const auto cfg = controller::config::load_server_config(test::write_config(dir, "", "64MiB"));

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

    const bench_input in{bodies, owner, total, batch_size, connections, threads, bytes};
    // Every case in the same run, so their figures share the VM's speed of the moment.
    bool ok = true;
    std::vector<std::string> wanted;
    std::istringstream list(backends);
    for (std::string b; std::getline(list, b, ',');) {
        wanted.push_back(b);
    }
    std::unique_ptr<test::pg_cluster> cluster;
    int db_counter = 0;
    for (const auto& b : wanted) {
        auto c = cfg;
        c.threads = threads;
        int replicas = 1;
        if (b == "sqlite") {
            c.database = dir.path / ("bench-" + std::to_string(++db_counter) + ".db");
        } else if (b == "pg" || b == "pg2") {
            if (auto why = test::pg_cluster::unavailable()) {
                std::printf("\n[%s] skipped: %s\n", b.c_str(), why->c_str());
                continue;
            }
            if (!cluster) {
                cluster = std::make_unique<test::pg_cluster>();
            }
            c.database = cluster->create_database("bench_" + std::to_string(++db_counter));
            replicas = b == "pg2" ? 2 : 1;
        } else {
            std::fprintf(stderr, "unknown back end \"%s\" (sqlite, pg, pg2)\n", b.c_str());
            return 2;
        }
        ok = run_case(b, c, replicas, in,
                      b == "sqlite" ? std::filesystem::path() : cluster->dir() / "data") &&
             ok;
    }
    return ok ? 0 : 1;
}
