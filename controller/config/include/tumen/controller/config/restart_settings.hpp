#pragma once
/// @file
/// The settings of controller.yaml that a reload cannot change: the listener (`listen`,
/// `tls`, `threads`), the store (`database`) and the inference parameters the trackers were
/// built with (`hysteresis`, `max_paths_per_target`). A reload keeps the running values of
/// these and names the ones whose new value needs a restart; every other setting (agents and
/// their tokens, campaigns, AS-map files, limits, timeouts, retention) takes effect at once.
#include <string>
#include <vector>

#include <tumen/controller/config/server_config.hpp>

namespace tumen::controller::config {

/// Copies into `loaded` the running value of every setting that needs a restart and returns
/// the names (as in controller.yaml) of those whose value in `loaded` differed, in file
/// order: a reload logs them and keeps running with `running`'s values.
std::vector<std::string> keep_restart_settings(const server_config& running, server_config& loaded);

} // namespace tumen::controller::config
