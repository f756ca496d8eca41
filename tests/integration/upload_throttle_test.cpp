// The agent's uploader against a real controller on 127.0.0.1 whose upload_rate it exceeds
// (issue 12): the controller answers 429 with Retry-After, the uploader waits at least that
// long before the next attempt (its backoff alone would retry after milliseconds), and every
// result is delivered exactly once in the end.
// clang-format off
#include <tumen/common/asio.hpp> // first: <utility> before Asio (Boost 1.74 + GCC 12)
// clang-format on

#include <doctest/doctest.h>

#include <tumen/controller/server/controller_server.hpp>
#include <tumen/probe/agent/uploader.hpp>

#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::probe::agent;
using ms = std::chrono::milliseconds;

TEST_CASE("upload rate: the agent's uploader honours the controller's 429 Retry-After") {
    test::temp_dir dir;
    auto server = std::make_unique<controller::server::controller_server>(
        controller::config::load_server_config(
            test::write_config(dir, "upload_rate:\n  per_second: 0.5\n  burst: 1\n")));
    server->start();
    std::string err;
    auto url = controller_url::parse("http://127.0.0.1:" + std::to_string(server->port()), err);
    REQUIRE_MESSAGE(url, err);

    test::temp_dir agent_dir;
    auto sp = spool::open(agent_dir.path / "spool", 1 << 20);
    for (int i = 0; i < 2; ++i) {
        const std::string id = "throttle-" + std::to_string(i);
        auto t = test::make_trace("fra", id, test::lab().target_addr(0, 1 + i), test::border::cu,
                                  1700000000 + i);
        REQUIRE_FALSE(sp.append(id, result::to_json(t).dump()));
    }

    boost::asio::io_context io;
    agent_metrics metrics{"fra", "test"};
    http_client client(io.get_executor(), *url, {}, ms(3000));
    uploader_options o;
    o.token = test::token_of("fra");
    o.batch_size = 1; // two uploads: the second is over the limit
    o.backoff_initial = ms(10);
    o.backoff_max = ms(20);
    uploader up(io.get_executor(), sp, client, dead_letter_file(agent_dir.path / "dl.jsonl"), o,
                &metrics);
    up.start();
    const auto started = std::chrono::steady_clock::now();
    // Polls until the spool is empty (or the test's bound).
    boost::asio::steady_timer poll(io);
    std::function<void()> check = [&] {
        if (sp.empty()) {
            up.stop();
            io.stop();
            return;
        }
        poll.expires_after(ms(20));
        poll.async_wait([&](boost::system::error_code ec) {
            if (!ec) {
                check();
            }
        });
    };
    check();
    io.run_for(std::chrono::seconds(20));
    const auto took = std::chrono::steady_clock::now() - started;

    CHECK(sp.empty());
    std::error_code ec;
    CHECK(server->ingest().count_results(ec) == 2);
    CHECK(server->metrics().throttled("fra") >= 1);
    // The wait chosen after the 429 is the controller's Retry-After (1 or 2 s at 0.5/s), far
    // above the 20 ms backoff cap, and the delivery took at least that long.
    CHECK(up.stats().failures >= 1);
    CHECK(up.stats().last_wait >= ms(1000));
    CHECK(up.stats().last_wait <= ms(2000));
    CHECK(took >= up.stats().last_wait);
    CHECK_FALSE(std::filesystem::exists(agent_dir.path / "dl.jsonl"));
    server->stop();
}
