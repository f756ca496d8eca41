#include <chrono>
#include <csignal>
#include <system_error>

#include <spdlog/spdlog.h>

#include <tumen/controller/api/handlers.hpp>
#include <tumen/controller/config/restart_settings.hpp>
#include <tumen/controller/server/controller_server.hpp>

namespace tumen::controller::server {
namespace {

std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

pipeline::ingest_options make_ingest_options(const server_config& c) {
    pipeline::ingest_options o;
    o.hysteresis = c.hysteresis;
    for (const auto& p : c.pfx2as) {
        o.pfx2as_files.push_back(p.string());
    }
    for (const auto& p : c.iptoasn) {
        o.iptoasn_files.push_back(p.string());
    }
    for (const auto& p : c.as_names) {
        o.as_names_files.push_back(p.string());
    }
    o.max_paths_per_target = c.max_paths_per_target;
    o.clock_skew = c.clock_skew.count();
    o.assignment_history_retention = c.assignment_history.count();
    o.agents.emplace();
    for (const auto& a : c.agents) {
        (*o.agents)[a.name] = a.labels;
    }
    if (c.ixp) {
        o.ixp_file = c.ixp->string();
    }
    return o;
}

/// The limits of `c` that the HTTP server takes while running.
api::live_limits live_limits_of(const server_config& c) {
    return api::live_limits{c.body_limit, c.max_connections, c.idle_timeout, c.header_timeout};
}

} // namespace

controller_server::controller_server(server_config config)
    : config_(std::make_shared<const server_config>(std::move(config)))
    , campaigns_(config_->campaigns)
    , upload_limiter_(config_->upload_rate_limit)
    , poll_timer_(io_)
    , retention_timer_(io_)
    , staleness_timer_(io_) {
    const auto& cfg = *config_;
    campaigns_.load(); // throws campaign_error with file:line:column
    spdlog::info("campaigns: {} loaded from {} file(s)", campaigns_.current()->campaigns.size(),
                 cfg.campaigns.size());
    auto db = store::store::open(cfg.database.string());
    ingest_ = std::make_unique<ingest_service>(std::move(db), metrics_, campaigns_,
                                               make_ingest_options(cfg));
    ingest_->recover(unix_now());
    api::server_options so;
    so.address = cfg.listen_address;
    so.port = cfg.listen_port;
    so.body_limit = cfg.body_limit;
    so.idle_timeout = cfg.idle_timeout;
    so.header_timeout = cfg.header_timeout;
    so.max_connections = cfg.max_connections;
    // Each request works with the configuration in force when it arrives (its agents and
    // tokens); the snapshot lives until the request is answered.
    so.check_header = [this](const api::request& req) {
        const auto current = this->config();
        api::context ctx{*current, *ingest_, campaigns_, metrics_, unix_now, &upload_limiter_};
        return api::check_header(req, ctx);
    };
    if (cfg.tls) {
        so.tls = api::make_tls_context(cfg.tls->cert.string(), cfg.tls->key.string());
    }
    http_ = std::make_unique<api::http_server>(io_, so, [this](const api::request& req) {
        const auto current = this->config();
        api::context ctx{*current, *ingest_, campaigns_, metrics_, unix_now};
        return api::handle(req, ctx);
    });
}

controller_server::~controller_server() {
    stop();
}

void controller_server::start(bool handle_signals) {
    std::error_code ec;
    const auto cfg = config();
    http_->start(ec);
    if (ec) {
        throw std::system_error(ec, "cannot listen on " + cfg->listen_address + ":" +
                                        std::to_string(cfg->listen_port));
    }
    spdlog::info("listening on {}://{}:{}", cfg->tls ? "https" : "http", cfg->listen_address,
                 http_->port());
    if (handle_signals) {
        arm_signals();
    }
    arm_poll_timer();
    arm_retention_timer(std::chrono::seconds(1));
    arm_staleness_timer();
    const unsigned n = std::max(1u, cfg->threads);
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

std::shared_ptr<const server_config> controller_server::config() const {
    std::lock_guard lock(config_mutex_);
    return config_;
}

void controller_server::set_config_loader(config_loader loader) {
    std::lock_guard lock(reload_mutex_);
    loader_ = std::move(loader);
}

controller_server::snapshot
controller_server::load_snapshot(const server_config& running,
                                 std::vector<std::string>& restart_needed) {
    server_config loaded;
    if (loader_) {
        loaded = loader_();
    } else if (!running.path.empty()) {
        loaded = config::load_server_config(running.path);
    } else {
        throw config::config_error("no configuration file to reload (the configuration in "
                                   "force was not read from a file)");
    }
    restart_needed = config::keep_restart_settings(running, loaded);
    snapshot next;
    next.campaigns = campaign_source::prepare(loaded.campaigns);             // campaign_error
    next.tables = pipeline::load_ingest_tables(make_ingest_options(loaded)); // asmap_error
    next.config = std::make_shared<const server_config>(std::move(loaded));
    return next;
}

void controller_server::apply(snapshot next) {
    // Every setting that a reload changes is handed to its component here, and only here.
    // The campaigns first, then the AS map and agents of ingest (which follows the campaigns),
    // then the configuration the requests read (agents and tokens), then the live limits.
    // A component with a reloadable setting of its own (the upload rate limiter) takes it
    // from `*next.config` here as well; ingest records the assignment history in install().
    const std::size_t campaign_count = next.campaigns.set->campaigns.size();
    campaigns_.install(std::move(next.campaigns));
    ingest_->install(std::move(next.tables), unix_now());
    {
        std::lock_guard lock(config_mutex_);
        config_ = next.config;
    }
    http_->set_limits(live_limits_of(*next.config));
    upload_limiter_.set_rate(next.config->upload_rate_limit);
    upload_limiter_.keep_only(next.config->agents);
    spdlog::info("configuration reloaded from {}: {} agent(s), {} campaign(s), {} pfx2as, {} "
                 "iptoasn, {} IXP and {} AS-names file(s)",
                 next.config->path.string(), next.config->agents.size(), campaign_count,
                 next.config->pfx2as.size(), next.config->iptoasn.size(), next.config->ixp ? 1 : 0,
                 next.config->as_names.size());
}

config_reload_result controller_server::reload() {
    std::lock_guard lock(reload_mutex_);
    config_reload_result r;
    const auto running = config();
    try {
        apply(load_snapshot(*running, r.restart_needed));
        r.reloaded = true;
    } catch (const std::exception& e) {
        r.error = e.what();
        r.restart_needed.clear();
    }
    metrics_.count_config_reload(r.reloaded);
    if (!r.reloaded) {
        spdlog::error("reload failed, the whole previous configuration stays in force: {}",
                      r.error);
        return r;
    }
    for (const auto& name : r.restart_needed) {
        spdlog::warn("reload: `{}` changed in {}; it needs a restart, the running value stays",
                     name, running->path.string());
    }
    return r;
}

reload_result controller_server::reload_campaigns() {
    std::lock_guard lock(reload_mutex_);
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
    poll_timer_.expires_after(config()->campaign_poll);
    poll_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (ec) {
            return;
        }
        std::unique_lock lock(reload_mutex_, std::try_to_lock);
        if (!lock.owns_lock()) { // a reload is loading: it reads the campaign files too
            arm_poll_timer();
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
        lock.unlock();
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
        const auto retention = config()->retention;
        const auto before = unix_now() - retention.count();
        const auto n = ingest_->prune(before, sec);
        if (sec) {
            spdlog::error("retention prune failed: {}", sec.message());
        } else if (n > 0) {
            spdlog::info("retention: pruned {} hop rows older than {}s", n, retention.count());
        }
        arm_retention_timer(std::min<std::chrono::seconds>(
            std::chrono::hours(1),
            std::max<std::chrono::seconds>(std::chrono::seconds(60), retention / 10)));
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
            spdlog::info("SIGHUP: reloading the configuration");
            reload();
            arm_signals();
            return;
        }
        spdlog::info("signal {}: stopping", sig);
        http_->stop();
        io_.stop();
    });
}

} // namespace tumen::controller::server
