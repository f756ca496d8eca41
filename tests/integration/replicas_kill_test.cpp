// Two `tumen-controller serve` replicas on one throw-away PostgreSQL (tests/lib/pg_cluster),
// three agents uploading real batches over loopback to both in turns, replica B killed with
// SIGKILL during the uploads and started again. Then: every sent result stored exactly once,
// each change event stored once and counted once by Prometheus scraping both replicas
// (tumen_path_changes_total, tumen_border_path from the exporter replica only), and verdicts
// and change events equal to one controller's on the same input. Exit 77 (skipped) without
// postgresql-15. argv[1]: the tumen-controller binary.
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <netinet/in.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>
#include <set>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "http_client.hpp"
#include "metrics_text.hpp"
#include "pg_cluster.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
namespace bhttp = boost::beast::http;

namespace {

int failures = 0;
void check(bool ok, const std::string& what) {
    std::printf("%s: %s\n", ok ? "ok" : "FAIL", what.c_str());
    if (!ok) {
        ++failures;
    }
}

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    ::close(fd);
    return ntohs(a.sin_port);
}

/// One `tumen-controller serve` process.
struct replica {
    std::string binary, config, database, log;
    std::uint16_t port = 0;
    pid_t pid = -1;

    void start() {
        pid = ::fork();
        if (pid == 0) {
            const std::string listen = "127.0.0.1:" + std::to_string(port);
            const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
            ::dup2(fd, 1);
            ::dup2(fd, 2);
            ::execl(binary.c_str(), binary.c_str(), "serve", "--config", config.c_str(),
                    "--database", database.c_str(), "--listen", listen.c_str(), "--log-level",
                    "warn", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        // Ready when /healthz answers.
        for (int i = 0; i < 300; ++i) {
            test::http_client c(port);
            auto r = c.send(bhttp::verb::get, "/healthz");
            if (!r.ec && r.res.result_int() == 200) {
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        throw std::runtime_error("replica on port " + std::to_string(port) + " did not start; " +
                                 log);
    }
    void kill9() {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        pid = -1;
    }
    void stop() {
        if (pid > 0) {
            ::kill(pid, SIGTERM);
            ::waitpid(pid, nullptr, 0);
            pid = -1;
        }
    }
    std::string metrics() const {
        test::http_client c(port);
        auto r = c.send(bhttp::verb::get, "/metrics");
        return r.ec ? std::string() : r.res.body();
    }
};

const char* agents[] = {"fra", "tyo", "msk"};
constexpr int per_agent = 1200;
constexpr int batch_size = 20;

/// The batches of one agent, in order: traces to four target prefixes whose border flips
/// between China Unicom and TTK every 120 results, so each (agent, target) changes paths.
std::vector<std::string> bodies_of(const std::string& agent) {
    std::vector<std::string> out;
    for (int first = 0; first < per_agent; first += batch_size) {
        nlohmann::json a = nlohmann::json::array();
        for (int n = first; n < first + batch_size; ++n) {
            auto t = test::make_trace(
                agent, agent + "-" + std::to_string(n), test::lab().target_addr(n % 4, 1),
                (n / 120) % 2 ? test::border::ttk : test::border::cu, 1'000'000 + 10 * (n / 4));
            a.push_back(result::to_json(t));
        }
        out.push_back(a.dump());
    }
    return out;
}

/// Each agent uploads its batches one at a time (an agent's spool keeps its order), to the
/// replicas in turns; a batch that fails (replica killed, refused) is sent again to the other
/// replica until acknowledged. `progress` counts acknowledged batches.
void upload(const std::vector<std::uint16_t>& ports, std::atomic<int>& progress) {
    std::vector<std::thread> threads;
    for (const char* agent : agents) {
        threads.emplace_back([&ports, &progress, agent] {
            const auto bodies = bodies_of(agent);
            std::size_t turn = 0;
            for (const auto& body : bodies) {
                for (;;) {
                    test::http_client c(ports[turn++ % ports.size()]);
                    auto r =
                        c.send(bhttp::verb::post, "/api/v1/results", body, test::token_of(agent));
                    if (!r.ec && r.res.result_int() == 200) {
                        break;
                    }
                    std::this_thread::sleep_for(std::chrono::milliseconds(20));
                }
                ++progress;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
}

std::vector<std::string> rows(const std::string& uri, const std::string& sql) {
    pqxx::connection c(uri);
    pqxx::nontransaction n(c);
    std::vector<std::string> out;
    for (const auto& r : n.exec(sql)) {
        std::string line;
        for (const auto& f : r) {
            line += (f.is_null() ? "NULL" : f.c_str()) + std::string("|");
        }
        out.push_back(line);
    }
    return out;
}

std::int64_t number(const std::string& uri, const std::string& sql) {
    return std::stoll(rows(uri, sql).at(0));
}

/// The sum of the samples of `name` over `texts`, and per (agent, target) the replicas that
/// show a tumen_border_path series at 1.
double sum_of(const std::vector<std::string>& texts, const std::string& name) {
    double total = 0;
    for (const auto& t : texts) {
        for (const auto& s : test::parse_samples(t)) {
            if (s.name == name) {
                total += s.value;
            }
        }
    }
    return total;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: test_replicas_kill TUMEN_CONTROLLER\n");
        return 2;
    }
    if (auto why = test::pg_cluster::unavailable()) {
        std::printf("SKIP: %s\n", why->c_str());
        return 77;
    }
    try {
        test::pg_cluster cluster;
        const auto shared = cluster.create_database("shared");
        const auto single = cluster.create_database("single");
        test::temp_dir dir;
        const auto config = test::write_config(dir).string();
        auto make = [&](const std::string& name, const std::string& db) {
            return replica{argv[1], config, db, (dir.path / (name + ".log")).string(), free_port()};
        };

        // One controller on its own database: the reference.
        replica one = make("single", single);
        one.start();
        std::atomic<int> progress{0};
        upload({one.port}, progress);
        one.stop();

        replica a = make("a", shared);
        replica b = make("b", shared);
        a.start();
        b.start();
        progress = 0;
        const int total_batches = 3 * per_agent / batch_size;
        std::thread killer([&] {
            while (progress < total_batches / 3) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            b.kill9();
            std::printf("replica b killed (SIGKILL) after %d of %d batches\n", progress.load(),
                        total_batches);
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            b.start();
            std::printf("replica b restarted after %d batches\n", progress.load());
        });
        upload({a.port, b.port}, progress);
        killer.join();

        const std::int64_t sent = 3 * per_agent;
        check(number(shared, "SELECT count(*) FROM results") == sent,
              "results stored: " + std::to_string(number(shared, "SELECT count(*) FROM results")) +
                  " of " + std::to_string(sent) + " sent");
        std::set<std::string> ids;
        for (const auto& r : rows(shared, "SELECT agent || ':' || id FROM results")) {
            ids.insert(r);
        }
        bool all = ids.size() == static_cast<std::size_t>(sent);
        for (const char* agent : agents) {
            for (int n = 0; n < per_agent && all; ++n) {
                all = ids.count(std::string(agent) + ":" + agent + "-" + std::to_string(n) + "|") ==
                      1;
            }
        }
        check(all, "every sent (agent, id) stored exactly once");
        const auto changes_single = number(single, "SELECT count(*) FROM changes");
        const auto changes_shared = number(shared, "SELECT count(*) FROM changes");
        check(changes_single > 0 && changes_shared == changes_single,
              "change events: " + std::to_string(changes_shared) +
                  " (one controller: " + std::to_string(changes_single) + ")");
        const std::string changes_sql =
            "SELECT agent, target, from_path, to_path, at FROM changes ORDER BY agent, target, at";
        check(rows(shared, changes_sql) == rows(single, changes_sql),
              "change events equal to one controller's");
        const std::string verdicts_sql =
            "SELECT agent, target, path, since, updated, tracker FROM verdicts ORDER BY agent, "
            "target";
        check(rows(shared, verdicts_sql) == rows(single, verdicts_sql),
              "verdicts equal to one controller's");

        // The exporter replica publishes the store's verdicts and change counts (every 5 s).
        std::vector<std::string> texts;
        for (int i = 0; i < 100; ++i) {
            texts = {a.metrics(), b.metrics()};
            if (sum_of(texts, "tumen_path_changes_total") >= static_cast<double>(changes_shared)) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
        check(sum_of(texts, "tumen_path_changes_total") == static_cast<double>(changes_shared),
              "tumen_path_changes_total over both replicas: " +
                  std::to_string(sum_of(texts, "tumen_path_changes_total")));
        std::map<std::string, int> shown;
        for (const auto& t : texts) {
            for (const auto& s : test::parse_samples(t)) {
                if (s.name == "tumen_border_path" && s.value == 1) {
                    ++shown[s.labels.at("agent") + " " + s.labels.at("target")];
                }
            }
        }
        bool once = shown.size() == rows(shared, verdicts_sql).size();
        for (const auto& [pair, n] : shown) {
            once = once && n == 1;
        }
        check(once, "each (agent, target) verdict shown once over both replicas (" +
                        std::to_string(shown.size()) + " pairs)");
        a.stop();
        b.stop();
    } catch (const std::exception& e) {
        std::printf("FAIL: %s\n", e.what());
        return 1;
    }
    std::printf("%s\n", failures == 0 ? "PASS" : "FAILED");
    return failures == 0 ? 0 : 1;
}
