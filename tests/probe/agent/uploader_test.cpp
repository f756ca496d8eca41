#include <set>
#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/probe/agent/uploader.hpp>

#include "temp_dir.hpp"
#include "test_http_server.hpp"

using namespace tumen::probe::agent;
using ms = std::chrono::milliseconds;

namespace {

std::string body(const std::string& id) {
    return R"({"id":")" + id + R"(","type":"traceroute","agent":"fra"})";
}

/// An idempotent controller stand-in: stores each result id once, in arrival order.
struct fake_controller {
    std::vector<std::string> stored;
    std::set<std::string> seen;
    std::size_t requests = 0;
    std::size_t duplicates = 0;
    std::vector<std::string> auth_headers;

    /// Parses the batch; returns the ids or an empty vector on a malformed body.
    std::vector<std::string> ids(const tumen::test::http_server::request& req) {
        std::vector<std::string> out;
        auto j = nlohmann::json::parse(req.body(), nullptr, false);
        if (!j.is_object() || !j.contains("results")) {
            return out;
        }
        for (const auto& r : j["results"]) {
            out.push_back(r.at("id").get<std::string>());
        }
        return out;
    }
    /// Answers `status` with `error_body` when a result id in the batch satisfies `refuse`,
    /// otherwise stores the batch and answers 200.
    template <class Pred>
    tumen::test::canned_response answer(const tumen::test::http_server::request& req, Pred refuse,
                                        unsigned status, std::string error_body) {
        ++requests;
        auto batch = ids(req);
        for (const auto& id : batch) {
            if (refuse(id)) {
                return tumen::test::canned_response{status, std::move(error_body)};
            }
        }
        store(batch);
        return tumen::test::canned_response{200, "{}"};
    }
    void store(const std::vector<std::string>& ids) {
        for (const auto& id : ids) {
            if (seen.insert(id).second) {
                stored.push_back(id);
            } else {
                ++duplicates;
            }
        }
    }
};

struct fixture {
    tumen::test::temp_dir dir;
    boost::asio::io_context io;
    spool sp = spool::open(dir.path / "spool", 1 << 20);
    agent_metrics metrics{"fra", "test"};

    uploader_options options() {
        uploader_options o;
        o.token = "tok";
        o.batch_size = 2;
        o.backoff_initial = ms(10);
        o.backoff_max = ms(40);
        return o;
    }
    controller_url url(unsigned short port) {
        std::string err;
        return *controller_url::parse("http://127.0.0.1:" + std::to_string(port), err);
    }
    /// Runs until the spool is empty (drain reports true) or the guard expires.
    bool run_until_drained(uploader& up, std::chrono::seconds guard = std::chrono::seconds(20)) {
        bool ok = false;
        bool done = false;
        boost::asio::steady_timer deadline(io);
        deadline.expires_after(guard);
        deadline.async_wait([&](auto ec) {
            if (!ec) {
                io.stop();
            }
        });
        // Poll: drain() reports at the first failure, so re-arm until it reports success.
        std::function<void(bool)> again = [&](bool success) {
            if (success) {
                ok = true;
                done = true;
                up.stop();
                io.stop();
                return;
            }
            boost::asio::post(io, [&] { up.drain(again); });
        };
        up.start();
        up.drain(again);
        io.run();
        return ok && done;
    }
};

} // namespace

TEST_CASE("uploader: 503 then 200 delivers every result once, in order") {
    fixture f;
    fake_controller ctl;
    tumen::test::http_server server(f.io, [&](const auto& req) {
        ++ctl.requests;
        ctl.auth_headers.push_back(std::string(req[boost::beast::http::field::authorization]));
        if (ctl.requests <= 3) {
            return tumen::test::canned_response{
                503, R"({"error":"storage busy"})", ms(0), {{"Retry-After", "0"}}};
        }
        ctl.store(ctl.ids(req));
        return tumen::test::canned_response{200, R"({"stored":1})"};
    });
    for (int i = 0; i < 5; ++i) {
        REQUIRE_FALSE(f.sp.append("r" + std::to_string(i), body("r" + std::to_string(i))));
    }
    http_client client(f.io.get_executor(), f.url(server.port()), {}, ms(2000));
    uploader up(f.io.get_executor(), f.sp, client, dead_letter_file(f.dir.path / "dl.jsonl"),
                f.options(), &f.metrics);
    REQUIRE(f.run_until_drained(up));
    CHECK(ctl.stored == std::vector<std::string>{"r0", "r1", "r2", "r3", "r4"});
    CHECK(ctl.duplicates == 0);
    CHECK(ctl.requests == 3 + 3); // three 503s, then batches of 2, 2, 1
    CHECK(ctl.auth_headers.front() == "Bearer tok");
    CHECK(f.sp.empty());
    CHECK(up.stats().failures == 3);
    CHECK(f.metrics.upload_errors(upload_error::server) == 3);
    CHECK(f.metrics.uploaded_results() == 5);
    CHECK(f.metrics.last_upload_success() > 0);
    CHECK_FALSE(std::filesystem::exists(f.dir.path / "dl.jsonl"));
    // Nothing is left to resend after a restart.
    auto reopened = spool::open(f.dir.path / "spool", 1 << 20);
    CHECK(reopened.empty());
}

TEST_CASE("uploader: a rejected (400) result is dead-lettered alone, the others delivered") {
    fixture f;
    fake_controller ctl;
    tumen::test::http_server server(f.io, [&](const auto& req) {
        ++ctl.requests;
        auto ids = ctl.ids(req);
        for (const auto& id : ids) {
            if (id == "bad") {
                // The controller rejects a batch whole.
                return tumen::test::canned_response{
                    400, R"({"error":"hop out of range","where":"results[0].result[0].hop"})"};
            }
        }
        ctl.store(ids);
        return tumen::test::canned_response{200, "{}"};
    });
    for (std::string id : {"r0", "r1", "bad", "r3", "r4"}) {
        REQUIRE_FALSE(f.sp.append(id, body(id)));
    }
    auto o = f.options();
    o.batch_size = 4;
    http_client client(f.io.get_executor(), f.url(server.port()), {}, ms(2000));
    uploader up(f.io.get_executor(), f.sp, client, dead_letter_file(f.dir.path / "dl.jsonl"), o,
                &f.metrics);
    REQUIRE(f.run_until_drained(up));
    CHECK(ctl.stored == std::vector<std::string>{"r0", "r1", "r3", "r4"});
    CHECK(up.stats().dead_lettered == 1);
    CHECK(f.metrics.dead_lettered_results() == 1);
    const auto dl = tumen::test::read_file(f.dir.path / "dl.jsonl");
    REQUIRE(dl.find('\n') == dl.size() - 1); // exactly one line
    auto line = nlohmann::json::parse(dl);
    CHECK(line["http_status"] == 400);
    CHECK(line["result"]["id"] == "bad");
    CHECK(line["reason"] == "results[0].result[0].hop: hop out of range");
    // It does not loop: a bounded number of requests.
    CHECK(ctl.requests <= 8);
}

TEST_CASE("uploader: a slow controller times out; the batch stays spooled and is sent again") {
    fixture f;
    fake_controller ctl;
    tumen::test::http_server server(f.io, [&](const auto& req) {
        ++ctl.requests;
        // The first request is processed but answered too late (lost acknowledgement).
        ctl.store(ctl.ids(req));
        return tumen::test::canned_response{200, "{}", ctl.requests == 1 ? ms(1500) : ms(0)};
    });
    for (int i = 0; i < 3; ++i) {
        REQUIRE_FALSE(f.sp.append("r" + std::to_string(i), body("r" + std::to_string(i))));
    }
    http_client client(f.io.get_executor(), f.url(server.port()), {}, ms(200));
    uploader up(f.io.get_executor(), f.sp, client, dead_letter_file(f.dir.path / "dl.jsonl"),
                f.options(), &f.metrics);
    REQUIRE(f.run_until_drained(up));
    CHECK(f.metrics.upload_errors(upload_error::timeout) >= 1);
    // Sent twice, recorded once (the controller is idempotent on ids), in order.
    CHECK(ctl.stored == std::vector<std::string>{"r0", "r1", "r2"});
    CHECK(ctl.duplicates >= 2);
    CHECK(f.sp.empty());
}

TEST_CASE("uploader: unreachable controller keeps results spooled; a 401 is retried, then "
          "dead-lettered") {
    fixture f;
    // A port with no listener: bind, remember, close.
    unsigned short dead_port = 0;
    {
        boost::asio::ip::tcp::acceptor a(f.io, {boost::asio::ip::make_address("127.0.0.1"), 0});
        dead_port = a.local_endpoint().port();
    }
    REQUIRE_FALSE(f.sp.append("r0", body("r0")));
    {
        http_client client(f.io.get_executor(), f.url(dead_port), {}, ms(500));
        uploader up(f.io.get_executor(), f.sp, client, dead_letter_file(f.dir.path / "dl.jsonl"),
                    f.options(), &f.metrics);
        bool reported = false;
        bool result = true;
        up.start();
        up.drain([&](bool ok) {
            reported = true;
            result = ok;
            up.stop();
            f.io.stop();
        });
        f.io.run_for(std::chrono::seconds(10));
        CHECK(reported);
        CHECK_FALSE(result);
        CHECK(f.metrics.upload_errors(upload_error::network) >= 1);
        CHECK(f.sp.size() == 1);
    }
    f.io.restart();
    std::size_t requests = 0;
    tumen::test::http_server server(f.io, [&](const auto&) {
        ++requests;
        return tumen::test::canned_response{401, R"({"error":"invalid bearer token"})"};
    });
    http_client client(f.io.get_executor(), f.url(server.port()), {}, ms(500));
    uploader up(f.io.get_executor(), f.sp, client, dead_letter_file(f.dir.path / "dl.jsonl"),
                f.options(), &f.metrics);
    up.start();
    boost::asio::steady_timer t(f.io);
    t.expires_after(ms(1500));
    t.async_wait([&](auto) { up.stop(); });
    f.io.run_for(std::chrono::seconds(10));
    // Retried with backoff a bounded number of times, then moved aside (issue 12, defect 6).
    CHECK(requests == 3);
    CHECK(f.metrics.upload_errors(upload_error::auth) == static_cast<double>(requests));
    CHECK(f.sp.empty());
    const auto dl = tumen::test::read_file(f.dir.path / "dl.jsonl");
    auto line = nlohmann::json::parse(dl);
    CHECK(line["http_status"] == 401);
    CHECK(line["reason"] == "invalid bearer token");
    CHECK(line["result"]["id"] == "r0");
}

TEST_CASE("uploader: a 401 batch goes to the dead-letter file and later results upload") {
    fixture f;
    fake_controller ctl;
    // The results of an agent that was renamed are refused; the new ones are accepted.
    tumen::test::http_server server(f.io, [&](const auto& req) {
        return ctl.answer(
            req, [](const std::string& id) { return id.starts_with("old"); }, 401,
            R"({"error":"unknown agent"})");
    });
    for (std::string id : {"old0", "old1", "old2", "new0", "new1"}) {
        REQUIRE_FALSE(f.sp.append(id, body(id)));
    }
    http_client client(f.io.get_executor(), f.url(server.port()), {}, ms(2000));
    uploader up(f.io.get_executor(), f.sp, client, dead_letter_file(f.dir.path / "dl.jsonl"),
                f.options(), &f.metrics);
    REQUIRE(f.run_until_drained(up));
    CHECK(ctl.stored == std::vector<std::string>{"new0", "new1"});
    CHECK(up.stats().dead_lettered == 3);
    CHECK(f.metrics.dead_lettered_results() == 3);
    std::vector<std::string> dead;
    std::istringstream lines(tumen::test::read_file(f.dir.path / "dl.jsonl"));
    for (std::string l; std::getline(lines, l);) {
        auto j = nlohmann::json::parse(l);
        CHECK(j["http_status"] == 401);
        CHECK(j["reason"] == "unknown agent");
        dead.push_back(j["result"]["id"].get<std::string>());
    }
    CHECK(dead == std::vector<std::string>{"old0", "old1", "old2"});
    // Bounded: three tries of the first batch, then one request per refused result, then
    // the rest.
    CHECK(ctl.requests <= 10);
}

TEST_CASE("uploader: a 403 is retried, then the refused result is isolated and dead-lettered") {
    fixture f;
    fake_controller ctl;
    tumen::test::http_server server(f.io, [&](const auto& req) {
        return ctl.answer(
            req, [](const std::string& id) { return id == "foreign"; }, 403,
            R"({"error":"target not assigned to this agent"})");
    });
    for (std::string id : {"r0", "foreign", "r2", "r3"}) {
        REQUIRE_FALSE(f.sp.append(id, body(id)));
    }
    http_client client(f.io.get_executor(), f.url(server.port()), {}, ms(2000));
    uploader up(f.io.get_executor(), f.sp, client, dead_letter_file(f.dir.path / "dl.jsonl"),
                f.options(), &f.metrics);
    REQUIRE(f.run_until_drained(up));
    CHECK(ctl.stored == std::vector<std::string>{"r0", "r2", "r3"});
    CHECK(up.stats().dead_lettered == 1);
    auto line = nlohmann::json::parse(tumen::test::read_file(f.dir.path / "dl.jsonl"));
    CHECK(line["http_status"] == 403);
    CHECK(line["result"]["id"] == "foreign");
    CHECK(ctl.requests <= 10);
}

TEST_CASE("uploader: results spooled while idle are sent after notify()") {
    fixture f;
    fake_controller ctl;
    tumen::test::http_server server(f.io, [&](const auto& req) {
        ctl.store(ctl.ids(req));
        return tumen::test::canned_response{200, "{}"};
    });
    http_client client(f.io.get_executor(), f.url(server.port()), {}, ms(2000));
    uploader up(f.io.get_executor(), f.sp, client, dead_letter_file(f.dir.path / "dl.jsonl"),
                f.options(), &f.metrics);
    up.start();
    boost::asio::steady_timer t(f.io);
    t.expires_after(ms(50));
    t.async_wait([&](auto) {
        REQUIRE_FALSE(f.sp.append("late", body("late")));
        up.notify();
        up.drain([&](bool ok) {
            CHECK(ok);
            up.stop();
            f.io.stop();
        });
    });
    f.io.run_for(std::chrono::seconds(10));
    CHECK(ctl.stored == std::vector<std::string>{"late"});
    CHECK(f.sp.empty());
}

TEST_CASE("uploader: results a 200 lists as rejected are dead-lettered with their reason, "
          "not sent again") {
    fixture f;
    fake_controller ctl;
    tumen::test::http_server server(f.io, [&](const auto& req) {
        ++ctl.requests;
        auto batch = ctl.ids(req);
        nlohmann::json rejected = nlohmann::json::array();
        std::vector<std::string> kept;
        for (std::size_t i = 0; i < batch.size(); ++i) {
            if (batch[i].rfind("foreign", 0) == 0) {
                rejected.push_back({{"index", i},
                                    {"id", batch[i]},
                                    {"reason", "not_assigned"},
                                    {"error", "agent \"fra\" was never assigned it"}});
            } else {
                kept.push_back(batch[i]);
            }
        }
        ctl.store(kept);
        nlohmann::json reply{{"stored", kept.size()}, {"rejected", rejected}};
        return tumen::test::canned_response{200, reply.dump()};
    });
    for (std::string id : {"r0", "foreign1", "r2", "foreign3", "r4"}) {
        REQUIRE_FALSE(f.sp.append(id, body(id)));
    }
    http_client client(f.io.get_executor(), f.url(server.port()), {}, ms(2000));
    uploader up(f.io.get_executor(), f.sp, client, dead_letter_file(f.dir.path / "dl.jsonl"),
                f.options(), &f.metrics);
    REQUIRE(f.run_until_drained(up));
    CHECK(ctl.stored == std::vector<std::string>{"r0", "r2", "r4"});
    CHECK(ctl.requests == 3); // batches of 2: each sent once, none retried
    CHECK(up.stats().dead_lettered == 2);
    CHECK(up.stats().results_ok == 3);
    std::istringstream lines(tumen::test::read_file(f.dir.path / "dl.jsonl"));
    std::vector<std::string> dead;
    for (std::string line; std::getline(lines, line);) {
        auto j = nlohmann::json::parse(line);
        CHECK(j["http_status"] == 200);
        CHECK(j["reason"].get<std::string>().rfind("not_assigned: agent \"fra\"", 0) == 0);
        dead.push_back(j["result"]["id"].get<std::string>());
    }
    CHECK(dead == std::vector<std::string>{"foreign1", "foreign3"});
}

TEST_CASE("uploader: a 403 listing every result as rejected is dead-lettered at once") {
    fixture f;
    fake_controller ctl;
    tumen::test::http_server server(f.io, [&](const auto& req) {
        ++ctl.requests;
        auto batch = ctl.ids(req);
        if (batch.front() != "foreign0") {
            ctl.store(batch);
            return tumen::test::canned_response{200, R"({"stored":1,"rejected":[]})"};
        }
        nlohmann::json rejected = nlohmann::json::array();
        for (std::size_t i = 0; i < batch.size(); ++i) {
            rejected.push_back({{"index", i},
                                {"id", batch[i]},
                                {"reason", "outside_assignment"},
                                {"error", "not assigned at its measurement time"}});
        }
        nlohmann::json reply{{"status", 403}, {"error", "none assigned"}, {"rejected", rejected}};
        return tumen::test::canned_response{403, reply.dump()};
    });
    for (std::string id : {"foreign0", "foreign1", "r2"}) {
        REQUIRE_FALSE(f.sp.append(id, body(id)));
    }
    http_client client(f.io.get_executor(), f.url(server.port()), {}, ms(2000));
    auto o = f.options();
    o.refusal_tries = 5;
    uploader up(f.io.get_executor(), f.sp, client, dead_letter_file(f.dir.path / "dl.jsonl"), o,
                &f.metrics);
    REQUIRE(f.run_until_drained(up));
    CHECK(ctl.requests == 2); // no retry of the refused batch
    CHECK(ctl.stored == std::vector<std::string>{"r2"});
    CHECK(up.stats().dead_lettered == 2);
    std::istringstream lines(tumen::test::read_file(f.dir.path / "dl.jsonl"));
    std::string first;
    std::getline(lines, first);
    auto j = nlohmann::json::parse(first);
    CHECK(j["http_status"] == 403);
    CHECK(j["reason"].get<std::string>().rfind("outside_assignment: ", 0) == 0);
}
