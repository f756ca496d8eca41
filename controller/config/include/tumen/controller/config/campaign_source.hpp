#pragma once
/// @file
/// The campaigns the controller serves, loaded from files and reloaded on SIGHUP or when a
/// file's modification time or size changes. An invalid file keeps the previous campaigns
/// in force; the error (with file:line:column) is returned for logging. A reload of the whole
/// configuration, which may name other files, loads them with prepare() and installs them
/// with install() once everything else has loaded too. Thread-safe: readers get an immutable
/// snapshot.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <tumen/common/campaign.hpp>

namespace tumen::controller::config {

/// What a reload did.
struct reload_result {
    bool reloaded = false; ///< new campaigns are in force
    std::string error;     ///< non-empty: the files are invalid, the previous set stays
};

/// Reloadable campaign files.
class campaign_source {
    struct stamp {
        std::filesystem::file_time_type mtime{};
        std::uintmax_t size = 0;
        bool exists = false;
        friend bool operator==(const stamp&, const stamp&) = default;
    };

public:
    /// Campaign files loaded but not yet in force (prepare(), install()).
    struct prepared {
        std::vector<std::filesystem::path> files;
        std::shared_ptr<const campaign::campaign_set> set; ///< never null
        std::vector<stamp> stamps;                         ///< of `files`, taken before reading
    };

    /// Campaigns from `files` (may be empty: no campaigns).
    explicit campaign_source(std::vector<std::filesystem::path> files);

    /// First load; throws campaign::campaign_error (start-up: a bad file is fatal then).
    void load();
    /// Loads the files again; on error keeps the previous set.
    reload_result reload();
    /// Reloads when any file's mtime or size changed since the last attempt.
    reload_result poll();
    /// Loads `files` without putting them in force; throws campaign::campaign_error
    /// (file:line:column).
    static prepared prepare(std::vector<std::filesystem::path> files);
    /// Puts prepared files and their campaigns in force (they are polled from now on).
    void install(prepared next);
    /// The files in force.
    std::vector<std::filesystem::path> files() const;

    /// The campaigns in force (never null).
    std::shared_ptr<const campaign::campaign_set> current() const;
    /// Incremented on each successful (re)load.
    std::uint64_t generation() const;

private:
    static std::vector<stamp> stamps_of(const std::vector<std::filesystem::path>& files);

    std::vector<std::filesystem::path> files_;
    mutable std::mutex mutex_;
    std::shared_ptr<const campaign::campaign_set> current_;
    std::uint64_t generation_ = 0;
    std::vector<stamp> last_stamps_;
};

} // namespace tumen::controller::config
