#pragma once
/// @file
/// The server's subcommands of `tumen-controller`:
/// `serve --config controller.yaml` runs the controller (HTTP API, ingest, metrics);
/// `hash-token` prints the salted hash of a token for the `agents` section of the config
/// (reads the token from stdin or --token-file; `--generate` makes a new random token).
#include <CLI/CLI.hpp>

namespace tumen::controller::server {

/// Adds `serve` and `hash-token` to the tumen-controller application. Their callbacks run
/// the command; failures exit through CLI::RuntimeError with a non-zero code.
void register_serve_command(CLI::App& app);

} // namespace tumen::controller::server
