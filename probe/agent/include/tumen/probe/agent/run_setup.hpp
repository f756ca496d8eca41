#pragma once
/// @file
/// The start of `tumen-agent run`: checks the command line (controller or standalone mode,
/// options that go together, --pps range), loads the agent configuration and the campaign
/// schedule it names and picks the agent id (--agent, else the configuration's, else the host
/// name).
#include <optional>
#include <string>

#include <tumen/common/campaign/model.hpp>
#include <tumen/probe/agent/agent_config.hpp>
#include <tumen/probe/agent/daemon.hpp>

namespace tumen::probe::agent {

/// What the daemon starts from.
struct run_setup {
    agent_config config;                             ///< empty without --config
    std::optional<campaign::campaign_set> campaigns; ///< standalone mode (--schedule)
    std::string agent;                               ///< the agent id
};

/// Checks `o` and loads the files it names. On the first problem, prints
/// "tumen-agent run: <why>" to stderr and returns nullopt (exit code 2).
std::optional<run_setup> load_run_setup(const run_options& o);

} // namespace tumen::probe::agent
