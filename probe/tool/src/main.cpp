// tumen-probe: flow-stable traceroutes and pings from the command line (see docs/probe.md).
// One file per subcommand; each registers itself here with one line. The agent daemon is
// `tumen-agent run` (probe/agent): its libraries stay out of this binary (docs/agent.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <tumen/probe/tool/command.hpp>

int main(int argc, char** argv) {
    using namespace tumen::probe::tool;
    CLI::App app{"tumen-probe: Paris traceroutes and pings over raw sockets and libpcap",
                 "tumen-probe"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "tumen-probe 0.1.0");

    command_runner selected;
    add_trace_command(app, selected);
    add_ping_command(app, selected);
    add_decode_command(app, selected);
    // `tumen-probe run` was the agent before it became its own binary: say where it went
    // rather than "run: not expected" (hidden from --help).
    auto* moved = app.add_subcommand("run", "")->group("")->allow_extras();
    moved->callback([&selected] {
        selected = [] {
            return usage_error("the agent daemon is now `tumen-agent run` (same options, "
                               "installed beside tumen-probe; see docs/agent.md)");
        };
    });
    const int rc = run_main("tumen-probe", app, selected, argc, argv);
    // Everything of ours is closed by now (the engine, its capture and --pcap-out files):
    // flush the output and leave without the libraries' exit handlers. OpenSSL's cleanup
    // (libcrypto comes with libtins; nothing here uses it), libstdc++'s and libpcap's
    // touched 0.3 MB of library pages at exit, with the heap still resident: the peak RSS at
    // 1,000 pps (bench/probe/rss_breakdown.sh).
    std::cout.flush();
    std::fflush(nullptr);
    std::_Exit(rc);
}
