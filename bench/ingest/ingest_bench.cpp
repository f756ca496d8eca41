// tumen-bench-ingest: starts the controller in-process on 127.0.0.1 (ephemeral port, SQLite
// on a temporary file, inference on), then C connections (keep-alive, Beast clients, one
// thread each) post B-result batches of 15-hop traces. Prints the results/s acknowledged
// and verifies that every result is stored exactly once. Batch bodies are built before the
// clock starts.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <sys/resource.h>
#include <thread>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <tumen/controller/server/controller_server.hpp>

#include "http_client.hpp"
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

    std::atomic<int> next{0};
    std::atomic<int> errors{0};
    const double cpu_start = process_cpu_seconds();
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> clients;
    for (int c = 0; c < connections; ++c) {
        clients.emplace_back([&] {
            test::http_client client(server.port());
            for (;;) {
                const int b = next++;
                if (b >= batches) {
                    return;
                }
                auto r = client.send(boost::beast::http::verb::post, "/api/v1/results",
                                     bodies[static_cast<std::size_t>(b)],
                                     test::token_of(agents[owner[static_cast<std::size_t>(b)]]));
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
    std::error_code ec;
    const auto stored = server.ingest().count_results(ec);
    server.stop();
    std::printf("ingest: %d results (15 hops, %d per batch, %.1f MB JSON) over %d connections, "
                "%u server threads\n",
                total, batch_size, static_cast<double>(bytes) / 1e6, connections, threads);
    std::printf("stored: %lld (expected %d), errors: %d\n", static_cast<long long>(stored), total,
                errors.load());
    std::printf("elapsed: %.2f s, throughput: %.0f results/s\n", secs, total / secs);
    // CPU of clients and server together: steadier than wall time on a shared machine.
    std::printf("cpu: %.2f s (user + system, all threads), %.1f us per result, %.0f results "
                "per CPU second\n",
                cpu, cpu * 1e6 / total, total / cpu);
    return (stored == total && errors == 0) ? 0 : 1;
}
