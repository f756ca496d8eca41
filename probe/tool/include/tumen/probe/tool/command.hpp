#pragma once
/// @file
/// How `tumen-probe` subcommands plug into main.cpp. Each subcommand lives in its own file
/// and exposes one registration function; main.cpp calls them in turn. To add a subcommand
/// (e.g. the agent's `run`): implement `void add_run_command(CLI::App&, command_runner&)`,
/// link its library into tumen-probe and add its one-line call in probe/tool/src/main.cpp.
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace tumen::probe::tool {

/// A subcommand's work, run after the whole command line parsed; returns the exit code
/// (0 success, 1 runtime failure, 2 bad arguments).
using command_runner = std::function<int()>;

/// Exit code for bad arguments (unknown method, TTL out of range, unparsable address...).
inline constexpr int exit_usage = 2;
/// Exit code for runtime failures (no capability, no route, capture failure).
inline constexpr int exit_failure = 1;

/// Prints "tumen-probe: MESSAGE" on one line to stderr and returns exit_usage.
int usage_error(const std::string& message);

/// Registers `tumen-probe trace`; stores its runner in `selected` when chosen.
void add_trace_command(CLI::App& app, command_runner& selected);
/// Registers `tumen-probe ping`.
void add_ping_command(CLI::App& app, command_runner& selected);
/// Registers `tumen-probe decode FILE [--format text|json]` (no privileges needed).
void add_decode_command(CLI::App& app, command_runner& selected);

} // namespace tumen::probe::tool
