#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <tumen/common/protocol/batch.hpp>
#include <tumen/probe/agent/uploader.hpp>

namespace tumen::probe::agent {
namespace asio = boost::asio;

uploader::uploader(asio::any_io_executor ex, spool& sp, http_client& client,
                   dead_letter_file dead_letter, uploader_options options, agent_metrics* metrics)
    : ex_(ex)
    , spool_(sp)
    , client_(client)
    , dead_letter_(std::move(dead_letter))
    , options_(std::move(options))
    , metrics_(metrics)
    , backoff_(options_.backoff_initial, options_.backoff_max)
    , rng_(std::random_device{}())
    , wake_(ex)
    , sleep_(ex)
    , limit_(options_.batch_size)
    , alive_(std::make_shared<bool>(true)) {}

uploader::~uploader() {
    *alive_ = false;
}

void uploader::start() {
    asio::co_spawn(ex_, run(), [alive = alive_](std::exception_ptr e) {
        if (e && *alive) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::critical("uploader: stopped by an unexpected error: {}", ex.what());
            }
        }
    });
}

void uploader::notify() {
    wake_.cancel();
}

void uploader::stop() {
    stopping_ = true;
    wake_.cancel();
    sleep_.cancel();
}

void uploader::drain(std::function<void(bool)> done) {
    drained_ = std::move(done);
    if (spool_.empty() || finished_) {
        auto cb = std::exchange(drained_, nullptr);
        asio::post(ex_, [cb, ok = spool_.empty()] { cb(ok); });
        return;
    }
    // A backoff wait is cut short: one more attempt, then report.
    sleep_.cancel();
    wake_.cancel();
}

void uploader::fail_drain() {
    if (drained_) {
        auto cb = std::exchange(drained_, nullptr);
        asio::post(ex_, [cb] { cb(false); });
    }
}

void uploader::set_options(uploader_options options) {
    options_ = std::move(options);
    backoff_ = backoff(options_.backoff_initial, options_.backoff_max);
    limit_ = options_.batch_size;
}

void uploader::update_spool_metrics() {
    if (metrics_ != nullptr) {
        metrics_->set_spool(spool_.size(), spool_.bytes(), spool_.max_bytes());
    }
}

asio::awaitable<void> uploader::wait_backoff(unsigned status,
                                             std::optional<std::chrono::seconds> retry_after) {
    const auto delay = retry_delay(backoff_.next_random(rng_), status, retry_after);
    stats_.last_wait = delay;
    spdlog::info(
        "uploader: {} result(s) waiting; next attempt in {} ms{}", spool_.size(), delay.count(),
        (status == 429 || status == 503) && retry_after
            ? " (controller asked for Retry-After: " + std::to_string(retry_after->count()) + ")"
            : std::string());
    sleep_.expires_after(delay);
    boost::system::error_code ec;
    co_await sleep_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

namespace {

bool is_rejection(unsigned status) {
    return status == 400 || status == 413 || status == 422;
}

/// The controller's error text: {"error": "...", "where": "..."} or the raw body.
std::string reason_of(const http_response& r) {
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("error") && j["error"].is_string()) {
        std::string s = j["error"].get<std::string>();
        if (j.contains("where") && j["where"].is_string() &&
            !j["where"].get<std::string>().empty()) {
            s = j["where"].get<std::string>() + ": " + s;
        }
        return s;
    }
    return r.body.substr(0, 300);
}

} // namespace

asio::awaitable<bool> uploader::dead_letter(const std::vector<spool_record>& batch, unsigned status,
                                            const std::string& why) {
    if (auto ec = dead_letter_.append(batch, status, why)) {
        spdlog::error("uploader: cannot write the dead-letter file {}: {}; keeping {} result(s) "
                      "in the spool",
                      dead_letter_.path().string(), ec.message(), batch.size());
        ++stats_.failures;
        fail_drain();
        co_await wait_backoff(0, std::nullopt);
        co_return false;
    }
    spdlog::error("uploader: controller refused {} result(s) from {} with HTTP {} ({}); moved "
                  "to the dead-letter file {}",
                  batch.size(), batch.front().id, status, why, dead_letter_.path().string());
    (void)spool_.ack(batch.back().seq);
    stats_.dead_lettered += batch.size();
    if (metrics_ != nullptr) {
        metrics_->dead_lettered(batch.size());
    }
    update_spool_metrics();
    co_return true;
}

std::optional<std::vector<std::pair<const spool_record*, std::string>>>
uploader::match_rejected(const std::vector<spool_record>& batch, const http_response& res) {
    auto rejected = protocol::parse_rejected(res.body);
    if (!rejected) {
        return std::nullopt;
    }
    std::vector<std::pair<const spool_record*, std::string>> out;
    for (const auto& r : *rejected) {
        if (r.index >= batch.size() || batch[r.index].id != r.id) {
            spdlog::warn("uploader: the controller's reply refuses result \"{}\" at index {}, "
                         "which the batch does not hold there; ignored",
                         r.id, r.index);
            continue;
        }
        out.emplace_back(&batch[r.index], r.reason + ": " + r.error);
    }
    return out;
}

asio::awaitable<bool> uploader::dead_letter_rejected(
    const std::vector<std::pair<const spool_record*, std::string>>& refused, unsigned status) {
    for (const auto& [record, why] : refused) {
        if (auto ec = dead_letter_.append({*record}, status, why)) {
            spdlog::error("uploader: cannot write the dead-letter file {}: {}; keeping the "
                          "batch in the spool",
                          dead_letter_.path().string(), ec.message());
            ++stats_.failures;
            fail_drain();
            co_await wait_backoff(0, std::nullopt);
            co_return false;
        }
    }
    if (!refused.empty()) {
        spdlog::error("uploader: controller refused {} result(s) of the batch one by one with "
                      "HTTP {} (first: {}: {}); moved to the dead-letter file {}",
                      refused.size(), status, refused.front().first->id, refused.front().second,
                      dead_letter_.path().string());
        stats_.dead_lettered += refused.size();
        if (metrics_ != nullptr) {
            metrics_->dead_lettered(refused.size());
        }
    }
    co_return true;
}

asio::awaitable<void> uploader::run() {
    update_spool_metrics();
    while (!stopping_) {
        if (spool_.empty()) {
            if (drained_) {
                auto cb = std::exchange(drained_, nullptr);
                asio::post(ex_, [cb] { cb(true); });
            }
            wake_.expires_at(asio::steady_timer::time_point::max());
            boost::system::error_code ec;
            co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            continue;
        }
        std::error_code read_ec;
        auto batch = spool_.peek(limit_, options_.batch_max_bytes, read_ec);
        if (batch.empty()) {
            spdlog::error("uploader: cannot read the spool: {}", read_ec.message());
            fail_drain();
            co_await wait_backoff(0, std::nullopt);
            continue;
        }
        std::vector<std::string_view> results;
        results.reserve(batch.size());
        for (const auto& record : batch) {
            results.emplace_back(record.body);
        }
        std::string body = protocol::batch_body(results);

        http_request req;
        req.method = "POST";
        req.target = options_.path;
        req.body = std::move(body);
        req.content_type = "application/json";
        req.headers.emplace_back("Authorization", "Bearer " + options_.token);
        ++stats_.requests;
        auto res = co_await client_.request(std::move(req));

        if (!res.ec && res.status / 100 == 2) {
            // Results refused one by one ("rejected") go to the dead-letter file, the others
            // were stored.
            auto refused = match_rejected(batch, res);
            if (!refused) {
                spdlog::warn("uploader: cannot read the controller's reply to a stored batch "
                             "(HTTP {}); acknowledging it",
                             res.status);
            } else if (!co_await dead_letter_rejected(*refused, res.status)) {
                continue;
            }
            const std::size_t refused_count = refused ? refused->size() : 0;
            if (auto ec = spool_.ack(batch.back().seq)) {
                spdlog::error("uploader: cannot record the acknowledgement in the spool: {} "
                              "(the batch may be sent again; the controller ignores duplicates)",
                              ec.message());
            }
            if (backoff_.failures() > 0) {
                spdlog::info("uploader: controller reachable again after {} failed attempt(s)",
                             backoff_.failures());
            }
            backoff_.reset();
            refusals_ = 0;
            limit_ = std::min(options_.batch_size, std::max<std::size_t>(1, limit_ * 2));
            ++stats_.batches_ok;
            stats_.results_ok += batch.size() - refused_count;
            if (metrics_ != nullptr) {
                metrics_->uploaded(batch.size() - refused_count,
                                   std::chrono::duration<double>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
            }
            update_spool_metrics();
            continue;
        }

        if (!res.ec && res.status == 403) {
            // Every result refused for a reason of its own (not the agent's assigned work): a
            // permanent refusal, dead-lettered at once.
            auto refused = match_rejected(batch, res);
            if (refused && refused->size() == batch.size()) {
                if (metrics_ != nullptr) {
                    metrics_->upload_failed(upload_error::auth);
                }
                if (co_await dead_letter_rejected(*refused, res.status)) {
                    (void)spool_.ack(batch.back().seq);
                    update_spool_metrics();
                }
                continue;
            }
        }
        const bool refused = !res.ec && (res.status == 401 || res.status == 403);
        if (refused) {
            ++refusals_;
        }
        if (!res.ec &&
            (is_rejection(res.status) || (refused && refusals_ >= options_.refusal_tries))) {
            if (metrics_ != nullptr) {
                metrics_->upload_failed(refused ? upload_error::auth : upload_error::rejected);
            }
            if (batch.size() > 1) {
                // The controller rejects a batch whole: find the offending result(s).
                limit_ = batch.size() / 2;
                spdlog::warn("uploader: controller rejected a batch of {} with HTTP {} ({}); "
                             "retrying in batches of {} to isolate it",
                             batch.size(), res.status, reason_of(res), limit_);
                continue;
            }
            // The batch size grows back by doubling at each 2xx, so a run of refused results
            // costs one request each.
            co_await dead_letter(batch, res.status, reason_of(res));
            continue;
        }

        // Everything else is retried with backoff; nothing is dropped.
        ++stats_.failures;
        upload_error kind = upload_error::other;
        if (res.ec) {
            kind = res.timed_out ? upload_error::timeout : upload_error::network;
            spdlog::warn("uploader: upload to {} failed at {}: {}", client_.url().to_string(),
                         res.error_step, res.ec.message());
        } else if (res.status == 401 || res.status == 403) {
            kind = upload_error::auth;
            spdlog::error("uploader: controller refused the upload (HTTP {}: {}); check "
                          "controller.token; refusal {} of {} before the results are moved to "
                          "the dead-letter file",
                          res.status, reason_of(res), refusals_, options_.refusal_tries);
        } else {
            kind = (res.status / 100 == 5 || res.status == 408 || res.status == 429)
                       ? upload_error::server
                       : upload_error::other;
            spdlog::warn("uploader: controller answered HTTP {} ({})", res.status, reason_of(res));
        }
        if (metrics_ != nullptr) {
            metrics_->upload_failed(kind);
        }
        fail_drain(); // when draining for shutdown: report now, the daemon stops us
        if (stopping_) {
            break;
        }
        if (res.ec) {
            co_await wait_backoff(0, std::nullopt);
        } else {
            co_await wait_backoff(res.status, res.retry_after);
        }
    }
    finished_ = true;
    fail_drain();
}

} // namespace tumen::probe::agent
