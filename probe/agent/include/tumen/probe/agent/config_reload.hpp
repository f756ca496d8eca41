#pragma once
/// @file
/// SIGHUP: which settings of a reloaded agent configuration take effect at once (labels; the
/// controller's token, timeout, poll interval, batch limits and backoff) and which only after
/// a restart (agent id, spool, metrics address, pps, user, source, interface, controller URL
/// and CA); and the reload itself, of the configuration or of the standalone schedule.
#include <optional>
#include <string>

#include <tumen/common/campaign/model.hpp>
#include <tumen/probe/agent/agent_config.hpp>

namespace tumen::probe::agent {

/// True when `fresh` differs from `current` in a setting that needs a restart (or adds or
/// removes the controller section).
bool needs_restart(const agent_config& current, const agent_config& fresh);

/// Copies the settings that take effect at once from `fresh` into `current`. The controller
/// settings are copied only when both have a controller section; returns true when they were.
bool apply_live_settings(agent_config& current, const agent_config& fresh);

/// The outcome of reload_config().
struct reload_outcome {
    bool reloaded = false;           ///< the file loaded; its live settings are in place
    bool controller_applied = false; ///< the controller settings were copied
};

/// SIGHUP in controller mode: loads `path` and applies its live settings to `current`,
/// logging a warning when settings that need a restart changed. A file that does not load
/// leaves `current` as it is (logged).
reload_outcome reload_config(agent_config& current, const std::string& path);

/// SIGHUP in standalone mode: the campaign schedule loaded again from `path`, or nullopt when
/// it does not load (logged; the current schedule stays).
std::optional<campaign::campaign_set> reload_schedule(const std::string& path);

} // namespace tumen::probe::agent
