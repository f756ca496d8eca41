// tumen-probe: flow-stable traceroutes and pings from the command line (see docs/probe.md).
// One file per subcommand; each registers itself here with one line.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include <tumen/probe/agent/run_command.hpp>
#include <tumen/probe/tool/command.hpp>

int main(int argc, char** argv) {
    using namespace tumen::probe::tool;
    CLI::App app{"tumen-probe: Paris traceroutes and pings over raw sockets and libpcap"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "tumen-probe 0.1.0");

    command_runner selected;
    add_trace_command(app, selected);
    add_ping_command(app, selected);
    add_decode_command(app, selected);
    tumen::probe::agent::add_run_command(app, selected);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return usage_error(e.what());
    }
    if (!selected) {
        return usage_error("no subcommand given (try --help)");
    }
    try {
        return selected();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tumen-probe: %s\n", e.what());
        return exit_failure;
    }
}
