#pragma once
/// @file
/// The running controller: configuration, storage, campaigns (reloaded on SIGHUP and when a
/// file changes), ingest pipeline, metrics and the HTTP(S) server on a small thread pool,
/// plus the retention and staleness timers. Used by `tumen-controller serve` and, in-process on an
/// ephemeral port, by the API tests and the ingest benchmark.
#include <chrono>
#include <cstdint>
#include <memory>
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

/// The whole controller server.
class controller_server {
public:
    /// How often verdict staleness is re-evaluated (docs/api.md, "Staleness").
    static constexpr std::chrono::seconds staleness_period{1};

    /// Opens the database, loads campaigns and AS maps, restores verdict state. Throws on any
    /// start-up error (bad campaign file, unreadable pfx2as, database, TLS files).
    explicit controller_server(server_config config);
    ~controller_server();
    controller_server(const controller_server&) = delete;
    controller_server& operator=(const controller_server&) = delete;

    /// Binds and starts the I/O threads and timers. `handle_signals`: SIGINT/SIGTERM stop the
    /// server, SIGHUP reloads campaigns. Throws std::system_error if it cannot listen.
    void start(bool handle_signals = false);
    /// Blocks until stop() (or a stop signal).
    void wait();
    /// Stops accepting, stops the I/O threads and joins them. Idempotent.
    void stop();

    /// The bound port.
    std::uint16_t port() const noexcept;
    /// Reloads campaigns now (what SIGHUP does); logs and returns the outcome.
    reload_result reload_campaigns();

    const server_config& config() const noexcept { return config_; }
    ingest_service& ingest() noexcept { return *ingest_; }
    controller_metrics& metrics() noexcept { return metrics_; }
    campaign_source& campaigns() noexcept { return campaigns_; }
    api::upload_rate_limiter& upload_limiter() noexcept { return upload_limiter_; }

private:
    void arm_poll_timer();
    void arm_retention_timer(std::chrono::seconds delay);
    void arm_signals();
    void arm_staleness_timer();

    server_config config_;
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
