// tumen-probe: flow-stable traceroutes and pings from the command line (see docs/probe.md).
// One file per subcommand; each registers itself here with one line. The agent daemon is
// `tumen-agent run` (probe/agent): its libraries stay out of this binary (docs/agent.md).
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include <tumen/probe/tool/command.hpp>

#if defined(__SANITIZE_ADDRESS__)
#define TUMEN_PROBE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TUMEN_PROBE_ASAN 1
#endif
#endif

int main(int argc, char** argv) {
    using namespace tumen::probe::tool;
    auto app = std::make_unique<CLI::App>(
        "tumen-probe: Paris traceroutes and pings over raw sockets and libpcap", "tumen-probe");
    app->require_subcommand(1);
    app->set_version_flag("--version", "tumen-probe 0.1.0");

    command_runner selected;
    add_trace_command(*app, selected);
    add_ping_command(*app, selected);
    add_decode_command(*app, selected);
    // `tumen-probe run` was the agent before it became its own binary: say where it went
    // rather than "run: not expected" (hidden from --help).
    auto* moved = app->add_subcommand("run", "")->group("")->allow_extras();
    moved->callback([&selected] {
        selected = [] {
            return usage_error("the agent daemon is now `tumen-agent run` (same options, "
                               "installed beside tumen-probe; see docs/agent.md)");
        };
    });
    // Each command's runner holds its parsed options: the parser (40 KB of heap in option
    // tables) is freed before the run, and the jobs reuse its memory (peak RSS).
    const command_runner run = [&] {
        app.reset();
        return selected();
    };
    const int rc = run_main("tumen-probe", *app, run, argc, argv);
    // Everything of ours is closed by now (the engine, its capture and --pcap-out files):
    // flush the output and leave without the exit handlers. OpenSSL's cleanup (libcrypto
    // comes with libtins; nothing here uses it), libstdc++'s, libpcap's and our static
    // objects' touched 0.3-0.6 MB more pages at exit (`tumen-probe --version`), with the
    // heap still resident: in some runs the peak RSS at 1,000 pps was there
    // (bench/probe/rss_breakdown.sh). Under AddressSanitizer, whose leak check runs at
    // exit, it leaves normally.
#ifndef TUMEN_PROBE_ASAN
    std::cout.flush();
    std::fflush(nullptr);
    std::_Exit(rc);
#endif
    return rc;
}
