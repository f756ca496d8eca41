#pragma once
/// @file
/// The agent daemon: wires configuration, engine, scheduler, spool, uploader, assignment
/// polling, metrics and signals together on one io_context.
///  - controller mode (`--config`): polls `GET /api/v1/agents/{id}/assignment` (ETag,
///    If-None-Match; again at the round boundary `valid_until`), schedules the work, spools
///    every result and uploads it; while the controller is unreachable the last assignment
///    keeps running round after round;
///  - standalone mode (`--schedule FILE --output FILE.jsonl`): rounds computed locally from
///    campaign YAML, results appended to the output file as JSON lines.
/// SIGTERM/SIGINT: stop starting work, let in-flight jobs finish (bounded), flush what can be
/// uploaded, exit 0 (the rest stays spooled). SIGHUP: reload the configuration.
#include <chrono>
#include <optional>
#include <string>

namespace tumen::probe::agent {

/// Command-line options of `tumen-agent run`.
struct run_options {
    std::string config;        ///< agent.yaml (controller mode; optional with --schedule)
    std::string schedule;      ///< campaign YAML (standalone mode)
    std::string output;        ///< results as JSON lines (standalone mode)
    std::string agent;         ///< agent id override (standalone default: config or hostname)
    std::optional<double> pps; ///< overrides the config's pps
    std::string source;        ///< overrides the config's source
    std::string user;          ///< overrides the config's user
    std::optional<double> duration_s; ///< stop (as on SIGTERM) after this many seconds
    bool once = false;                ///< standalone: run one round of every campaign, then exit
    std::chrono::seconds grace{30};   ///< SIGTERM: how long in-flight jobs may still run
    std::string pcap_out;             ///< --pcap-out FILE: record probes and replies
    double pcap_out_size_mb = 100;    ///< --pcap-out-size: MB per file before rotation
    unsigned pcap_out_files = 5;      ///< --pcap-out-files: files kept, FILE included
    bool send_raw = false; ///< --send raw: every probe by the raw socket (netfilter OUTPUT)
};

/// Runs the daemon until a signal (or --duration / --once); returns the exit code (0 after
/// an orderly stop, 1 on a start-up failure, 2 on bad options or configuration).
int run_agent(const run_options& options);

} // namespace tumen::probe::agent
