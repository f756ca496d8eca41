#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <unistd.h>

#include <prometheus/exposer.h>
#include <spdlog/spdlog.h>

#include <tumen/common/campaign.hpp>
#include <tumen/common/protocol/assignment.hpp>
#include <tumen/probe/agent/agent_config.hpp>
#include <tumen/probe/agent/agent_metrics.hpp>
#include <tumen/probe/agent/daemon.hpp>
#include <tumen/probe/agent/dead_letter.hpp>
#include <tumen/probe/agent/http_client.hpp>
#include <tumen/probe/agent/scheduler.hpp>
#include <tumen/probe/agent/spool.hpp>
#include <tumen/probe/agent/unique_fd.hpp>
#include <tumen/probe/agent/uploader.hpp>
#include <tumen/probe/engine/engine.hpp>
#include <tumen/probe/engine/privileges.hpp>

namespace tumen::probe::agent {
namespace asio = boost::asio;
using sys_clock = std::chrono::system_clock;

namespace {

constexpr const char* agent_version = "0.1.0";

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') {
        return "agent";
    }
    return buf;
}

uploader_options upload_options_of(const controller_config& c) {
    uploader_options o;
    o.token = c.token;
    o.batch_size = c.batch_size;
    o.batch_max_bytes = c.batch_max_bytes;
    o.backoff_initial = c.backoff_initial;
    o.backoff_max = c.backoff_max;
    return o;
}

using protocol::assignment;

/// Everything the running daemon holds.
class daemon {
public:
    daemon(const run_options& o, agent_config cfg, std::optional<campaign::campaign_set> campaigns,
           std::string agent_id)
        : opts_(o)
        , cfg_(std::move(cfg))
        , campaigns_(std::move(campaigns))
        , id_(std::move(agent_id))
        , signals_(io_, SIGTERM, SIGINT, SIGHUP)
        , tick_(io_)
        , poll_timer_(io_)
        , stop_timer_(io_)
        , grace_timer_(io_)
        , rng_(std::random_device{}()) {}

    int run();

private:
    int open_engine();
    int open_sink();
    void on_result(const std::string& id, const nlohmann::json& j, bool trace);
    void schedule_campaign(std::size_t index);
    asio::awaitable<void> poll_loop();
    void apply_assignment(const assignment& a);
    void repeat_last_round();
    void wait_signal();
    void reload();
    void shutdown(const char* why);
    void after_jobs();
    void finish();
    void on_tick();

    run_options opts_;
    agent_config cfg_;
    std::optional<campaign::campaign_set> campaigns_;
    std::string id_;
    asio::io_context io_;
    asio::signal_set signals_;
    asio::steady_timer tick_;
    asio::steady_timer poll_timer_;
    asio::steady_timer stop_timer_;
    asio::steady_timer grace_timer_;
    std::vector<std::unique_ptr<asio::steady_timer>> round_timers_;
    std::mt19937_64 rng_;

    std::unique_ptr<agent_metrics> metrics_;
    std::unique_ptr<prometheus::Exposer> exposer_;
    std::unique_ptr<engine::engine> engine_;
    std::unique_ptr<scheduler> scheduler_;
    std::optional<spool> spool_;
    std::unique_ptr<http_client> client_;
    std::unique_ptr<uploader> uploader_;
    unique_fd output_;

    assignment last_;
    bool have_assignment_ = false;
    std::string etag_;
    bool stopping_ = false;
    bool jobs_done_ = false;
    bool finished_ = false;
};

int daemon::open_engine() {
    engine::engine_options eo;
    eo.agent = id_;
    eo.pps = opts_.pps.value_or(static_cast<double>(cfg_.pps));
    const std::string source = !opts_.source.empty() ? opts_.source : cfg_.source;
    if (!source.empty()) {
        auto a = ipv4_addr::parse(source);
        if (!a) {
            spdlog::error("--source '{}' is not an IPv4 address", source);
            return 2;
        }
        eo.source = *a;
    } else if (campaigns_ && !campaigns_->campaigns.empty() &&
               !campaigns_->campaigns.front().targets.prefixes.empty()) {
        eo.route_hint = campaigns_->campaigns.front().targets.prefixes.front().at(1);
    } else {
        // The source of the default route (RFC 5737 address; nothing is sent).
        eo.route_hint = ipv4_addr(192, 0, 2, 1);
    }
    eo.interface = cfg_.interface;
    engine_ = std::make_unique<engine::engine>(io_, eo);
    if (auto ec = engine_->open()) {
        if (ec == std::errc::operation_not_permitted) {
            std::fprintf(stderr, "%s\n",
                         engine::missing_capability_message("tumen-probe run").c_str());
        } else {
            spdlog::error("cannot open the probe engine: {} ({})", engine_->error_text(),
                          ec.message());
        }
        return 1;
    }
    spdlog::info("agent {}: probing from {} on {} at up to {} probes/s", id_,
                 engine_->source().to_string(), engine_->interface(), eo.pps);
    const std::string user = !opts_.user.empty() ? opts_.user : cfg_.user;
    if (!user.empty()) {
        std::string msg;
        if (auto ec = engine::drop_privileges(user, msg)) {
            spdlog::error("cannot drop privileges to {}: {}", user, msg);
            return 1;
        }
        spdlog::info("dropped privileges to user {}", user);
    }
    return 0;
}

int daemon::open_sink() {
    if (!opts_.output.empty()) {
        output_.reset(
            ::open(opts_.output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
        if (!output_) {
            spdlog::error("cannot open --output {}: {}", opts_.output, std::strerror(errno));
            return 1;
        }
        return 0;
    }
    try {
        spool_.emplace(spool::open(cfg_.spool.dir, cfg_.spool.max_bytes));
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
    metrics_->spool_quarantined(spool_->recovery().quarantined_files);
    spool_->on_drop([this](std::uint64_t n) { metrics_->spool_dropped(n); });
    try {
        client_ = std::make_unique<http_client>(io_.get_executor(), cfg_.controller->url,
                                                cfg_.controller->ca_file, cfg_.controller->timeout);
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return 1;
    }
    uploader_ = std::make_unique<uploader>(io_.get_executor(), *spool_, *client_,
                                           dead_letter_file(cfg_.spool.dead_letter),
                                           upload_options_of(*cfg_.controller), metrics_.get());
    return 0;
}

void daemon::on_result(const std::string& id, const nlohmann::json& j, bool trace) {
    const std::string line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (output_) {
        std::string l = line + "\n";
        std::string_view rest(l);
        while (!rest.empty()) {
            const auto n = ::write(output_.get(), rest.data(), rest.size());
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                spdlog::error("cannot write result {} to {}: {}; result: {}", id, opts_.output,
                              std::strerror(errno), line);
                return;
            }
            rest.remove_prefix(static_cast<std::size_t>(n));
        }
        return;
    }
    if (auto ec = spool_->append(id, line)) {
        metrics_->spool_write_error();
        // The log keeps the result so it is not lost silently.
        spdlog::error("cannot spool result {}: {}; result: {}", id, ec.message(), line);
        return;
    }
    metrics_->set_spool(spool_->size(), spool_->bytes(), spool_->max_bytes());
    uploader_->notify();
    (void)trace;
}

void daemon::schedule_campaign(std::size_t index) {
    if (stopping_ || !campaigns_ || index >= campaigns_->campaigns.size()) {
        return;
    }
    const auto& c = campaigns_->campaigns[index];
    const campaign::round_clock clock(c.params.interval);
    const auto round = clock.round_at(campaign::unix_seconds(sys_clock::now()));
    campaign::campaign_set one;
    one.campaigns.push_back(c);
    const auto items = campaign::compute_work(one, id_, cfg_.labels, round);
    const auto round_end = sys_clock::time_point(std::chrono::seconds(clock.end_of(round)));
    scheduler_->run_round(c.name, round, items, round_end);
    if (opts_.once) {
        return;
    }
    auto timer = std::make_unique<asio::steady_timer>(io_);
    timer->expires_after(round_end - sys_clock::now());
    timer->async_wait([this, index](const boost::system::error_code& ec) {
        if (!ec) {
            schedule_campaign(index);
        }
    });
    round_timers_.push_back(std::move(timer));
    // Keep the list short: expired timers are dropped lazily.
    if (round_timers_.size() > 4 * campaigns_->campaigns.size() + 16) {
        std::erase_if(round_timers_, [](const auto& t) {
            return t->expiry() < asio::steady_timer::clock_type::now();
        });
    }
}

void daemon::apply_assignment(const assignment& a) {
    const auto now = sys_clock::now();
    for (const auto& [name, round] : a.campaigns) {
        std::vector<campaign::work_item> items;
        for (const auto& w : a.work) {
            if (w.campaign == name) {
                items.push_back(w);
            }
        }
        auto end = a.valid_until ? sys_clock::time_point(std::chrono::seconds(*a.valid_until))
                                 : now + (items.empty() ? std::chrono::milliseconds(60000)
                                                        : items.front().params.interval);
        scheduler_->run_round(name, round, items, end);
    }
    metrics_->set_assignment_items(a.work.size());
}

void daemon::repeat_last_round() {
    // The controller is unreachable past the round's end: keep measuring with the last
    // assignment (same addresses) so the outage leaves no gap; results are spooled.
    std::chrono::milliseconds shortest{std::chrono::hours(24)};
    for (const auto& w : last_.work) {
        shortest = std::min(shortest, w.params.interval);
    }
    if (last_.work.empty()) {
        return;
    }
    for (auto& c : last_.campaigns) {
        ++c.round;
    }
    last_.valid_until =
        campaign::unix_seconds(sys_clock::now()) + campaign::round_clock(shortest).interval_s();
    spdlog::warn("assignment: controller unreachable after the round ended; repeating the last "
                 "assignment ({} item(s))",
                 last_.work.size());
    apply_assignment(last_);
}

asio::awaitable<void> daemon::poll_loop() {
    const std::string target = "/api/v1/agents/" + id_ + "/assignment";
    while (!stopping_) {
        http_request req;
        req.target = target;
        req.headers.emplace_back("Authorization", "Bearer " + cfg_.controller->token);
        req.headers.emplace_back("Accept", "application/json");
        if (!etag_.empty()) {
            req.headers.emplace_back("If-None-Match", etag_);
        }
        auto res = co_await client_->request(std::move(req));
        if (stopping_) {
            break;
        }
        const auto now_s = campaign::unix_seconds(sys_clock::now());
        if (!res.ec && res.status == 200) {
            auto a = protocol::parse_assignment(std::string_view(res.body));
            if (a) {
                etag_ = res.etag;
                spdlog::info("assignment: version {}: {} item(s) in {} campaign(s)",
                             a->version.substr(0, 12), a->work.size(), a->campaigns.size());
                last_ = std::move(*a);
                have_assignment_ = true;
                metrics_->assignment_poll("changed");
                apply_assignment(last_);
            } else {
                metrics_->assignment_poll("error");
                spdlog::error("assignment: controller sent an invalid document ({}); keeping the "
                              "previous one",
                              a.error().message());
            }
        } else if (!res.ec && res.status == 304) {
            metrics_->assignment_poll("unchanged");
        } else {
            metrics_->assignment_poll("error");
            if (res.ec) {
                spdlog::warn("assignment: GET {} failed at {}: {}", target, res.error_step,
                             res.ec.message());
            } else {
                spdlog::warn("assignment: GET {} answered HTTP {}: {}", target, res.status,
                             res.body.substr(0, 300));
            }
            if (have_assignment_ && last_.valid_until && now_s >= *last_.valid_until) {
                repeat_last_round();
            }
        }
        // Next poll: the poll interval, or shortly after the round boundary if sooner.
        auto next = cfg_.controller->poll_interval;
        if (have_assignment_ && last_.valid_until) {
            const auto until =
                std::chrono::milliseconds((*last_.valid_until - now_s) * 1000) +
                std::chrono::milliseconds(std::uniform_int_distribution<int>(200, 2000)(rng_));
            next = std::clamp(until, std::chrono::milliseconds(1000), next);
        }
        poll_timer_.expires_after(next);
        boost::system::error_code ec;
        co_await poll_timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
}

void daemon::reload() {
    if (opts_.config.empty()) {
        if (!opts_.schedule.empty()) {
            try {
                campaigns_ = campaign::load_campaigns_file(opts_.schedule);
            } catch (const std::exception& e) {
                spdlog::error("SIGHUP: keeping the current schedule: {}", e.what());
                return;
            }
            for (auto& t : round_timers_) {
                t->cancel();
            }
            round_timers_.clear();
            for (std::size_t i = 0; i < campaigns_->campaigns.size(); ++i) {
                schedule_campaign(i);
            }
            spdlog::info("SIGHUP: schedule {} reloaded ({} campaign(s))", opts_.schedule,
                         campaigns_->campaigns.size());
        }
        return;
    }
    agent_config fresh;
    try {
        fresh = load_agent_config(opts_.config);
    } catch (const std::exception& e) {
        spdlog::error("SIGHUP: keeping the current configuration: {}", e.what());
        return;
    }
    if (fresh.id != cfg_.id || fresh.spool.dir != cfg_.spool.dir ||
        fresh.metrics_listen != cfg_.metrics_listen || fresh.pps != cfg_.pps ||
        fresh.user != cfg_.user || fresh.source != cfg_.source ||
        fresh.interface != cfg_.interface || fresh.spool.max_bytes != cfg_.spool.max_bytes ||
        fresh.controller.has_value() != cfg_.controller.has_value() ||
        (fresh.controller &&
         fresh.controller->url.to_string() != cfg_.controller->url.to_string()) ||
        (fresh.controller && fresh.controller->ca_file != cfg_.controller->ca_file)) {
        spdlog::warn("SIGHUP: agent, spool, metrics, pps, user, source, interface and the "
                     "controller url/CA take effect only after a restart");
    }
    if (fresh.controller && cfg_.controller) {
        cfg_.controller->token = fresh.controller->token;
        cfg_.controller->timeout = fresh.controller->timeout;
        cfg_.controller->poll_interval = fresh.controller->poll_interval;
        cfg_.controller->batch_size = fresh.controller->batch_size;
        cfg_.controller->batch_max_bytes = fresh.controller->batch_max_bytes;
        cfg_.controller->backoff_initial = fresh.controller->backoff_initial;
        cfg_.controller->backoff_max = fresh.controller->backoff_max;
        if (client_) {
            client_->set_timeout(cfg_.controller->timeout);
        }
        if (uploader_) {
            uploader_->set_options(upload_options_of(*cfg_.controller));
        }
    }
    cfg_.labels = fresh.labels;
    spdlog::info("SIGHUP: configuration {} reloaded; asking for the assignment again",
                 opts_.config);
    etag_.clear();
    poll_timer_.cancel(); // poll now
}

void daemon::wait_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) {
            return;
        }
        if (sig == SIGHUP) {
            reload();
        } else {
            shutdown(sig == SIGTERM ? "SIGTERM" : "SIGINT");
        }
        if (!finished_) {
            wait_signal();
        }
    });
}

void daemon::shutdown(const char* why) {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    spdlog::info("{}: stopping: {} job(s) in flight, {} not started", why, engine_->pending(),
                 scheduler_->waiting());
    scheduler_->stop();
    for (auto& t : round_timers_) {
        t->cancel();
    }
    poll_timer_.cancel();
    stop_timer_.cancel();
    if (engine_->pending() == 0) {
        after_jobs();
        return;
    }
    engine_->on_idle([this] { after_jobs(); });
    grace_timer_.expires_after(opts_.grace);
    grace_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec && !jobs_done_) {
            spdlog::warn("stopping: {} job(s) still running after {} s; abandoning them",
                         engine_->pending(), opts_.grace.count());
            after_jobs();
        }
    });
}

void daemon::after_jobs() {
    if (jobs_done_) {
        return;
    }
    jobs_done_ = true;
    grace_timer_.cancel();
    if (!uploader_) {
        finish();
        return;
    }
    if (spool_->empty()) {
        finish();
        return;
    }
    spdlog::info("stopping: uploading {} spooled result(s) once more", spool_->size());
    uploader_->drain([this](bool ok) {
        if (!ok) {
            spdlog::info("stopping: controller not reachable; {} result(s) stay in the spool "
                         "for the next start",
                         spool_->size());
        }
        finish();
    });
    // At most two request timeouts.
    grace_timer_.expires_after(2 * cfg_.controller->timeout + std::chrono::seconds(1));
    grace_timer_.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) {
            finish();
        }
    });
}

void daemon::finish() {
    if (finished_) {
        return;
    }
    finished_ = true;
    if (uploader_) {
        uploader_->stop();
    }
    on_tick();
    engine_->close();
    if (output_) {
        ::fsync(output_.get());
    }
    spdlog::info("stopped: {} result(s) produced{}", scheduler_->results(),
                 spool_ ? ", " + std::to_string(spool_->size()) + " spooled" : std::string());
    io_.stop();
}

void daemon::on_tick() {
    metrics_->update_engine(engine_->stats());
    if (spool_) {
        metrics_->set_spool(spool_->size(), spool_->bytes(), spool_->max_bytes());
    }
}

int daemon::run() {
    metrics_ = std::make_unique<agent_metrics>(id_, agent_version);
    if (int rc = open_engine()) {
        return rc;
    }
    if (int rc = open_sink()) {
        return rc;
    }
    if (!cfg_.metrics_listen.empty()) {
        try {
            exposer_ = std::make_unique<prometheus::Exposer>(cfg_.metrics_listen);
            exposer_->RegisterCollectable(metrics_->registry());
            spdlog::info("metrics on http://{}/metrics", cfg_.metrics_listen);
        } catch (const std::exception& e) {
            spdlog::error("cannot listen for metrics on {}: {}", cfg_.metrics_listen, e.what());
            return 1;
        }
    }
    scheduler_ = std::make_unique<scheduler>(
        io_, *engine_, id_,
        [this](const std::string& id, const nlohmann::json& j, bool trace) {
            on_result(id, j, trace);
        },
        metrics_.get());

    wait_signal();
    if (uploader_) {
        uploader_->start();
        asio::co_spawn(io_, poll_loop(), [](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    spdlog::critical("assignment polling stopped: {}", ex.what());
                }
            }
        });
    } else {
        for (std::size_t i = 0; i < campaigns_->campaigns.size(); ++i) {
            schedule_campaign(i);
        }
    }
    if (opts_.duration_s) {
        stop_timer_.expires_after(
            std::chrono::milliseconds(static_cast<std::int64_t>(*opts_.duration_s * 1000)));
        stop_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) {
                shutdown("--duration");
            }
        });
    }
    std::function<void()> tick = [this, &tick] {
        tick_.expires_after(std::chrono::seconds(1));
        tick_.async_wait([this, &tick](const boost::system::error_code& ec) {
            if (ec || finished_) {
                return;
            }
            on_tick();
            if (opts_.once && !stopping_ && scheduler_->waiting() == 0 &&
                scheduler_->in_flight() == 0) {
                shutdown("--once");
            }
            tick();
        });
    };
    tick();
    io_.run();
    return 0;
}

} // namespace

int run_agent(const run_options& o) {
    if (o.config.empty() && o.schedule.empty()) {
        std::fprintf(stderr, "tumen-probe run: give --config agent.yaml (controller mode) or "
                             "--schedule FILE --output FILE.jsonl (standalone)\n");
        return 2;
    }
    if (o.schedule.empty() != o.output.empty()) {
        std::fprintf(stderr, "tumen-probe run: --schedule and --output go together\n");
        return 2;
    }
    if (o.once && o.schedule.empty()) {
        std::fprintf(stderr, "tumen-probe run: --once is for standalone mode (--schedule)\n");
        return 2;
    }
    agent_config cfg;
    if (!o.config.empty()) {
        try {
            cfg = load_agent_config(o.config);
        } catch (const config_error& e) {
            std::fprintf(stderr, "tumen-probe run: %s\n", e.what());
            return 2;
        }
        if (o.schedule.empty() && !cfg.controller) {
            std::fprintf(stderr,
                         "tumen-probe run: %s has no controller section; add one or run "
                         "standalone with --schedule and --output\n",
                         o.config.c_str());
            return 2;
        }
    }
    std::optional<campaign::campaign_set> campaigns;
    if (!o.schedule.empty()) {
        try {
            campaigns = campaign::load_campaigns_file(o.schedule);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "tumen-probe run: %s\n", e.what());
            return 2;
        }
    }
    std::string id = !o.agent.empty() ? o.agent : !cfg.id.empty() ? cfg.id : host_name();
    if (o.pps && (*o.pps <= 0 || *o.pps > 100000)) {
        std::fprintf(stderr, "tumen-probe run: --pps must be in (0, 100000]\n");
        return 2;
    }
    // Closed pipes (a log reader going away) must not kill the daemon.
    std::signal(SIGPIPE, SIG_IGN);
    daemon d(o, std::move(cfg), std::move(campaigns), std::move(id));
    return d.run();
}

} // namespace tumen::probe::agent
