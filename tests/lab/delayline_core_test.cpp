// Unit tests of the delay line's pure parts: FIFO delay queue, loss model, control file,
// command line.
#include <cstdint>
#include <optional>
#include <vector>

#include <doctest/doctest.h>

#include "control.hpp"
#include "delay_queue.hpp"
#include "options.hpp"

using namespace std::chrono_literals;
using tumen::lab::delay_clock;

namespace {
std::vector<std::uint8_t> bytes(std::uint8_t tag, std::size_t n = 3) {
    return std::vector<std::uint8_t>(n, tag);
}
} // namespace

TEST_CASE("delay_queue holds each packet for the delay and releases in arrival order") {
    tumen::lab::delay_queue q(20ms, 16);
    const auto t0 = delay_clock::time_point{} + 1s;
    REQUIRE(q.push(bytes(1), t0));
    REQUIRE(q.push(bytes(2, 5), t0 + 1ms));
    REQUIRE(q.push(bytes(3), t0 + 1ms));
    CHECK(q.size() == 3);
    REQUIRE(q.next_due().has_value());
    CHECK(*q.next_due() == t0 + 20ms);

    std::vector<std::vector<std::uint8_t>> out;
    auto sink = [&](std::span<const std::uint8_t> p) { out.emplace_back(p.begin(), p.end()); };
    CHECK(q.release_due(t0 + 19ms, sink) == 0);
    CHECK(q.release_due(t0 + 20ms, sink) == 1);
    REQUIRE(out.size() == 1);
    CHECK(out[0] == bytes(1));
    CHECK(*q.next_due() == t0 + 21ms);
    CHECK(q.release_due(t0 + 1h, sink) == 2);
    REQUIRE(out.size() == 3);
    CHECK(out[1] == bytes(2, 5)); // sizes survive buffer reuse
    CHECK(out[2] == bytes(3));
    CHECK(q.empty());
    CHECK_FALSE(q.next_due().has_value());
}

TEST_CASE("delay_queue refuses packets beyond its capacity") {
    tumen::lab::delay_queue q(1ms, 2);
    const auto t0 = delay_clock::time_point{};
    CHECK(q.push(bytes(1), t0));
    CHECK(q.push(bytes(2), t0));
    CHECK_FALSE(q.push(bytes(3), t0));
    CHECK(q.size() == 2);
}

TEST_CASE("delay_queue never reorders a long interleaved run") {
    tumen::lab::delay_queue q(5ms, 100000);
    auto t = delay_clock::time_point{};
    std::uint32_t next_in = 0;
    std::uint32_t next_out = 0;
    bool in_order = true;
    auto sink = [&](std::span<const std::uint8_t> p) {
        std::uint32_t v = 0;
        for (auto b : p) {
            v = (v << 8) | b;
        }
        in_order = in_order && v == next_out;
        ++next_out;
    };
    for (int step = 0; step < 20000; ++step) {
        t += std::chrono::microseconds(50 + (step * 7919) % 400);
        const std::uint32_t v = next_in++;
        std::vector<std::uint8_t> p{
            static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
            static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
        REQUIRE(q.push(p, t));
        q.release_due(t, sink);
    }
    q.release_due(t + 1s, sink);
    CHECK(in_order);
    CHECK(next_out == next_in);
}

TEST_CASE("loss_model drops about the configured share") {
    tumen::lab::loss_model none(0, 1);
    tumen::lab::loss_model all(100, 1);
    tumen::lab::loss_model ten(10, 42);
    int dropped = 0;
    int dropped_by_none = 0;
    for (int i = 0; i < 100000; ++i) {
        dropped_by_none += none.drop() ? 1 : 0;
        dropped += ten.drop() ? 1 : 0;
    }
    CHECK(dropped_by_none == 0);
    CHECK(all.drop());
    CHECK(dropped > 9000);
    CHECK(dropped < 11000);
    CHECK_THROWS_AS(tumen::lab::loss_model(101, 1), std::invalid_argument);
    CHECK_THROWS_AS(tumen::lab::loss_model(-1, 1), std::invalid_argument);
}

TEST_CASE("format_counters names every counter") {
    tumen::lab::direction_counters c;
    c.received = 10;
    c.forwarded = 8;
    c.lost = 1;
    c.overflow = 1;
    CHECK(tumen::lab::format_counters("cu1->cu2", c, 3) ==
          "cu1->cu2 received=10 forwarded=8 lost=1 overflow=1 write_errors=0 queued=3");
}

TEST_CASE("command line: defaults for the back direction, errors for bad values") {
    int rc = -1;
    const char* ok[] = {
        "tumen-delayline", "--ns-a", "x-cu1",      "--dev-a", "dl-cu2",     "--ns-b", "x-cu2",
        "--dev-b",         "dl-cu1", "--delay-ms", "20",      "--loss-pct", "5"};
    auto o = tumen::lab::parse_options(static_cast<int>(std::size(ok)), ok, rc);
    REQUIRE(o.has_value());
    CHECK(rc == 0);
    CHECK(o->delay_ms == 20);
    CHECK(o->delay_ms_back == 20);
    CHECK(o->loss_pct == 5);
    CHECK(o->loss_pct_back == 5);
    CHECK(o->label_a == "x-cu1");

    const char* back[] = {"tumen-delayline",
                          "--ns-a",
                          "a",
                          "--dev-a",
                          "d",
                          "--ns-b",
                          "b",
                          "--dev-b",
                          "e",
                          "--delay-ms",
                          "20",
                          "--delay-ms-back",
                          "35"};
    o = tumen::lab::parse_options(static_cast<int>(std::size(back)), back, rc);
    REQUIRE(o.has_value());
    CHECK(o->delay_ms_back == 35);

    const char* missing[] = {"tumen-delayline", "--ns-a", "a"};
    CHECK_FALSE(tumen::lab::parse_options(3, missing, rc).has_value());
    CHECK(rc != 0);
    const char* bad_loss[] = {
        "tumen-delayline", "--ns-a", "a",          "--dev-a", "d", "--ns-b", "b",
        "--dev-b",         "e",      "--loss-pct", "150"};
    CHECK_FALSE(
        tumen::lab::parse_options(static_cast<int>(std::size(bad_loss)), bad_loss, rc).has_value());
    CHECK(rc != 0);
    const char* bad_delay[] = {
        "tumen-delayline", "--ns-a", "a",          "--dev-a", "d", "--ns-b", "b",
        "--dev-b",         "e",      "--delay-ms", "soon"};
    CHECK_FALSE(tumen::lab::parse_options(static_cast<int>(std::size(bad_delay)), bad_delay, rc)
                    .has_value());
}

TEST_CASE("loss_model changes its share at run time and refuses bad values") {
    tumen::lab::loss_model m(0, 7);
    CHECK_FALSE(m.drop());
    REQUIRE(m.set_percent(100));
    CHECK(m.percent() == 100);
    CHECK(m.drop());
    CHECK_FALSE(m.set_percent(100.5));
    CHECK_FALSE(m.set_percent(-0.1));
    CHECK(m.percent() == 100); // unchanged by a refused value
    REQUIRE(m.set_percent(50));
    int dropped = 0;
    for (int i = 0; i < 10000; ++i) {
        dropped += m.drop() ? 1 : 0;
    }
    CHECK(dropped > 4500);
    CHECK(dropped < 5500);
    REQUIRE(m.set_percent(0));
    for (int i = 0; i < 1000; ++i) {
        REQUIRE_FALSE(m.drop());
    }
}

TEST_CASE("control file: loss settings, comments, and errors that name the line") {
    struct row {
        const char* text;
        std::optional<double> loss;
        std::optional<double> back;
        const char* error; // substring of the error, or nullptr when valid
    };
    const row rows[] = {
        {"", std::nullopt, std::nullopt, nullptr},
        {"# nothing\n\n   \n", std::nullopt, std::nullopt, nullptr},
        {"loss 50\n", 50.0, 50.0, nullptr},
        {"loss 0", 0.0, 0.0, nullptr},
        {"  loss\t5.5   # five and a half\r\n", 5.5, 5.5, nullptr},
        {"loss 5 100\n", 5.0, 100.0, nullptr},
        {"# header\nloss 2.25 0\n", 2.25, 0.0, nullptr},
        {"loss 150\n", std::nullopt, std::nullopt, "line 1: loss '150' is not a percentage"},
        {"loss -1\n", std::nullopt, std::nullopt, "line 1: loss '-1' is not a percentage"},
        {"loss 5%\n", std::nullopt, std::nullopt, "'5%' is not a percentage"},
        {"loss half\n", std::nullopt, std::nullopt, "'half' is not a percentage"},
        {"loss 1e1\n", std::nullopt, std::nullopt, "'1e1' is not a percentage"},
        {"loss\n", std::nullopt, std::nullopt, "line 1: 'loss' takes one or two"},
        {"loss 1 2 3\n", std::nullopt, std::nullopt, "'loss' takes one or two"},
        {"\nloss 1\nloss 2\n", std::nullopt, std::nullopt, "line 3: 'loss' is set twice"},
        {"delay 20\n", std::nullopt, std::nullopt, "line 1: unknown setting 'delay'"},
        {"# ok\nLOSS 5\n", std::nullopt, std::nullopt, "line 2: unknown setting 'LOSS'"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        const auto got = tumen::lab::parse_control(r.text);
        if (r.error != nullptr) {
            CHECK_FALSE(got.ok());
            CHECK(got.error.find(r.error) != std::string::npos);
            continue;
        }
        REQUIRE(got.ok());
        CHECK(got.settings.loss_pct == r.loss);
        CHECK(got.settings.loss_pct_back == r.back);
    }
}

TEST_CASE("command line: --control names the file re-read on SIGHUP") {
    int rc = -1;
    const char* args[] = {"tumen-delayline",  "--ns-a", "a",       "--dev-a", "d",
                          "--ns-b",           "b",      "--dev-b", "e",       "--control",
                          "/run/x/dl.control"};
    const auto o = tumen::lab::parse_options(static_cast<int>(std::size(args)), args, rc);
    REQUIRE(o.has_value());
    CHECK(o->control_file == "/run/x/dl.control");
}
