#pragma once
// `tumen-controller draft-campaigns`: campaign YAML drafted from the destinations of existing
// result files (Atlas, scamper, traceroute text), to bootstrap a deployment's campaigns.
#include <CLI/CLI.hpp>

namespace tumen::controller::tool {

/// Adds the `draft-campaigns` subcommand to `app`.
void register_draft_campaigns_command(CLI::App& app);

} // namespace tumen::controller::tool
