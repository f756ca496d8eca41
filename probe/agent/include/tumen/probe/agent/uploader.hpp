#pragma once
/// @file
/// Delivers spooled results to the controller (`POST /api/v1/results`, body
/// `{"results": [...]}`, `Authorization: Bearer <token>`), oldest first, in batches:
///  - 2xx: the batch is acknowledged (removed from the spool); the controller is idempotent
///    on result ids, so a batch sent again after a lost answer is recorded once; the results
///    the reply lists in `rejected` (refused one by one: not the agent's assigned work,
///    protocol/batch.hpp) are moved to the dead-letter file with their reason first;
///  - 403 listing every result of the batch in `rejected`: each is moved to the dead-letter
///    file with its reason at once (a permanent refusal);
///  - network error, timeout, 5xx, 408, 429 and other statuses: the batch stays in the spool
///    and is retried after an exponential backoff with jitter; a 429 or 503 waits at least
///    its Retry-After (capped at one hour, backoff.hpp retry_delay);
///  - 401/403 (refused): retried with backoff until `refusal_tries` consecutive refusals;
///    from then on (until the next 2xx) a refused batch is split like a 400 below and each
///    refused result is moved to the dead-letter file, so a refusal never blocks the queue;
///  - 400/413/422 (the controller rejects the batch whole): the batch is split in halves until
///    the rejected result is alone, which is then moved to the dead-letter file with a log
///    line, so one bad result neither loops forever nor takes good ones with it. The batch
///    size then grows back by doubling at each 2xx.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <tumen/common/asio.hpp>
#include <tumen/probe/agent/agent_metrics.hpp>
#include <tumen/probe/agent/backoff.hpp>
#include <tumen/probe/agent/dead_letter.hpp>
#include <tumen/probe/agent/http_client.hpp>
#include <tumen/probe/agent/spool.hpp>

namespace tumen::probe::agent {

/// Upload settings (from the `controller` section).
struct uploader_options {
    std::string token; ///< bearer token
    std::string path = "/api/v1/results";
    std::size_t batch_size = 200;
    std::size_t batch_max_bytes = 1u << 20;
    std::chrono::milliseconds backoff_initial{1000};
    std::chrono::milliseconds backoff_max{300000};
    /// Consecutive 401/403 answers after which refused results are dead-lettered.
    unsigned refusal_tries = 3;
};

/// Counts kept by the uploader (also exported as metrics when a registry is given).
struct uploader_stats {
    std::uint64_t requests = 0;
    std::uint64_t batches_ok = 0;
    std::uint64_t results_ok = 0;
    std::uint64_t failures = 0;             ///< attempts that will be retried
    std::uint64_t dead_lettered = 0;        ///< results moved to the dead-letter file
    std::chrono::milliseconds last_wait{0}; ///< the last wait before a retry
};

/// The upload loop. Runs on the executor's (single) thread; spool and client must outlive it.
class uploader {
public:
    /// `metrics` may be null.
    uploader(boost::asio::any_io_executor ex, spool& sp, http_client& client,
             dead_letter_file dead_letter, uploader_options options, agent_metrics* metrics);
    ~uploader();
    uploader(const uploader&) = delete;
    uploader& operator=(const uploader&) = delete;

    /// Starts the loop (coroutine on the executor).
    void start();
    /// New results were spooled: wake up if idle (does not shorten a backoff).
    void notify();
    /// Stops the loop after the current request (which ends at the latest at its timeout).
    void stop();
    /// Shutdown: calls `done(true)` once the spool is empty, or `done(false)` at the first
    /// failed attempt (no more backoff waits). Called at most once.
    void drain(std::function<void(bool)> done);
    /// New settings (config reload): token, batch limits, backoff.
    void set_options(uploader_options options);

    const uploader_stats& stats() const noexcept { return stats_; }
    /// True when the loop has finished (after stop()).
    bool stopped() const noexcept { return finished_; }

private:
    boost::asio::awaitable<void> run();
    /// Waits for the backoff delay, or the Retry-After of a 429 or 503 (`status`, 0 without an
    /// answer) if longer (retry_delay).
    boost::asio::awaitable<void> wait_backoff(unsigned status,
                                              std::optional<std::chrono::seconds> retry_after);
    void fail_drain();
    void update_spool_metrics();
    /// Moves `batch` to the dead-letter file and acknowledges it; false (after a backoff wait)
    /// when the file cannot be written.
    boost::asio::awaitable<bool> dead_letter(const std::vector<spool_record>& batch,
                                             unsigned status, const std::string& why);
    /// The records of `batch` that the reply `res` lists as rejected, with their reasons
    /// (entries that do not match the batch's index and id are logged and skipped); nullopt
    /// when the reply cannot be read.
    static std::optional<std::vector<std::pair<const spool_record*, std::string>>>
    match_rejected(const std::vector<spool_record>& batch, const http_response& res);
    /// Appends each refused record with its reason to the dead-letter file; false (after a
    /// backoff wait) when the file cannot be written, the batch then stays spooled.
    boost::asio::awaitable<bool>
    dead_letter_rejected(const std::vector<std::pair<const spool_record*, std::string>>& refused,
                         unsigned status);

    boost::asio::any_io_executor ex_;
    spool& spool_;
    http_client& client_;
    dead_letter_file dead_letter_;
    uploader_options options_;
    agent_metrics* metrics_;
    backoff backoff_;
    std::mt19937_64 rng_;
    boost::asio::steady_timer wake_;
    boost::asio::steady_timer sleep_;
    std::size_t limit_;     ///< current batch size (halved while isolating a 400)
    unsigned refusals_ = 0; ///< consecutive 401/403 answers
    bool stopping_ = false;
    bool finished_ = false;
    std::function<void(bool)> drained_;
    uploader_stats stats_;
    std::shared_ptr<bool> alive_;
};

} // namespace tumen::probe::agent
