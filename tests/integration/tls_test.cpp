// The agent's uploader and HTTP client against a real controller serving HTTPS on 127.0.0.1
// (ephemeral port), with certificates made for the test: results are delivered and stored
// exactly once over TLS; an unknown CA, a certificate for another host and plain HTTP to
// the TLS port all fail cleanly and leave every result in the spool.
// clang-format off
#include <tumen/common/asio.hpp> // first: <utility> before Asio (Boost 1.74 + GCC 12)
// clang-format on

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <doctest/doctest.h>

#include <tumen/controller/server/controller_server.hpp>
#include <tumen/probe/agent/uploader.hpp>

#include "server_fixtures.hpp"
#include "test_certs.hpp"

using namespace tumen;
using namespace tumen::probe::agent;
using ms = std::chrono::milliseconds;

namespace {

/// A TLS controller (agents fra, tyo, msk) with its PKI in a temporary directory.
struct tls_controller {
    test::temp_dir dir;
    test::test_pki pki;
    std::unique_ptr<controller::server::controller_server> server;

    explicit tls_controller(const std::string& server_san = "IP:127.0.0.1")
        : pki(dir.path, server_san) {
        const std::string tls = "tls:\n  cert: " + pki.server_cert.string() +
                                "\n  key: " + pki.server_key.string() + "\n";
        auto cfg = controller::config::load_server_config(test::write_config(dir, tls));
        server = std::make_unique<controller::server::controller_server>(cfg);
        server->start();
    }
    ~tls_controller() { server->stop(); }

    controller_url url(const std::string& scheme = "https") const {
        std::string err;
        auto u =
            controller_url::parse(scheme + "://127.0.0.1:" + std::to_string(server->port()), err);
        REQUIRE_MESSAGE(u, err);
        return *u;
    }
    std::int64_t stored() {
        std::error_code ec;
        const auto n = server->ingest().count_results(ec);
        REQUIRE_FALSE(ec);
        return n;
    }
};

/// One request on a fresh client, run to completion.
http_response request_once(const controller_url& url, const std::filesystem::path& ca) {
    boost::asio::io_context io;
    http_client client(io.get_executor(), url, ca, ms(3000));
    http_response out;
    http_request req;
    req.target = "/healthz";
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out = co_await client.request(req); },
        boost::asio::detached);
    io.run();
    return out;
}

/// Appends `n` lab-plan traces of agent fra to the spool; returns their ids.
std::vector<std::string> spool_traces(spool& sp, int n, int first = 0) {
    std::vector<std::string> ids;
    for (int i = first; i < first + n; ++i) {
        const std::string id = "tls-" + std::to_string(i);
        auto t = test::make_trace("fra", id, test::lab().target_addr(0, 1 + i), test::border::cu,
                                  1700000000 + i);
        REQUIRE_FALSE(sp.append(id, result::to_json(t).dump()));
        ids.push_back(id);
    }
    return ids;
}

/// Runs the uploader until the spool is empty (true) or the first failed attempt (false).
bool drain(const controller_url& url, const std::filesystem::path& ca, spool& sp,
           const std::filesystem::path& dead_letter) {
    boost::asio::io_context io;
    agent_metrics metrics{"fra", "test"};
    http_client client(io.get_executor(), url, ca, ms(3000));
    uploader_options o;
    o.token = test::token_of("fra");
    o.batch_size = 4;
    o.backoff_initial = ms(10);
    o.backoff_max = ms(20);
    uploader up(io.get_executor(), sp, client, dead_letter_file(dead_letter), o, &metrics);
    bool ok = false;
    up.start();
    up.drain([&](bool success) {
        ok = success;
        up.stop();
        io.stop();
    });
    io.run_for(std::chrono::seconds(30));
    return ok;
}

} // namespace

TEST_CASE("TLS: the agent's uploader delivers a spool to an HTTPS controller exactly once") {
    tls_controller ctl;
    test::temp_dir agent_dir;
    auto sp = spool::open(agent_dir.path / "spool", 1 << 20);
    spool_traces(sp, 10);
    REQUIRE(drain(ctl.url(), ctl.pki.ca, sp, agent_dir.path / "dl.jsonl"));
    CHECK(sp.empty());
    CHECK(ctl.stored() == 10);
    // The same results again (as after a lost acknowledgement) are not counted twice.
    spool_traces(sp, 10);
    spool_traces(sp, 2, 10);
    REQUIRE(drain(ctl.url(), ctl.pki.ca, sp, agent_dir.path / "dl.jsonl"));
    CHECK(ctl.stored() == 12);
    CHECK_FALSE(std::filesystem::exists(agent_dir.path / "dl.jsonl"));
}

TEST_CASE("TLS: a controller certificate from an unknown CA is refused; nothing leaves the spool") {
    tls_controller ctl;
    auto r = request_once(ctl.url(), ctl.pki.other_ca);
    CHECK(r.ec);
    CHECK(r.status == 0);
    CHECK(r.error_step == "tls handshake");

    test::temp_dir agent_dir;
    auto sp = spool::open(agent_dir.path / "spool", 1 << 20);
    spool_traces(sp, 3);
    CHECK_FALSE(drain(ctl.url(), ctl.pki.other_ca, sp, agent_dir.path / "dl.jsonl"));
    CHECK(sp.size() == 3);
    CHECK(ctl.stored() == 0);
    // With the right CA the same spool goes through.
    REQUIRE(drain(ctl.url(), ctl.pki.ca, sp, agent_dir.path / "dl.jsonl"));
    CHECK(ctl.stored() == 3);
}

TEST_CASE("TLS: a certificate for another host fails verification") {
    tls_controller ctl("DNS:controller.example");
    auto r = request_once(ctl.url(), ctl.pki.ca);
    CHECK(r.ec);
    CHECK(r.status == 0);
    CHECK(r.error_step == "tls handshake");
    // The same CA and an address the certificate names: accepted.
    tls_controller good("DNS:controller.example,IP:127.0.0.1");
    auto ok = request_once(good.url(), good.pki.ca);
    CHECK_FALSE(ok.ec);
    CHECK(ok.status == 200);
}

TEST_CASE("TLS: plain HTTP to the TLS port gets no answer, and the server keeps serving") {
    tls_controller ctl;
    auto plain = request_once(ctl.url("http"), {});
    CHECK(plain.ec);
    CHECK(plain.status == 0);
    auto r = request_once(ctl.url(), ctl.pki.ca);
    CHECK_FALSE(r.ec);
    CHECK(r.status == 200);
}
