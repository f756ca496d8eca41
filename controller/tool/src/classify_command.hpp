#pragma once
// `tumen-controller classify`: offline inference and change detection over result files.
#include <CLI/CLI.hpp>

namespace tumen::controller::tool {

/// Adds the `classify` subcommand to `app`.
void register_classify_command(CLI::App& app);

} // namespace tumen::controller::tool
