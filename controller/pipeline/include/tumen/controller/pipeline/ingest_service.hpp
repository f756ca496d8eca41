#pragma once
/// @file
/// The controller's ingest pipeline as a service: parse_batch (outside the lock: parsing is
/// the expensive part and runs in parallel on the I/O threads), then, under one lock, apply
/// (one store transaction) and publish (metrics). It also answers the read side (paths,
/// changes, agents) from the same state. Thread-safe.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/common/ipv4.hpp>
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/config/campaign_source.hpp>
#include <tumen/controller/inference/path_names.hpp>
#include <tumen/controller/metrics/controller_metrics.hpp>
#include <tumen/controller/pipeline/authorize.hpp>
#include <tumen/controller/pipeline/error.hpp>
#include <tumen/controller/pipeline/standing.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::pipeline {

/// The counts of an accepted batch.
struct batch_counts {
    std::size_t stored = 0;
    std::size_t duplicates = 0;
    std::size_t changes = 0; ///< change events this batch caused
    /// Results refused one by one (not the agent's assigned work, authorize.hpp); the others
    /// were stored.
    std::vector<rejected_result> rejected;
};

/// Options of the ingest service.
struct ingest_options {
    std::uint32_t hysteresis = 3;            ///< K independent observations (rounds) to confirm
    std::vector<std::string> pfx2as_files;   ///< CAIDA pfx2as files (IP -> AS)
    std::vector<std::string> iptoasn_files;  ///< iptoasn ip2asn-v4.tsv files (IP -> AS)
    std::string ixp_file;                    ///< optional IXP prefix file
    std::vector<std::string> as_names_files; ///< AS names (ipinfo CSV), shown in the API
    std::uint32_t max_paths_per_target =
        inference::default_max_paths_per_target; ///< distinct paths named per agent x target
    /// The configured agents (name -> labels): verdicts and series of other agents are
    /// dropped from the metrics. nullopt: every agent counts as configured.
    std::optional<agent_labels> agents;
    /// Clock skew allowed between a result's timestamp and the assignment history (seconds).
    std::int64_t clock_skew = default_clock_skew_seconds;
    /// How long closed assignment periods are kept (seconds): a spool that waited longer
    /// than this for the controller is refused.
    std::int64_t assignment_history_retention = 30LL * 24 * 3600;
};

/// What a reload of the configuration puts in force in the ingest service at once: the AS map
/// and the configured agents. Loaded in full (load_ingest_tables) before anything changes.
struct ingest_tables {
    asmap::as_map map;
    std::optional<agent_labels> agents;
};

/// Loads the tables of `options` strictly, for a reload: throws asmap::asmap_error naming
/// `file:line` at the first bad line of an AS-map file, or the file it cannot read.
ingest_tables load_ingest_tables(const ingest_options& options);

/// The ingest pipeline and the verdict state it keeps.
class ingest_service {
public:
    /// Takes ownership of the store. Throws at start-up if an AS map file cannot be read.
    ingest_service(std::unique_ptr<store::store> db, metrics::controller_metrics& metrics,
                   config::campaign_source& campaigns, const ingest_options& options);
    ~ingest_service();
    ingest_service(const ingest_service&) = delete;
    ingest_service& operator=(const ingest_service&) = delete;

    /// Restores verdicts and tracker state from the store and publishes them as metrics,
    /// with each verdict fresh or stale at `now` by its stored observation time, and the
    /// configured agents' last upload (tumen_agent_last_seen_timestamp_seconds); records the
    /// assignments in force (record_assignments). Throws std::runtime_error on a storage
    /// error (start-up).
    void recover(std::int64_t now);
    /// recover() at the system clock's time.
    void recover();

    /// Re-evaluates the staleness of every verdict at `now` and removes the series of agents
    /// and targets no longer in force (the server calls it on a timer and after a reload);
    /// records the assignments when the campaigns changed.
    void refresh(std::int64_t now);

    /// Records the assignment history at `now`: every (agent, campaign, target prefix) that
    /// the campaigns and agents in force assign gets an open period, periods no longer in
    /// force are closed at `now`, periods closed before now - assignment_history_retention
    /// are deleted. The first recording in a database opens its periods at time 0 (results
    /// measured before the history began count as assigned). Idempotent; call it whenever
    /// the campaigns or the agents in force change (start-up, reload). The error of the
    /// store, logged.
    std::error_code record_assignments(std::int64_t now);

    /// Puts reloaded tables in force (under the lock, between two batches): the traces that
    /// follow are mapped with the new AS map (tumen_dataset_info follows it); verdicts,
    /// trackers and the stored hops of earlier traces are kept; the series of agents no longer
    /// configured go at once (publish_standing at `now`); the assignment history follows the new
    /// agents (record_assignments at `now`). Never throws but bad_alloc.
    void install(ingest_tables tables, std::int64_t now);

    /// Validates and ingests a batch uploaded by `agent` (already authenticated): see
    /// parse_batch (batch.hpp), authorize (authorize.hpp) and apply (apply.hpp). Results that
    /// are not the agent's assigned work at their measurement time are refused one by one
    /// (batch_counts::rejected); when none is left, the batch is refused as
    /// error_kind::not_assigned. Never throws.
    expected<batch_counts> ingest(const std::string& agent, std::string_view body,
                                  std::int64_t now);

    /// Where `agent`'s pings go, by target prefix: the address chosen from the latest trace of
    /// each (agent, target prefix) (inference/ping_target.hpp); prefixes without are absent.
    std::map<ipv4_prefix, ipv4_addr> ping_targets(const std::string& agent) const;
    /// Current verdicts with evidence and their staleness at `now` (the /api/v1/paths
    /// document).
    nlohmann::json paths(std::int64_t now) const;
    /// paths() at the system clock's time.
    nlohmann::json paths() const;
    /// Change events with time >= since (the /api/v1/changes document); `ec` on storage error.
    nlohmann::json changes(std::int64_t since, std::size_t limit, std::error_code& ec) const;
    /// Change events matching `filter` (the /api/v1/changes document); `brief` leaves out
    /// each event's evidence (the page's timeline); `ec` on storage error.
    nlohmann::json changes(const store::change_filter& filter, bool brief,
                           std::error_code& ec) const;
    /// The compact matrix of current verdicts at `now` (the /api/v1/matrix document, as
    /// JSON text).
    std::string matrix(std::int64_t now) const;
    /// RTT and path over [from, to] of (agent, target prefix) (the /api/v1/series document):
    /// at most `limit` results of the agent are read; `ec` on storage error.
    nlohmann::json series(const std::string& agent, const ipv4_prefix& target, std::int64_t from,
                          std::int64_t to, std::size_t limit, std::error_code& ec) const;
    /// Known agents and their last upload.
    nlohmann::json agents(std::error_code& ec) const;
    /// The path graph of (`agent`, `target`) (the /api/v1/graph document, docs/api.md): the
    /// latest trace of each path known from the verdict and the change events, at or before
    /// `at` when given. nullopt when no path of (agent, target) is known (then); `ec` on
    /// storage error.
    std::optional<nlohmann::json> graph(const std::string& agent, const ipv4_prefix& target,
                                        std::optional<std::int64_t> at, std::error_code& ec) const;
    /// `agent`'s stored traceroute `id` with its hops (the /api/v1/trace document); nullopt
    /// when unknown; `ec` on storage error.
    std::optional<nlohmann::json> trace(const std::string& agent, const std::string& id,
                                        std::error_code& ec) const;

    /// Retention: drops hops and raw JSON received before `before`; returns hop rows deleted.
    std::int64_t prune(std::int64_t before, std::error_code& ec);

    /// Stored result count (tests, bench).
    std::int64_t count_results(std::error_code& ec) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

} // namespace tumen::controller::pipeline
