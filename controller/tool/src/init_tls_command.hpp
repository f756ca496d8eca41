#pragma once
// `tumen-controller init-tls DIR`: a private CA and a server certificate for the controller's
// HTTPS listener (tls_files.hpp), and the configuration lines that use them.
#include <CLI/CLI.hpp>

namespace tumen::controller::tool {

/// Adds the `init-tls` subcommand to `app`.
void register_init_tls_command(CLI::App& app);

} // namespace tumen::controller::tool
