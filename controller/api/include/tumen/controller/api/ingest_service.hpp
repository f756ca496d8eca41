#pragma once
/// @file
/// Ingest of result batches: strict validation of the whole batch, then, under one lock and
/// in one SQLite transaction, storage (idempotent on result id), AS mapping of hops, border
/// path inference, hysteresis per agent x campaign target prefix, verdicts and change events,
/// and metrics. Batch semantics: a batch with any invalid result is rejected whole (400,
/// nothing stored) so an agent's spool keeps every result and nothing is half-applied; a
/// result whose id is already stored is a duplicate, acknowledged but not counted again.
/// Thread-safe.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <nlohmann/json.hpp>

#include <tumen/controller/api/campaign_source.hpp>
#include <tumen/controller/api/metrics.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::api {

/// The outcome of one batch.
struct batch_result {
    /// 200 stored, 400 invalid (nothing stored), 401 result of another agent, 503 storage
    /// error (nothing stored; retry later).
    unsigned status = 200;
    std::string error; ///< what went wrong (status != 200)
    std::string where; ///< field path of the error, e.g. "results[2].result[0].hop"
    std::size_t stored = 0;
    std::size_t duplicates = 0;
    std::size_t changes = 0; ///< change events this batch caused
};

/// Options of the ingest service.
struct ingest_options {
    std::uint32_t hysteresis = 3;          ///< K consecutive observations to confirm
    std::vector<std::string> pfx2as_files; ///< CAIDA pfx2as files (IP -> AS)
    std::string ixp_file;                  ///< optional IXP prefix file
};

/// The ingest pipeline and the verdict state it keeps.
class ingest_service {
public:
    /// Takes ownership of the store. Throws at start-up if an AS map file cannot be read.
    ingest_service(store::store db, controller_metrics& metrics, campaign_source& campaigns,
                   const ingest_options& options);
    ~ingest_service();
    ingest_service(const ingest_service&) = delete;
    ingest_service& operator=(const ingest_service&) = delete;

    /// Restores verdicts and tracker state from the store and publishes them as metrics.
    /// Throws std::runtime_error on a storage error (start-up).
    void recover();

    /// Validates and ingests a batch uploaded by `agent` (already authenticated). `body` is
    /// a JSON array of results or {"results": [...]}. Never throws.
    batch_result ingest(const std::string& agent, std::string_view body, std::int64_t now);

    /// Current verdicts with evidence (the /api/v1/paths document).
    nlohmann::json paths() const;
    /// Change events with time >= since (the /api/v1/changes document); `ec` on storage error.
    nlohmann::json changes(std::int64_t since, std::size_t limit, std::error_code& ec) const;
    /// Known agents and their last upload.
    nlohmann::json agents(std::error_code& ec) const;

    /// Retention: drops hops and raw JSON received before `before`; returns hop rows deleted.
    std::int64_t prune(std::int64_t before, std::error_code& ec);

    /// Stored result count (tests, bench).
    std::int64_t count_results(std::error_code& ec) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace tumen::controller::api
