#pragma once
/// @file
/// The running controller: configuration, storage, campaigns, ingest pipeline, metrics and the
/// HTTP(S) server on a small thread pool, plus the retention and staleness timers. Used by
/// `tumen-controller serve` and, in-process on an ephemeral port, by the API tests and the
/// ingest benchmark.
///
/// Reload (SIGHUP, reload()): the whole configuration is read again (controller.yaml with its
/// agents and tokens, the campaign files, the pfx2as, iptoasn, IXP and AS-names files) into a
/// new snapshot; only when every file loads without an error is the snapshot put in force, all
/// of it at once (apply()). A bad file keeps the whole previous state and the error names
/// `file:line[:column]`. Settings that need a restart (restart_settings.hpp) keep their
/// running values. Campaign files are also polled every `campaign_poll`.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <tumen/common/asio.hpp>
#include <tumen/controller/api/http_server.hpp>
#include <tumen/controller/api/upload_rate_limiter.hpp>
#include <tumen/controller/config/campaign_source.hpp>
#include <tumen/controller/config/server_config.hpp>
#include <tumen/controller/metrics/controller_metrics.hpp>
#include <tumen/controller/pipeline/ingest_service.hpp>

namespace tumen::controller::server {

using config::campaign_source;
using config::reload_result;
using config::server_config;
using metrics::controller_metrics;
using pipeline::ingest_service;

/// What a reload of the whole configuration did.
struct config_reload_result {
    bool reloaded = false; ///< the new configuration is in force
    /// Non-empty: a file is invalid (`file:line[:column]: what`); the previous configuration
    /// stays in force, all of it.
    std::string error;
    /// The settings (controller.yaml keys) whose new value needs a restart; their running
    /// values stay.
    std::vector<std::string> restart_needed;
};

/// The whole controller server.
class controller_server {
public:
    /// How often verdict staleness is re-evaluated (docs/api.md, "Staleness").
    static constexpr std::chrono::seconds staleness_period{1};
    /// Reads the configuration a reload puts in force; throws config::config_error
    /// (`file:line:column: what`).
    using config_loader = std::function<server_config()>;

    /// Opens the database, loads campaigns and AS maps, restores verdict state. Throws on any
    /// start-up error (bad campaign file, unreadable pfx2as, database, TLS files).
    explicit controller_server(server_config config);
    ~controller_server();
    controller_server(const controller_server&) = delete;
    controller_server& operator=(const controller_server&) = delete;

    /// Binds and starts the I/O threads and timers. `handle_signals`: SIGINT/SIGTERM stop the
    /// server, SIGHUP reloads the whole configuration (reload()). Throws std::system_error if
    /// it cannot listen.
    void start(bool handle_signals = false);
    /// Blocks until stop() (or a stop signal).
    void wait();
    /// Stops accepting, stops the I/O threads and joins them. Idempotent.
    void stop();

    /// The bound port.
    std::uint16_t port() const noexcept;

    /// What reload() reads. Default: load_server_config() of the file the configuration in
    /// force was loaded from (server_config::path). `serve` sets one that applies its
    /// command-line overrides again.
    void set_config_loader(config_loader loader);
    /// Reloads the whole configuration now (what SIGHUP does): loads everything, then puts it
    /// in force at once, or keeps all of the previous state when anything fails. Logs and
    /// returns the outcome (tumen_config_reloads_total counts it). Thread-safe.
    config_reload_result reload();
    /// Reloads the campaign files in force only (what a change of their mtime does).
    reload_result reload_campaigns();

    /// The configuration in force (a snapshot: a reload does not change it).
    std::shared_ptr<const server_config> config() const;
    ingest_service& ingest() noexcept { return *ingest_; }
    controller_metrics& metrics() noexcept { return metrics_; }
    campaign_source& campaigns() noexcept { return campaigns_; }
    api::upload_rate_limiter& upload_limiter() noexcept { return upload_limiter_; }

private:
    /// Everything a reload loaded, not yet in force.
    struct snapshot {
        std::shared_ptr<const server_config> config;
        campaign_source::prepared campaigns;
        pipeline::ingest_tables tables;
    };
    /// Loads the next configuration and all its files (throws on the first error).
    snapshot load_snapshot(const server_config& running, std::vector<std::string>& restart_needed);
    /// Puts a loaded snapshot in force. The one place where a reloaded configuration is
    /// applied: every setting that changes without a restart is handed to its component here.
    void apply(snapshot next);

    void arm_poll_timer();
    void arm_retention_timer(std::chrono::seconds delay);
    void arm_signals();
    void arm_staleness_timer();

    mutable std::mutex config_mutex_;             ///< guards config_
    std::shared_ptr<const server_config> config_; ///< never null
    std::mutex reload_mutex_; ///< one reload (SIGHUP or campaign poll) at a time
    config_loader loader_;
    controller_metrics metrics_;
    campaign_source campaigns_;
    api::upload_rate_limiter upload_limiter_; ///< per-agent upload rate (upload_rate)
    std::unique_ptr<ingest_service> ingest_;
    boost::asio::io_context io_;
    std::unique_ptr<api::http_server> http_;
    boost::asio::steady_timer poll_timer_;
    boost::asio::steady_timer retention_timer_;
    boost::asio::steady_timer staleness_timer_;
    std::unique_ptr<boost::asio::signal_set> signals_;
    std::vector<std::thread> threads_;
    bool stopped_ = false;
};

} // namespace tumen::controller::server
