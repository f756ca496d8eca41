#pragma once
/// @file
/// How `tumen-probe` subcommands plug into main.cpp. Each subcommand lives in its own file
/// and exposes one registration function; main.cpp calls them in turn, then run_main(). To add
/// a subcommand: implement `void add_NAME_command(CLI::App&, command_runner&)` and add its
/// one-line call in probe/tool/src/main.cpp. The agent daemon is the separate binary
/// `tumen-agent` (probe/agent/src/main.cpp, the same run_main()), so that trace, ping and
/// decode load none of the agent's libraries (TLS, HTTP, Prometheus, YAML, logging).
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
/// Prints "PROGRAM: MESSAGE" on one line (newlines become spaces) to stderr and returns
/// exit_usage.
int usage_error_of(const char* program, const std::string& message);

/// The body of a main(): parses `argv` into `app` (help and version exit 0, a parse error is a
/// usage error), then runs the chosen subcommand's runner; an exception from it prints
/// "PROGRAM: what" and returns exit_failure. Returns the exit code.
int run_main(const char* program, CLI::App& app, const command_runner& selected, int argc,
             char** argv);

/// Registers `tumen-probe trace`; stores its runner in `selected` when chosen.
void add_trace_command(CLI::App& app, command_runner& selected);
/// Registers `tumen-probe ping`.
void add_ping_command(CLI::App& app, command_runner& selected);
/// Registers `tumen-probe decode FILE [--format text|json]` (no privileges needed).
void add_decode_command(CLI::App& app, command_runner& selected);

} // namespace tumen::probe::tool
