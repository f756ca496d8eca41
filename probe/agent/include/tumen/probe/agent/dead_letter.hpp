#pragma once
/// @file
/// The dead-letter file: results the controller rejected (HTTP 400/413/422, 401/403 after
/// repeated refusals, or refused one by one in the `rejected` list of a 200 or 403 reply,
/// with that result's reason) are moved here instead of being retried forever. One JSON object per
/// line:
/// `{"time": <unix s>, "http_status": 400, "reason": "<controller's answer>", "result": {...}}`.
/// Nothing is deleted from it; an operator inspects it (docs/agent.md).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <tumen/probe/agent/spool.hpp>

namespace tumen::probe::agent {

/// Appends rejected results to a file (created 0600 if missing), fsync'ed.
class dead_letter_file {
public:
    explicit dead_letter_file(std::filesystem::path path)
        : path_(std::move(path)) {}

    /// Appends `records` with the HTTP status and reason (truncated to 1000 bytes).
    std::error_code append(const std::vector<spool_record>& records, unsigned http_status,
                           std::string_view reason);

    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
};

} // namespace tumen::probe::agent
