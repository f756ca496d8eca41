// The assignment poll loop against an in-test controller on 127.0.0.1: ETag and
// If-None-Match, invalid documents, refresh, and the last round repeated while the controller
// is unreachable.
#include <doctest/doctest.h>

#include <tumen/common/campaign/round.hpp>
#include <tumen/probe/agent/assignment_poller.hpp>

#include "test_http_server.hpp"

using namespace tumen;
using namespace tumen::probe::agent;
using ms = std::chrono::milliseconds;
using tumen::test::canned_response;

namespace {

protocol::assignment document(std::optional<std::int64_t> valid_until) {
    campaign::work_item w;
    w.campaign = "c1";
    w.target_prefix = *ipv4_prefix::parse("198.51.100.0/24");
    w.address = *ipv4_addr::parse("198.51.100.1");
    w.params.interval = std::chrono::minutes(1);
    protocol::assignment a;
    a.agent = "fra";
    a.campaigns = {{"c1", 7}};
    a.work = {w};
    a.version = "0123456789abcdef0123";
    a.valid_until = valid_until;
    return a;
}

std::int64_t now_s() {
    return campaign::unix_seconds(std::chrono::system_clock::now());
}

/// A poller against an in-test controller; `respond` answers request number n (from 1).
struct fixture {
    boost::asio::io_context io;
    agent_metrics metrics{"fra", "test"};
    controller_config controller;
    std::vector<tumen::test::http_server::request> requests;
    std::vector<protocol::assignment> applied;
    std::function<canned_response(std::size_t)> respond;
    tumen::test::http_server server{io, [this](const auto& req) {
                                        requests.push_back(req);
                                        return respond(requests.size());
                                    }};
    std::unique_ptr<http_client> client;
    std::unique_ptr<assignment_poller> poller;
    std::function<void()> on_apply = [] {};

    fixture() {
        std::string err;
        controller.url = *controller_url::parse(
            "http://127.0.0.1:" + std::to_string(server.port()) + "/base", err);
        controller.token = "tok";
        controller.timeout = ms(2000);
        client = std::make_unique<http_client>(io.get_executor(), controller.url, "",
                                               controller.timeout);
        poller = std::make_unique<assignment_poller>(io, *client, "fra", controller, metrics,
                                                     [this](const protocol::assignment& a) {
                                                         applied.push_back(a);
                                                         on_apply();
                                                     });
    }
    /// Runs until stop() or the guard.
    void run(std::chrono::seconds guard = std::chrono::seconds(15)) {
        boost::asio::steady_timer deadline(io);
        deadline.expires_after(guard);
        deadline.async_wait([this](auto ec) {
            if (!ec) {
                FAIL_CHECK("timed out");
                io.stop();
            }
        });
        poller->start();
        io.run();
    }
    void stop() {
        poller->stop();
        boost::asio::post(io, [this] { io.stop(); });
    }
    std::string header(std::size_t n, const char* name) const {
        return std::string(requests.at(n - 1)[name]);
    }
};

} // namespace

TEST_CASE("next poll: the poll interval, or just after the round boundary, at least 1 s") {
    const ms minute(60000);
    CHECK(next_poll_delay(minute, std::nullopt, 1000, ms(0)) == minute);
    CHECK(next_poll_delay(minute, 1030, 1000, ms(500)) == ms(30500));
    CHECK(next_poll_delay(ms(10000), 1030, 1000, ms(500)) == ms(10000));
    CHECK(next_poll_delay(minute, 1000, 1000, ms(200)) == ms(1000));
    CHECK(next_poll_delay(minute, 990, 1000, ms(2000)) == ms(1000)); // boundary passed
}

TEST_CASE("poller: a new document is applied; then If-None-Match, and 304 keeps it") {
    fixture f;
    f.controller.poll_interval = ms(50); // no valid_until: the poll interval
    const auto doc = document(std::nullopt);
    f.respond = [&](std::size_t n) {
        if (n == 1) {
            return canned_response(200, protocol::to_json(doc).dump(), {}, {{"ETag", "\"v1\""}});
        }
        if (n == 3) {
            f.stop();
        }
        return canned_response(304, "");
    };
    f.run();
    REQUIRE(f.requests.size() >= 3);
    CHECK(std::string(f.requests[0].target()) == "/base/api/v1/agents/fra/assignment");
    CHECK(f.header(1, "Authorization") == "Bearer tok");
    CHECK(f.header(1, "Accept") == "application/json");
    CHECK(f.header(1, "If-None-Match").empty());
    CHECK(f.header(2, "If-None-Match") == "\"v1\"");
    CHECK(f.header(3, "If-None-Match") == "\"v1\"");
    REQUIRE(f.applied.size() == 1);
    CHECK(f.applied[0] == doc);
    REQUIRE(f.poller->current());
    CHECK(*f.poller->current() == doc);
}

TEST_CASE("poller: an invalid document or an error keeps the current one and its ETag") {
    fixture f;
    f.controller.poll_interval = ms(50);
    const auto doc = document(std::nullopt);
    f.respond = [&](std::size_t n) {
        switch (n) {
        case 1:
            return canned_response(200, protocol::to_json(doc).dump(), {}, {{"ETag", "\"v1\""}});
        case 2:
            return canned_response(200, R"({"campaigns": [], "work": 3})", {},
                                   {{"ETag", "\"v2\""}});
        case 3:
            return canned_response(503, "busy");
        default:
            f.stop();
            return canned_response(304, "");
        }
    };
    f.run();
    REQUIRE(f.requests.size() >= 4);
    CHECK(f.header(3, "If-None-Match") == "\"v1\"");
    CHECK(f.header(4, "If-None-Match") == "\"v1\"");
    REQUIRE(f.applied.size() == 1); // no valid_until: nothing to repeat
    CHECK(*f.poller->current() == doc);
}

TEST_CASE("poller: refresh() asks again at once, without If-None-Match") {
    fixture f;
    f.controller.poll_interval = std::chrono::hours(1);
    f.on_apply = [&] { boost::asio::post(f.io, [&] { f.poller->refresh(); }); };
    f.respond = [&](std::size_t n) {
        if (n == 2) {
            f.stop();
            return canned_response(304, "");
        }
        return canned_response(200, protocol::to_json(document(std::nullopt)).dump(), {},
                               {{"ETag", "\"v1\""}});
    };
    f.run();
    REQUIRE(f.requests.size() == 2);
    CHECK(f.header(2, "If-None-Match").empty());
}

TEST_CASE("poller: unreachable after the round ended, the same work runs as the next round") {
    fixture f;
    f.controller.poll_interval = ms(1000);
    // Valid until a second ago: the next poll comes after at least 1 s and fails.
    const auto doc = document(now_s() - 1);
    f.respond = [&](std::size_t n) {
        if (n == 1) {
            return canned_response(200, protocol::to_json(doc).dump(), {}, {{"ETag", "\"v1\""}});
        }
        return canned_response(503, "down");
    };
    f.on_apply = [&] {
        if (f.applied.size() == 2) {
            f.stop();
        }
    };
    f.run();
    REQUIRE(f.applied.size() == 2);
    const auto& again = f.applied[1];
    CHECK(again.campaigns == std::vector<protocol::campaign_round>{{"c1", 8}});
    CHECK(again.work == doc.work);
    REQUIRE(again.valid_until);
    CHECK(*again.valid_until >= now_s() + 58); // one interval (60 s) from the failed poll
    CHECK(*again.valid_until <= now_s() + 60);
    CHECK(*f.poller->current() == again);
}
