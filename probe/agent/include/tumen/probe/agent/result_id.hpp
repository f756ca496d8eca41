#pragma once
/// @file
/// Result ids: `<agent>-<32 hex digits>` from 128 random bits (OpenSSL RAND_bytes), so ids
/// from every agent and every restart are unique and the controller can deduplicate.
#include <string>
#include <string_view>

namespace tumen::probe::agent {

/// A fresh id for a result produced by `agent`. Throws std::runtime_error only if the
/// system random generator fails (it does not on Linux once seeded).
std::string make_result_id(std::string_view agent);

} // namespace tumen::probe::agent
