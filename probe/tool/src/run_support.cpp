#include "run_support.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sched.h>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tumen/common/text.hpp>
#include <tumen/probe/engine/privileges.hpp>
#include <tumen/probe/tool/command.hpp>

namespace tumen::probe::tool {
namespace {

void print_stats(const engine::engine& eng) {
    const auto c = eng.stats();
    nlohmann::json j{{"source", eng.source().to_string()},
                     {"interface", eng.interface()},
                     {"probes_sent", c.probes_sent},
                     {"send_errors", c.send_errors},
                     {"send_retries", c.send_retries},
                     {"packets_captured", c.packets_captured},
                     {"outgoing_captured", c.outgoing_captured},
                     {"replies_matched", c.replies_matched},
                     {"replies_unmatched", c.replies_unmatched},
                     {"replies_mismatched", c.replies_mismatched},
                     {"replies_bad_checksum", c.replies_bad_checksum},
                     {"replies_late", c.replies_late},
                     {"replies_duplicate", c.replies_duplicate},
                     {"decode_errors", c.decode_errors},
                     {"capture_drops", c.capture_drops},
                     {"traces_started", c.traces_started},
                     {"traces_done", c.traces_done},
                     {"pings_done", c.pings_done},
                     {"pcap_recorded", c.pcap_recorded},
                     {"pcap_dropped", c.pcap_dropped},
                     {"pcap_write_errors", c.pcap_write_errors},
                     {"send_seconds", static_cast<double>(c.last_send_ns - c.first_send_ns) / 1e9}};
    nlohmann::json stops = nlohmann::json::object();
    for (std::size_t i = 0; i < c.traces_by_stop.size(); ++i) {
        stops[result::to_string(static_cast<result::stop_reason>(i))] = c.traces_by_stop[i];
    }
    j["traces_by_stop"] = stops;
    std::fprintf(stderr, "%s\n", j.dump().c_str());
}

} // namespace

int usage_error(const std::string& message) {
    return usage_error_of("tumen-probe", message);
}

std::optional<std::vector<target>> parse_targets(const std::vector<std::string>& args,
                                                 std::istream& in, std::string& error) {
    std::vector<target> out;
    if (!args.empty()) {
        for (const auto& a : args) {
            auto addr = ipv4_addr::parse(a);
            if (!addr) {
                error = "target \"" + a + "\": not an IPv4 address";
                return std::nullopt;
            }
            out.push_back({a, *addr});
        }
        return out;
    }
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        const auto t = trim(line);
        if (t.empty() || t.front() == '#') {
            continue;
        }
        auto addr = ipv4_addr::parse(t);
        if (!addr) {
            error = "stdin line " + std::to_string(n) + ": \"" + std::string(t) +
                    "\" is not an IPv4 address";
            return std::nullopt;
        }
        out.push_back({std::string(t), *addr});
    }
    if (out.empty()) {
        error = "no targets (give TARGET arguments or one address per line on stdin)";
        return std::nullopt;
    }
    return out;
}

std::optional<engine::engine_options>
to_engine_options(const engine_cli& cli, const std::vector<target>& targets, std::string& error) {
    engine::engine_options o;
    if (!cli.source.empty()) {
        auto s = ipv4_addr::parse(cli.source);
        if (!s) {
            error = "--source \"" + cli.source + "\": not an IPv4 address";
            return std::nullopt;
        }
        o.source = *s;
    }
    if (!targets.empty()) {
        o.route_hint = targets.front().addr;
    }
    if (cli.pps < 0) {
        error = "--pps must be >= 0 (0: no rate cap)";
        return std::nullopt;
    }
    o.pps = cli.pps;
    if (cli.window == 0) {
        error = "--window must be >= 1";
        return std::nullopt;
    }
    o.window = cli.window;
    o.interface = cli.interface;
    o.agent = cli.agent;
    o.capture_outgoing = cli.tx_timestamp == "capture";
    if (o.capture_outgoing && !cli.send.empty() && cli.send != "raw") {
        error = "--tx-timestamp capture needs --send raw (no capture sees the probes a packet "
                "socket sends)";
        return std::nullopt;
    }
    o.sender = cli.send == "raw" || o.capture_outgoing ? engine::send_path::raw
               : cli.send == "ring"                    ? engine::send_path::ring
                                                       : engine::send_path::packet;
    o.pcap_out = cli.pcap_out;
    o.pcap_out_bytes = static_cast<std::uint64_t>(cli.pcap_out_size * 1024 * 1024);
    o.pcap_out_files = cli.pcap_out_files;
    return o;
}

std::optional<run_setup> prepare_run(const engine_cli& cli, std::istream& in, std::string& error) {
    run_setup out;
    auto targets = parse_targets(cli.targets, in, error);
    if (!targets) {
        return std::nullopt;
    }
    out.targets = std::move(*targets);
    auto options = to_engine_options(cli, out.targets, error);
    if (!options) {
        return std::nullopt;
    }
    out.options = std::move(*options);
    if (cli.flow >= out.options.max_flows) {
        error = "--flow " + std::to_string(cli.flow) + ": must be below " +
                std::to_string(out.options.max_flows);
        return std::nullopt;
    }
    return out;
}

namespace {

// SCHED_BATCH: the engine's wake-ups (one per probe at 1,000 pps) no longer preempt the task
// running on the CPU; the engine runs when that task's slice ends, a little later, and
// sleeps less often (more is due at each wake-up). Send times are read as each send begins
// and reply times are the kernel's capture times, so RTTs do not change (bench/probe/
// rtt_modes.sh); timeouts already run up to 1 ms late. On the busy benchmark VM this cut the
// CPU of a 1,000 pps run by a third (bench/probe/run.sh, README "Probe engine"); on an idle
// host there is less to preempt. Any thread may switch itself to SCHED_BATCH without
// privileges.
void use_batch_scheduling() {
    const sched_param param{};
    if (::sched_setscheduler(0, SCHED_BATCH, &param) != 0) {
        std::fprintf(stderr, "tumen-probe: warning: SCHED_BATCH: %s (--sched normal hides this)\n",
                     std::strerror(errno));
    }
}

} // namespace

void write_result(const std::string& text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
}

int run_engine(boost::asio::io_context& io, engine::engine& eng, const engine_cli& cli,
               const std::function<void()>& submit) {
    if (auto ec = eng.open()) {
        if (ec == std::errc::operation_not_permitted) {
            std::fprintf(stderr, "%s\n", engine::missing_capability_message("tumen-probe").c_str());
            if (!eng.error_text().empty()) {
                std::fprintf(stderr, "tumen-probe: (%s)\n", eng.error_text().c_str());
            }
        } else {
            std::fprintf(stderr, "tumen-probe: %s\n",
                         eng.error_text().empty() ? ec.message().c_str()
                                                  : eng.error_text().c_str());
        }
        return exit_failure;
    }
    if (!cli.user.empty()) {
        std::string message;
        if (engine::drop_privileges(cli.user, message)) {
            std::fprintf(stderr, "tumen-probe: %s\n", message.c_str());
            return exit_failure;
        }
    }
    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    bool interrupted = false;
    signals.async_wait([&](boost::system::error_code e, int) {
        if (!e) {
            interrupted = true;
            eng.close();
            io.stop();
        }
    });
    eng.on_idle([&] {
        signals.cancel();
        eng.close();
        io.stop();
    });
    if (cli.sched == "batch") {
        use_batch_scheduling();
    }
    submit();
    if (eng.pending() > 0) {
        io.run();
    }
    if (cli.stats) {
        print_stats(eng);
    }
    return interrupted ? exit_failure : 0;
}

int run_targets(const engine_cli& cli,
                const std::function<void(engine::engine&, const target&)>& submit) {
    std::string error;
    auto setup = prepare_run(cli, std::cin, error);
    if (!setup) {
        return usage_error(error);
    }
    // One thread runs the loop and nothing else touches it (no async resolve; the pcap
    // recorder's thread has a queue of its own): the hint lets Asio queue handlers posted
    // from a handler without waking the reactor (an epoll_ctl() per post otherwise), and
    // drops the scheduler's and the reactor's mutexes, locked several times per wake-up
    // (pthread_mutex_lock and unlock were 1.1% of the CPU at 1,000 pps in perf).
    boost::asio::io_context io{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE};
    engine::engine eng(io, setup->options);
    return run_engine(io, eng, cli, [&] {
        for (const auto& t : setup->targets) {
            submit(eng, t);
        }
        setup->targets = {}; // each request has its copy: 40 KB of peak RSS per 1,000 targets
    });
}

} // namespace tumen::probe::tool
