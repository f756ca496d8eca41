#include <chrono>
#include <csignal>
#include <system_error>

#include <spdlog/spdlog.h>

#include <tumen/controller/api/handlers.hpp>
#include <tumen/controller/server/controller_server.hpp>

namespace tumen::controller::server {
namespace {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::vector<std::filesystem::path> campaign_files(const server_config& c) {
    return c.campaigns;
}

pipeline::ingest_options make_ingest_options(const server_config& c) {
    pipeline::ingest_options o;
    o.hysteresis = c.hysteresis;
    for (const auto& p : c.pfx2as) {
        o.pfx2as_files.push_back(p.string());
    }
    for (const auto& p : c.as_names) {
        o.as_names_files.push_back(p.string());
    }
    o.max_paths_per_target = c.max_paths_per_target;
    o.agents.emplace();
    for (const auto& a : c.agents) {
        (*o.agents)[a.name] = a.labels;
    }
    if (c.ixp) {
        o.ixp_file = c.ixp->string();
    }
    return o;
}

} // namespace

controller_server::controller_server(server_config config)
    : config_(std::move(config))
    , campaigns_(campaign_files(config_))
    , upload_limiter_(config_.upload_rate_limit)
    , poll_timer_(io_)
    , retention_timer_(io_)
    , staleness_timer_(io_) {
    campaigns_.load(); // throws campaign_error with file:line:column
    spdlog::info("campaigns: {} loaded from {} file(s)", campaigns_.current()->campaigns.size(),
                 config_.campaigns.size());
    auto db = store::store::open(config_.database.string());
    ingest_ = std::make_unique<ingest_service>(std::move(db), metrics_, campaigns_,
                                               make_ingest_options(config_));
    ingest_->recover(unix_now());
    api::server_options so;
    so.address = config_.listen_address;
    so.port = config_.listen_port;
    so.body_limit = config_.body_limit;
    so.idle_timeout = config_.idle_timeout;
    so.header_timeout = config_.header_timeout;
    so.max_connections = config_.max_connections;
    so.check_header = [this](const api::request& req) {
        api::context ctx{config_, *ingest_, campaigns_, metrics_, unix_now, &upload_limiter_};
        return api::check_header(req, ctx);
    };
    if (config_.tls) {
        so.tls = api::make_tls_context(config_.tls->cert.string(), config_.tls->key.string());
    }
    http_ = std::make_unique<api::http_server>(io_, so, [this](const api::request& req) {
        api::context ctx{config_, *ingest_, campaigns_, metrics_, unix_now};
        return api::handle(req, ctx);
    });
}

controller_server::~controller_server() {
    stop();
}

void controller_server::start(bool handle_signals) {
    std::error_code ec;
    http_->start(ec);
    if (ec) {
        throw std::system_error(ec, "cannot listen on " + config_.listen_address + ":" +
                                        std::to_string(config_.listen_port));
    }
    spdlog::info("listening on {}://{}:{}", config_.tls ? "https" : "http", config_.listen_address,
                 http_->port());
    if (handle_signals) {
        arm_signals();
    }
    arm_poll_timer();
    arm_retention_timer(std::chrono::seconds(1));
    arm_staleness_timer();
    const unsigned n = std::max(1u, config_.threads);
    for (unsigned i = 0; i < n; ++i) {
        threads_.emplace_back([this] {
            for (;;) {
                try {
                    io_.run();
                    return;
                } catch (const std::exception& e) {
                    spdlog::error("I/O thread: {}", e.what());
                }
            }
        });
    }
}

void controller_server::wait() {
    for (auto& t : threads_) {
        if (t.joinable()) {
            t.join();
        }
    }
}

void controller_server::stop() {
    if (stopped_) {
        return;
    }
    stopped_ = true;
    if (http_) {
        http_->stop();
    }
    io_.stop();
    wait();
    threads_.clear();
}

std::uint16_t controller_server::port() const noexcept {
    return http_ ? http_->port() : 0;
}

reload_result controller_server::reload_campaigns() {
    auto r = campaigns_.reload();
    metrics_.count_reload(r.error.empty());
    if (!r.error.empty()) {
        spdlog::error("campaign reload failed, keeping the previous campaigns: {}", r.error);
    } else {
        spdlog::info("campaigns reloaded: {} campaign(s)", campaigns_.current()->campaigns.size());
        ingest_->refresh(unix_now()); // series of removed campaigns and targets go away
    }
    return r;
}

void controller_server::arm_poll_timer() {
    poll_timer_.expires_after(config_.campaign_poll);
    poll_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        auto r = campaigns_.poll();
        if (r.reloaded || !r.error.empty()) {
            metrics_.count_reload(r.error.empty());
            if (!r.error.empty()) {
                spdlog::error("campaign file changed but is invalid, keeping the previous "
                              "campaigns: {}",
                              r.error);
            } else {
                spdlog::info("campaign file changed: {} campaign(s) loaded",
                             campaigns_.current()->campaigns.size());
                ingest_->refresh(unix_now());
            }
        }
        arm_poll_timer();
    });
}

void controller_server::arm_retention_timer(std::chrono::seconds delay) {
    retention_timer_.expires_after(delay);
    retention_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        std::error_code sec;
        const auto before = unix_now() - config_.retention.count();
        const auto n = ingest_->prune(before, sec);
        if (sec) {
            spdlog::error("retention prune failed: {}", sec.message());
        } else if (n > 0) {
            spdlog::info("retention: pruned {} hop rows older than {}s", n,
                         config_.retention.count());
        }
        arm_retention_timer(std::min<std::chrono::seconds>(
            std::chrono::hours(1),
            std::max<std::chrono::seconds>(std::chrono::seconds(60), config_.retention / 10)));
    });
}

void controller_server::arm_staleness_timer() {
    staleness_timer_.expires_after(staleness_period);
    staleness_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        ingest_->refresh(unix_now());
        arm_staleness_timer();
    });
}

void controller_server::arm_signals() {
    if (!signals_) {
        signals_ = std::make_unique<boost::asio::signal_set>(io_, SIGINT, SIGTERM, SIGHUP);
    }
    signals_->async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) {
            return;
        }
        if (sig == SIGHUP) {
            spdlog::info("SIGHUP: reloading campaigns");
            reload_campaigns();
            arm_signals();
            return;
        }
        spdlog::info("signal {}: stopping", sig);
        http_->stop();
        io_.stop();
    });
}

} // namespace tumen::controller::server
