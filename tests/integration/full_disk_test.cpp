// The agent on a full disk (issue 12, defect 5), run by full_disk_test.sh inside a private
// mount namespace with the spool on a tiny tmpfs (TUMEN_FULL_DISK_DIR): the agent's result
// hand-off (spool, probing pause, uploader) starts with the controller's results arriving
// faster than they can be uploaded, the disk fills, probing pauses (gauge
// tumen_agent_probing_paused = 1, one log line), then the uploader delivers the spool to a
// real controller on 127.0.0.1, the spool's files are removed so the disk has room again,
// and probing resumes (gauge 0); the next result is spooled. No packet is sent: the results
// are synthetic traces on the lab's plan, handed over as the scheduler would.
// clang-format off
#include <tumen/common/asio.hpp> // first: <utility> before Asio (Boost 1.74 + GCC 12)
// clang-format on

#include <cstdlib>
#include <sys/statvfs.h>

#include <doctest/doctest.h>

#include <tumen/controller/server/controller_server.hpp>
#include <tumen/probe/agent/result_handoff.hpp>

#include "server_fixtures.hpp"

using namespace tumen;
using namespace tumen::probe::agent;
using ms = std::chrono::milliseconds;

namespace {

std::uint64_t free_bytes(const std::filesystem::path& p) {
    struct statvfs st {};
    REQUIRE(::statvfs(p.c_str(), &st) == 0);
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

nlohmann::json trace_json(int i) {
    return result::to_json(test::make_trace("fra", "full-" + std::to_string(i),
                                            test::lab().target_addr(0, 1 + i % 200),
                                            test::border::cu, 1700000000 + i));
}

} // namespace

TEST_CASE("full disk: probing pauses, the spool is uploaded, space is freed, probing resumes") {
    const char* dir_env = std::getenv("TUMEN_FULL_DISK_DIR");
    if (dir_env == nullptr) {
        MESSAGE("SKIP: TUMEN_FULL_DISK_DIR not set (run through full_disk_test.sh)");
        return;
    }
    const std::filesystem::path disk(dir_env);
    test::temp_dir ctl_dir;
    auto server = std::make_unique<controller::server::controller_server>(
        controller::config::load_server_config(test::write_config(ctl_dir)));
    server->start();

    agent_config cfg;
    cfg.id = "fra";
    cfg.spool.dir = disk / "spool";
    cfg.spool.max_bytes = 64ull << 20; // far above the disk: the disk fills first
    cfg.spool.dead_letter = disk / "dead-letter.jsonl";
    controller_config cc;
    std::string err;
    auto url = controller_url::parse("http://127.0.0.1:" + std::to_string(server->port()), err);
    REQUIRE_MESSAGE(url, err);
    cc.url = *url;
    cc.token = test::token_of("fra");
    cc.timeout = ms(3000);
    cc.backoff_initial = ms(10);
    cc.backoff_max = ms(50);
    cfg.controller = cc;

    boost::asio::io_context io;
    agent_metrics metrics{"fra", "test"};
    result_handoff handoff(io, metrics);
    REQUIRE(handoff.open_upload(cfg));
    const auto free_at_start = free_bytes(disk);
    MESSAGE("tmpfs free at start: " << free_at_start << " bytes");

    // Results arrive while the uploader is not running yet (as during a controller outage):
    // the disk fills and probing pauses. The loop is what the scheduler does: no new job
    // while paused.
    int produced = 0;
    while (!handoff.probing_paused() && produced < 10000) {
        handoff.deliver("full-" + std::to_string(produced), trace_json(produced));
        ++produced;
    }
    REQUIRE(handoff.probing_paused());
    CHECK(handoff.pause_state().reason() == pause_reason::disk_full);
    CHECK(metrics.probing_paused() == 1);
    CHECK(free_bytes(disk) < 8192);
    std::error_code ec;
    const int spooled = produced - 1; // the write that failed paused probing
    MESSAGE(produced << " results produced, the last one could not be spooled; paused: "
                     << handoff.pause_state().why());
    REQUIRE(spooled > 0);

    // The controller is reached: the spool is uploaded, its files removed, probing resumes
    // at the next tick.
    handoff.start();
    boost::asio::steady_timer tick(io);
    std::function<void()> on_tick = [&] {
        handoff.update_metrics(); // the daemon's one-second tick
        if (!handoff.probing_paused()) {
            io.stop();
            return;
        }
        tick.expires_after(ms(50));
        tick.async_wait([&](boost::system::error_code e) {
            if (!e) {
                on_tick();
            }
        });
    };
    on_tick();
    io.run_for(std::chrono::seconds(30));
    CHECK_FALSE(handoff.probing_paused());
    CHECK(metrics.probing_paused() == 0);
    CHECK(server->ingest().count_results(ec) >= spooled * 3 / 4);
    const auto free_after = free_bytes(disk);
    MESSAGE("tmpfs free after the upload: " << free_after << " bytes; stored "
                                            << server->ingest().count_results(ec));
    CHECK(free_after > free_at_start / 4);

    // Probing goes on: the next result is spooled, and everything ends up at the controller.
    io.restart();
    handoff.deliver("after-resume", trace_json(produced + 1));
    CHECK_FALSE(handoff.probing_paused());
    std::function<void()> wait_empty = [&] {
        if (server->ingest().count_results(ec) >= spooled + 1) {
            io.stop();
            return;
        }
        tick.expires_after(ms(50));
        tick.async_wait([&](boost::system::error_code e) {
            if (!e) {
                wait_empty();
            }
        });
    };
    wait_empty();
    io.run_for(std::chrono::seconds(30));
    CHECK(server->ingest().count_results(ec) == spooled + 1);
    CHECK_FALSE(std::filesystem::exists(cfg.spool.dead_letter));
    handoff.stop();
    server->stop();
}
