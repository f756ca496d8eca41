// Two `tumen-controller serve` replicas on one throw-away PostgreSQL (tests/lib/pg_cluster),
// three agents uploading real batches over loopback to both in turns, replica B killed with
// SIGKILL during the uploads and started again. Then: every sent result stored exactly once,
// each change event stored once and counted once by Prometheus scraping both replicas
// (tumen_path_changes_total, tumen_border_path from the exporter replica only), each last
// ping's loss shown once (tumen_loss_ratio, tumen_path_loss_ratio, also from the exporter)
// with one controller's value, and verdicts (latency and loss included) and change events
// equal to one controller's on the same input. Exit 77 (skipped) without
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

/// The border of trace `n` of an agent: flips between China Unicom and TTK every 120.
test::border border_of(int n) {
    return (n / 120) % 2 ? test::border::ttk : test::border::cu;
}

/// Ping `b` of an agent, at the end of its batch `b`: to target prefix b % 4, `lost` of 4
/// probes unanswered.
int lost_of(int b) {
    return b % 5;
}

/// The batches of one agent, in order: traces to four target prefixes whose border flips
/// every 120 results, so each (agent, target) changes paths, and one ping per batch.
std::vector<std::string> bodies_of(const std::string& agent) {
    std::vector<std::string> out;
    for (int first = 0; first < per_agent; first += batch_size) {
        nlohmann::json a = nlohmann::json::array();
        for (int n = first; n < first + batch_size; ++n) {
            auto t = test::make_trace(agent, agent + "-" + std::to_string(n),
                                      test::lab().target_addr(n % 4, 1), border_of(n),
                                      1'000'000 + 10 * (n / 4));
            a.push_back(result::to_json(t));
        }
        const int b = first / batch_size;
        a.push_back(result::to_json(test::make_ping(
            agent, agent + "-p" + std::to_string(b), test::lab().target_addr(b % 4, 1), 4,
            static_cast<std::uint32_t>(4 - lost_of(b)), 1'000'000 + 10 * (first / 4) + 50)));
        out.push_back(a.dump());
    }
    return out;
}

/// What one controller shows as tumen_loss_ratio and tumen_path_loss_ratio after every
/// agent's batches: "name agent target[ path]" -> the loss of the last ping of that agent and
/// target (under the path of the target's latest trace before it).
std::map<std::string, double> expected_losses() {
    std::map<std::string, double> out;
    for (const char* agent : agents) {
        for (int b = 0; b < per_agent / batch_size; ++b) {
            const int last = b * batch_size + batch_size - 4 + b % 4; // its target's last trace
            const std::string target = test::lab().target_24(b % 4).to_string();
            const std::string path = border_of(last) == test::border::cu ? "china-unicom" : "ttk";
            const double ratio = lost_of(b) / 4.0;
            out["tumen_loss_ratio " + std::string(agent) + " " + target] = ratio;
            out["tumen_path_loss_ratio " + std::string(agent) + " " + target + " " + path] = ratio;
        }
    }
    return out;
}

/// The loss samples of `texts` as expected_losses() names them, with how many texts show
/// each.
std::map<std::string, std::pair<double, int>> losses_of(const std::vector<std::string>& texts) {
    std::map<std::string, std::pair<double, int>> out;
    for (const auto& t : texts) {
        for (const auto& s : test::parse_samples(t)) {
            if (s.name != "tumen_loss_ratio" && s.name != "tumen_path_loss_ratio") {
                continue;
            }
            std::string key = s.name + " " + s.labels.at("agent") + " " + s.labels.at("target");
            if (auto p = s.labels.find("path"); p != s.labels.end()) {
                key += " " + p->second;
            }
            out[key].first = s.value;
            ++out[key].second;
        }
    }
    return out;
}

/// Whether `shown` has each series of `expected` once, with its value, and no other.
bool losses_match(const std::map<std::string, std::pair<double, int>>& shown,
                  const std::map<std::string, double>& expected) {
    if (shown.size() != expected.size()) {
        return false;
    }
    for (const auto& [key, v] : shown) {
        const auto e = expected.find(key);
        if (e == expected.end() || v.first != e->second || v.second != 1) {
            return false;
        }
    }
    return true;
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

        const std::int64_t sent = 3 * (per_agent + per_agent / batch_size); // traces, pings
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
            for (int ping = 0; ping < per_agent / batch_size && all; ++ping) {
                all = ids.count(std::string(agent) + ":" + agent + "-p" + std::to_string(ping) +
                                "|") == 1;
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
            "SELECT agent, target, path, since, updated, tracker, latency FROM verdicts ORDER BY "
            "agent, target";
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
        // The loss gauges come from the exporter too (the last ping's loss kept in the
        // verdict row), once over both replicas, with one controller's values.
        const auto losses = expected_losses();
        for (int i = 0; i < 100 && !losses_match(losses_of(texts), losses); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            texts = {a.metrics(), b.metrics()};
        }
        check(losses_match(losses_of(texts), losses),
              "each loss series shown once over both replicas, as one controller shows it (" +
                  std::to_string(losses_of(texts).size()) + " series, " +
                  std::to_string(losses.size()) + " expected)");
        a.stop();
        b.stop();
    } catch (const std::exception& e) {
        std::printf("FAIL: %s\n", e.what());
        return 1;
    }
    std::printf("%s\n", failures == 0 ? "PASS" : "FAILED");
    return failures == 0 ? 0 : 1;
}
