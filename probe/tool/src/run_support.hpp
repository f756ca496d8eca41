#pragma once
// Shared by the trace and ping subcommands: target lists, engine start-up, privilege drop.
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/result_json.hpp>
#include <tumen/probe/engine/engine.hpp>

namespace tumen::probe::tool {

/// A target as written and as parsed.
struct target {
    std::string text;
    ipv4_addr addr;
};

/// Parses command-line targets, or (when `args` is empty) one target per line from `in`
/// (blank lines and lines starting with '#' skipped). On error returns nullopt and sets
/// `error` to "line N: ..." or "TARGET: ...".
std::optional<std::vector<target>> parse_targets(const std::vector<std::string>& args,
                                                 std::istream& in, std::string& error);

/// Options every probing subcommand has.
struct engine_cli {
    int port = 0; ///< destination port (0: the method's default)
    int flow = 0; ///< Paris flow id
    std::string format = "text";
    double pps = 100;
    std::size_t window = 1024;
    std::string source;
    std::string interface;
    std::string user;
    std::string agent;
    /// "clock": CLOCK_REALTIME around sendmmsg(), our probes never in the capture;
    /// "capture": send timestamps from the capture of the outgoing probe (raw socket only).
    std::string tx_timestamp = "clock";
    /// "packet", "raw", or empty: packet, or raw with --tx-timestamp capture.
    std::string send;
    /// "batch" (default): SCHED_BATCH while probing, the engine's wake-ups do not preempt
    /// running tasks; "normal": SCHED_OTHER as started.
    std::string sched = "batch";
    bool stats = false;         ///< print the engine counters as one JSON line on stderr at the end
    std::string pcap_out;       ///< --pcap-out FILE: record probes and replies (empty: off)
    double pcap_out_size = 100; ///< --pcap-out-size MB: bound of one file
    unsigned pcap_out_files = 5; ///< --pcap-out-files N: FILE, FILE.1 ... FILE.(N-1)
    std::vector<std::string> targets;
};

/// Adds --port, --flow, --format, --pps, --window, --source, --interface, --user, --agent,
/// --tx-timestamp, --sched, --stats, --pcap-out, --pcap-out-size, --pcap-out-files and the TARGET
/// arguments to a subcommand.
void add_common_engine_options(CLI::App& sub, engine_cli& c);

/// What a probing subcommand runs with once its common options are valid.
struct run_setup {
    std::vector<target> targets;
    engine::engine_options options;
};

/// Parses the targets (stdin when none were given), the engine options and the flow id.
/// nullopt with `error` set on anything invalid.
std::optional<run_setup> prepare_run(const engine_cli& cli, std::istream& in, std::string& error);

/// Validates `cli` into engine options (error message on failure).
std::optional<engine::engine_options>
to_engine_options(const engine_cli& cli, const std::vector<target>& targets, std::string& error);

/// Writes one finished result to standard output and flushes it (results are streamed as
/// they finish, so a consumer sees each at once).
void write_result(const std::string& text);

/// Writes finished results as they come: one JSON line each with `--format json`, else
/// `text(result)` (which may itself choose the dot form of a trace).
template <class Result, class Text>
auto result_writer(const engine_cli& cli, Text text) {
    return [json = cli.format == "json", text](Result r) {
        write_result(json ? result::to_json_text(r) + "\n" : text(r));
    };
}

/// What trace and ping share: prepares the run (usage error on invalid options), opens an
/// engine with the options, calls `submit(engine, target)` for each target and runs until
/// every job finished (see run_engine()). Returns the exit code.
int run_targets(const engine_cli& cli,
                const std::function<void(engine::engine&, const target&)>& submit);

/// Opens the engine (printing the CAP_NET_RAW message on EPERM), drops privileges to
/// `user` if set, calls `submit` and runs `io` until every job finished (or SIGINT/SIGTERM).
/// Returns the exit code.
int run_engine(boost::asio::io_context& io, engine::engine& eng, const engine_cli& cli,
               const std::function<void()>& submit);

} // namespace tumen::probe::tool
