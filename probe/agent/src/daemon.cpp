// The daemon's wiring: start-up, signals, shutdown and metrics. The jobs it wires live in
// their own files: engine_start (opening the engine), round_runner and round_plan (rounds),
// assignment_poller (controller mode), result_handoff (output file or spool and uploader),
// config_reload (SIGHUP), run_setup (command-line checks and loading).
#include <csignal>

#include <prometheus/exposer.h>
#include <spdlog/spdlog.h>

#include <tumen/common/campaign.hpp>
#include <tumen/probe/agent/agent_config.hpp>
#include <tumen/probe/agent/agent_metrics.hpp>
#include <tumen/probe/agent/assignment_poller.hpp>
#include <tumen/probe/agent/config_reload.hpp>
#include <tumen/probe/agent/daemon.hpp>
#include <tumen/probe/agent/engine_start.hpp>
#include <tumen/probe/agent/result_handoff.hpp>
#include <tumen/probe/agent/run_setup.hpp>
#include <tumen/probe/agent/scheduler.hpp>
#include <tumen/probe/engine/engine.hpp>

#include "round_runner.hpp"
#include "watcher.hpp"

namespace tumen::probe::agent {
namespace asio = boost::asio;

namespace {

constexpr const char* agent_version = "0.1.0";

/// Everything the running daemon holds.
class daemon {
public:
    daemon(const run_options& o, run_setup setup)
        : opts_(o)
        , cfg_(std::move(setup.config))
        , campaigns_(std::move(setup.campaigns))
        , id_(std::move(setup.agent))
        , signals_(io_, SIGTERM, SIGINT, SIGHUP)
        , tick_(io_)
        , stop_timer_(io_)
        , grace_timer_(io_) {}

    int run();

private:
    int open();
    void start_work();
    void wait_signal();
    void reload();
    void shutdown(const char* why);
    void after_jobs();
    void finish();
    void on_tick();
    void tick();

    run_options opts_;
    agent_config cfg_;
    std::optional<campaign::campaign_set> campaigns_; ///< standalone, until start_work()
    std::string id_;
    asio::io_context io_;
    asio::signal_set signals_;
    asio::steady_timer tick_;
    asio::steady_timer stop_timer_;
    asio::steady_timer grace_timer_;

    std::unique_ptr<agent_metrics> metrics_;
    std::unique_ptr<prometheus::Exposer> exposer_;
    std::unique_ptr<engine::engine> engine_;
    std::unique_ptr<result_handoff> handoff_;
    std::unique_ptr<scheduler> scheduler_;
    std::unique_ptr<round_runner> runner_;
    std::unique_ptr<watcher> watcher_;
    std::unique_ptr<assignment_poller> poller_;

    bool stopping_ = false;
    bool jobs_done_ = false;
    bool finished_ = false;
};

int daemon::open() {
    metrics_ = std::make_unique<agent_metrics>(id_, agent_version);
    const auto eo = engine_options_of(opts_, cfg_, campaigns_ ? &*campaigns_ : nullptr, id_);
    if (!eo) {
        return 2;
    }
    engine_ = std::make_unique<engine::engine>(io_, *eo);
    if (int rc = open_engine(*engine_, *eo, opts_, cfg_)) {
        return rc;
    }
    handoff_ = std::make_unique<result_handoff>(io_, *metrics_);
    if (!(opts_.output.empty() ? handoff_->open_upload(cfg_)
                               : handoff_->open_output(opts_.output))) {
        return 1;
    }
    if (!cfg_.metrics_listen.empty() &&
        !(exposer_ = serve_metrics(*metrics_, cfg_.metrics_listen))) {
        return 1;
    }
    return 0;
}

void daemon::start_work() {
    scheduler_ = std::make_unique<scheduler>(
        io_, *engine_, id_,
        [this](const std::string& id, const nlohmann::json& j, bool) { handoff_->deliver(id, j); },
        metrics_.get());
    watcher_ = std::make_unique<watcher>(
        io_, *engine_, id_,
        [this](const std::string& id, const nlohmann::json& j, bool) { handoff_->deliver(id, j); },
        metrics_.get());
    scheduler_->pause_when([this] { return handoff_->probing_paused(); });
    watcher_->pause_when([this] { return handoff_->probing_paused(); });
    scheduler_->observe_traces(
        [this](const campaign::work_item& w, const result::trace& t) { watcher_->on_trace(w, t); });
    runner_ =
        std::make_unique<round_runner>(io_, *scheduler_, *metrics_, id_, cfg_.labels, opts_.once);
    wait_signal();
    if (handoff_->uploading()) {
        handoff_->start();
        poller_ = std::make_unique<assignment_poller>(
            io_, handoff_->client(), id_, *cfg_.controller, *metrics_,
            [this](const protocol::assignment& a) { runner_->run_assignment(a); });
        poller_->start();
    } else {
        runner_->run_local(std::move(*campaigns_));
        campaigns_.reset();
    }
}

void daemon::reload() {
    if (opts_.config.empty()) {
        if (opts_.schedule.empty()) {
            return;
        }
        if (auto fresh = reload_schedule(opts_.schedule)) {
            runner_->run_local(std::move(*fresh));
            spdlog::info("SIGHUP: schedule {} reloaded ({} campaign(s))", opts_.schedule,
                         runner_->local_campaigns());
        }
        return;
    }
    const auto r = reload_config(cfg_, opts_.config);
    if (!r.reloaded) {
        return;
    }
    if (r.controller_applied) {
        handoff_->set_options(*cfg_.controller);
    }
    spdlog::info("SIGHUP: configuration {} reloaded; asking for the assignment again",
                 opts_.config);
    if (poller_) {
        poller_->refresh();
    }
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
    watcher_->stop();
    runner_->stop();
    if (poller_) {
        poller_->stop();
    }
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
    if (!handoff_->drain([this] { finish(); })) {
        finish();
        return;
    }
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
    handoff_->stop();
    on_tick();
    engine_->close();
    handoff_->sync();
    spdlog::info("stopped: {} result(s) produced{}", scheduler_->results(), handoff_->summary());
    io_.stop();
}

void daemon::on_tick() {
    metrics_->update_engine(engine_->stats());
    handoff_->update_metrics();
}

void daemon::tick() {
    tick_.expires_after(std::chrono::seconds(1));
    tick_.async_wait([this](const boost::system::error_code& ec) {
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
}

int daemon::run() {
    if (int rc = open()) {
        return rc;
    }
    start_work();
    if (opts_.duration_s) {
        stop_timer_.expires_after(
            std::chrono::milliseconds(static_cast<std::int64_t>(*opts_.duration_s * 1000)));
        stop_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) {
                shutdown("--duration");
            }
        });
    }
    tick();
    io_.run();
    return 0;
}

} // namespace

int run_agent(const run_options& o) {
    auto setup = load_run_setup(o);
    if (!setup) {
        return 2;
    }
    // Closed pipes (a log reader going away) must not kill the daemon.
    std::signal(SIGPIPE, SIG_IGN);
    daemon d(o, std::move(*setup));
    return d.run();
}

} // namespace tumen::probe::agent
