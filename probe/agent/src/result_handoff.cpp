#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <tumen/probe/agent/dead_letter.hpp>
#include <tumen/probe/agent/result_handoff.hpp>

namespace tumen::probe::agent {

uploader_options upload_options_of(const controller_config& c) {
    uploader_options o;
    o.token = c.token;
    o.batch_size = c.batch_size;
    o.batch_max_bytes = c.batch_max_bytes;
    o.backoff_initial = c.backoff_initial;
    o.backoff_max = c.backoff_max;
    return o;
}

result_handoff::result_handoff(boost::asio::io_context& io, agent_metrics& metrics)
    : io_(io)
    , metrics_(metrics) {}

result_handoff::~result_handoff() = default;

bool result_handoff::open_output(const std::string& path) {
    output_path_ = path;
    output_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
    if (!output_) {
        spdlog::error("cannot open --output {}: {}", path, std::strerror(errno));
        return false;
    }
    return true;
}

bool result_handoff::open_upload(const agent_config& cfg) {
    try {
        spool_.emplace(spool::open(cfg.spool.dir, cfg.spool.max_bytes));
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return false;
    }
    metrics_.spool_quarantined(spool_->recovery().quarantined_files);
    spool_->on_drop([this](std::uint64_t n) { metrics_.spool_dropped(n); });
    try {
        client_ = std::make_unique<http_client>(io_.get_executor(), cfg.controller->url,
                                                cfg.controller->ca_file, cfg.controller->timeout);
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return false;
    }
    uploader_ = std::make_unique<uploader>(io_.get_executor(), *spool_, *client_,
                                           dead_letter_file(cfg.spool.dead_letter),
                                           upload_options_of(*cfg.controller), &metrics_);
    return true;
}

void result_handoff::start() {
    if (uploader_) {
        uploader_->start();
    }
}

void result_handoff::deliver(const std::string& id, const nlohmann::json& result) {
    const std::string line = result.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (output_) {
        append_line(id, line);
        return;
    }
    const auto ec = spool_->append(id, line);
    if (pause_.after_write(ec, {spool_->bytes(), spool_->max_bytes()},
                           probing_pause::clock::now())) {
        pause_changed();
    }
    if (ec) {
        metrics_.spool_write_error();
        // The log keeps the result so it is not lost silently.
        spdlog::error("cannot spool result {}: {}; result: {}", id, ec.message(), line);
        uploader_->notify(); // uploading is what frees the space
        return;
    }
    metrics_.set_spool(spool_->size(), spool_->bytes(), spool_->max_bytes());
    uploader_->notify();
}

void result_handoff::append_line(const std::string& id, const std::string& line) {
    std::string l = line + "\n";
    std::string_view rest(l);
    while (!rest.empty()) {
        const auto n = ::write(output_.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            spdlog::error("cannot write result {} to {}: {}; result: {}", id, output_path_,
                          std::strerror(errno), line);
            return;
        }
        rest.remove_prefix(static_cast<std::size_t>(n));
    }
}

void result_handoff::set_options(const controller_config& c) {
    if (client_) {
        client_->set_timeout(c.timeout);
    }
    if (uploader_) {
        uploader_->set_options(upload_options_of(c));
    }
}

bool result_handoff::drain(std::function<void()> done) {
    if (!uploader_ || spool_->empty()) {
        return false;
    }
    spdlog::info("stopping: uploading {} spooled result(s) once more", spool_->size());
    uploader_->drain([this, done = std::move(done)](bool ok) {
        if (!ok) {
            spdlog::info("stopping: controller not reachable; {} result(s) stay in the spool "
                         "for the next start",
                         spool_->size());
        }
        done();
    });
    return true;
}

void result_handoff::stop() {
    if (uploader_) {
        uploader_->stop();
    }
}

void result_handoff::sync() {
    if (output_) {
        ::fsync(output_.get());
    }
}

void result_handoff::update_metrics() {
    if (spool_) {
        metrics_.set_spool(spool_->size(), spool_->bytes(), spool_->max_bytes());
        if (pause_.update({spool_->bytes(), spool_->max_bytes()}, probing_pause::clock::now())) {
            pause_changed();
        }
    }
}

void result_handoff::pause_changed() {
    metrics_.set_probing_paused(pause_.paused());
    if (pause_.paused()) {
        spdlog::error("probing paused: {}; uploading the {} spooled result(s) to free space",
                      pause_.why(), spool_->size());
    } else {
        spdlog::info("probing resumed: {}", pause_.why());
    }
}

std::string result_handoff::summary() const {
    return spool_ ? ", " + std::to_string(spool_->size()) + " spooled" : std::string();
}

} // namespace tumen::probe::agent
