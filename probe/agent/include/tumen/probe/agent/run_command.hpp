#pragma once
/// @file
/// `tumen-agent run`: the agent daemon's command line. Registered by the `tumen-agent` binary
/// (probe/agent/src/main.cpp).
#include <functional>

#include <CLI/CLI.hpp>

namespace tumen::probe::agent {

/// Adds the `run` subcommand to `app`; when chosen, `selected` is set to its runner (which
/// returns the exit code).
void add_run_command(CLI::App& app, std::function<int()>& selected);

} // namespace tumen::probe::agent
