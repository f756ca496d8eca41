#pragma once
/// @file
/// Privilege handling for the probe tool and agent: open sockets first (engine::open), then
/// drop to an unprivileged user.
#include <string>
#include <system_error>

namespace tumen::probe::engine {

/// The message to print when opening raw sockets failed for lack of CAP_NET_RAW.
std::string missing_capability_message(const std::string& program);

/// Drops from root to `user`: setgroups (only the user's primary group), setgid, setuid,
/// then checks that regaining root fails. Keeps no capability. On error `message` says
/// which step failed.
std::error_code drop_privileges(const std::string& user, std::string& message);

} // namespace tumen::probe::engine
