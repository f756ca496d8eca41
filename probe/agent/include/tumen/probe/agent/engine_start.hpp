#pragma once
/// @file
/// Opening the daemon's probe engine: its options from the command line and the
/// configuration, then open() and the privilege drop (the sockets are opened as root first).
#include <optional>
#include <string>

#include <tumen/common/campaign/model.hpp>
#include <tumen/probe/agent/agent_config.hpp>
#include <tumen/probe/agent/daemon.hpp>
#include <tumen/probe/engine/engine.hpp>

namespace tumen::probe::agent {

/// The engine options: `agent` in every result; pps from --pps, else the configuration; the
/// source from --source, else the configuration, else the source of the route toward the
/// first target prefix of the first campaign (standalone), else of the default route.
/// nullopt (logged) when the source is not an IPv4 address.
std::optional<engine::engine_options> engine_options_of(const run_options& o,
                                                        const agent_config& cfg,
                                                        const campaign::campaign_set* campaigns,
                                                        const std::string& agent);

/// Opens `eng` (created with `eo`) and drops privileges to --user or the configuration's
/// user. 0, or 1 after logging why (a missing capability is explained on stderr).
int open_engine(engine::engine& eng, const engine::engine_options& eo, const run_options& o,
                const agent_config& cfg);

} // namespace tumen::probe::agent
