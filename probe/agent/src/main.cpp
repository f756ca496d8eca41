// tumen-agent: the agent daemon (`tumen-agent run`, see docs/agent.md). A binary of its own
// so that tumen-probe's trace, ping and decode load none of its libraries.
#include <CLI/CLI.hpp>

#include <tumen/probe/agent/run_command.hpp>
#include <tumen/probe/tool/command.hpp>

int main(int argc, char** argv) {
    using namespace tumen::probe::tool;
    CLI::App app{"tumen-agent: runs a vantage point's traceroutes and pings, spools and uploads "
                 "the results",
                 "tumen-agent"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "tumen-agent 0.1.0");

    command_runner selected;
    tumen::probe::agent::add_run_command(app, selected);
    return run_main("tumen-agent", app, selected, argc, argv);
}
