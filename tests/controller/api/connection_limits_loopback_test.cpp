// Connection cap and accept back-off (issue 12, defect 2): idle connections beyond
// max_connections are refused with 503, and when the process runs out of file descriptors
// the accept loop neither spins nor floods the log; /healthz answers once they are gone.
// Log lines are counted, never timed.
#include <atomic>
#include <memory>
#include <mutex>
#include <string_view>
#include <sys/resource.h>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <doctest/doctest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <tumen/controller/server/controller_server.hpp>

#include "eventually.hpp"
#include "http_client.hpp"
#include "server_fixtures.hpp"

using namespace tumen;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

/// Counts log lines (all, and those about failed accepts).
class counting_sink : public spdlog::sinks::base_sink<std::mutex> {
public:
    std::atomic<int> lines{0};
    std::atomic<int> accept_failed{0};

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        ++lines;
        if (std::string_view(msg.payload.data(), msg.payload.size()).find("accept failed") !=
            std::string_view::npos) {
            ++accept_failed;
        }
    }
    void flush_() override {}
};

/// Routes spdlog's default logger to a counting sink for the scope.
struct log_counter {
    std::shared_ptr<counting_sink> sink = std::make_shared<counting_sink>();
    std::shared_ptr<spdlog::logger> previous = spdlog::default_logger();
    log_counter() { spdlog::set_default_logger(std::make_shared<spdlog::logger>("count", sink)); }
    ~log_counter() { spdlog::set_default_logger(previous); }
};

/// Lowers this process's RLIMIT_NOFILE soft limit for the scope.
struct fd_limit {
    rlimit saved{};
    explicit fd_limit(rlim_t soft) {
        ::getrlimit(RLIMIT_NOFILE, &saved);
        rlimit low = saved;
        low.rlim_cur = soft;
        REQUIRE(::setrlimit(RLIMIT_NOFILE, &low) == 0);
    }
    ~fd_limit() { ::setrlimit(RLIMIT_NOFILE, &saved); }
};

std::size_t open_fds() {
    std::size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
        ++n;
    }
    return n;
}

bool healthz_ok(std::uint16_t port) {
    test::http_client c(port);
    auto r = c.send(bhttp::verb::get, "/healthz");
    return !r.ec && r.res.result_int() == 200;
}

tcp::endpoint server_endpoint(std::uint16_t port) {
    return {boost::asio::ip::make_address("127.0.0.1"), port};
}

} // namespace

TEST_CASE("api: connections beyond max_connections get 503; /healthz answers once they close") {
    test::temp_dir dir;
    auto server = std::make_unique<controller::server::controller_server>(
        controller::config::load_server_config(
            test::write_config(dir, "max_connections: 4\nheader_timeout: 5m\n")));
    server->start();

    boost::asio::io_context io;
    std::vector<tcp::socket> idle;
    for (int i = 0; i < 4; ++i) {
        idle.emplace_back(io).connect(server_endpoint(server->port()));
    }
    // Accepts are served in order, so the fifth finds the four slots taken.
    beast::tcp_stream extra(io);
    extra.connect(server_endpoint(server->port()));
    extra.expires_after(std::chrono::seconds(30));
    beast::flat_buffer buf;
    bhttp::response<bhttp::string_body> res;
    beast::error_code ec;
    bhttp::async_read(extra, buf, res, [&](beast::error_code e, std::size_t) { ec = e; });
    io.run();
    REQUIRE_FALSE(ec);
    CHECK(res.result_int() == 503);
    CHECK(res[bhttp::field::retry_after] == "5");
    CHECK(res.body().find("max_connections") != std::string::npos);

    for (auto& s : idle) {
        s.close();
    }
    CHECK(test::eventually([&] { return healthz_ok(server->port()); }));
}

TEST_CASE("api: out of file descriptors, accept backs off and logs once; /healthz recovers") {
    log_counter log;
    test::temp_dir dir;
    // Room for the server's own files and a few dozen connections (two descriptors each, as
    // client and server share this process).
    fd_limit limit(open_fds() + 64);
    auto server = std::make_unique<controller::server::controller_server>(
        controller::config::load_server_config(
            test::write_config(dir, "max_connections: 100000\nheader_timeout: 5m\n")));
    server->start();

    boost::asio::io_context io;
    std::vector<tcp::socket> conns;
    // Open idle connections until the server fails to accept one. When this side runs out
    // first, give back one connection (two descriptors) so that the next one is left pending.
    for (int i = 0; i < 4000 && log.sink->accept_failed.load() == 0; ++i) {
        tcp::socket s(io);
        boost::system::error_code oec;
        s.open(tcp::v4(), oec);
        if (!oec) {
            s.connect(server_endpoint(server->port()), oec);
        }
        if (oec) {
            if (!conns.empty()) {
                conns.erase(conns.begin());
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
            continue;
        }
        conns.push_back(std::move(s));
    }
    REQUIRE(log.sink->accept_failed.load() >= 1);
    // A spinning accept loop would log thousands of lines in this pause; one with back-off
    // logs once per period (10 s).
    const int lines_before = log.sink->lines.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(log.sink->accept_failed.load() <= 2);
    CHECK(log.sink->lines.load() - lines_before <= 2);

    conns.clear();
    CHECK(test::eventually([&] { return healthz_ok(server->port()); }));
    server.reset();
}
