#include <tumen/probe/agent/daemon.hpp>
#include <tumen/probe/agent/run_command.hpp>

namespace tumen::probe::agent {

void add_run_command(CLI::App& app, std::function<int()>& selected) {
    auto opts = std::make_shared<run_options>();
    auto* sub = app.add_subcommand(
        "run", "Agent daemon: run the controller's assignment (--config) or a local schedule "
               "(--schedule, --output), see docs/agent.md");
    sub->add_option("--config", opts->config, "Agent configuration (YAML)");
    sub->add_option("--schedule", opts->schedule, "Standalone: campaign YAML to run");
    sub->add_option("--output", opts->output, "Standalone: append results here (JSON lines)");
    sub->add_option("--agent", opts->agent, "Agent id (default: the config's, or the host name)");
    sub->add_option("--pps", opts->pps, "Global probes-per-second cap (overrides the config)");
    sub->add_option("--source", opts->source, "Source IPv4 address of the probes");
    sub->add_option("--user", opts->user, "Drop privileges to this user after opening sockets");
    sub->add_option("--duration", opts->duration_s, "Stop (as on SIGTERM) after this many seconds");
    sub->add_option("--pcap-out", opts->pcap_out,
                    "Record every probe sent and reply captured to this pcap file (raw IP)");
    sub->add_option("--pcap-out-size", opts->pcap_out_size_mb,
                    "MB per recording file before it rotates to FILE.1, FILE.2...")
        ->check(CLI::Range(0.1, 1e6));
    sub->add_option("--pcap-out-files", opts->pcap_out_files, "Recording files kept")
        ->check(CLI::Range(1, 1000));
    sub->add_option_function<std::string>(
           "--send", [opts](const std::string& v) { opts->send_raw = v == "raw"; },
           "packet (default): packet socket to the next hop, bypassing netfilter OUTPUT; raw: "
           "IPv4 raw socket (netfilter OUTPUT sees the probes)")
        ->check(CLI::IsMember({"raw", "packet"}));
    sub->add_flag("--once", opts->once, "Standalone: one round of every campaign, then exit");
    sub->callback([opts, &selected] { selected = [opts] { return run_agent(*opts); }; });
}

} // namespace tumen::probe::agent
