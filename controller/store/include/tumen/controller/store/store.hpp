#pragma once
/// @file
/// The controller's storage interface and its two back ends: SQLite (one file, one process,
/// the embedded default) and PostgreSQL (several `tumen-controller serve` replicas sharing one
/// database). Both keep the same things with the same semantics: results (unique per
/// (agent, id), so a retried upload is stored once whichever replica gets it), their hops, the
/// current verdict per agent x target prefix (with the path tracker snapshot that lets a
/// restart resume hysteresis), change events, agents' last contact and the history of
/// assignments. Schemas are versioned and migrated at open(). One `store` owns one
/// connection and is not thread-safe: its owner serialises calls (the ingest service holds a
/// mutex) and groups the writes of one HTTP batch into one transaction (begin()). Hot-path
/// calls return std::error_code (message in last_message()); only open() throws.
#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <tumen/common/ipv4.hpp>

namespace tumen::controller::store {

/// One stored hop: the first replying address at a TTL and its mapping.
struct hop_row {
    int ttl = 0;
    std::optional<ipv4_addr> addr;    ///< first replying address; nullopt: no reply
    std::optional<std::uint32_t> asn; ///< AS of `addr`, when known
    std::optional<double> rtt_ms;     ///< smallest RTT at this TTL
    int replies = 0;                  ///< replies received at this TTL
};

/// One result to store.
struct result_row {
    std::string id; ///< result id, unique per agent (idempotency key)
    std::string agent;
    std::string kind; ///< "traceroute" or "ping"
    std::string campaign;
    ipv4_addr dst;
    std::int64_t timestamp = 0; ///< measurement time (Unix seconds)
    std::int64_t received = 0;  ///< ingest time (Unix seconds)
    /// The result's JSON as received; a view that must stay valid until insert_result returns.
    std::string_view raw_json;
    std::vector<hop_row> hops;
};

/// The current verdict for one agent x target prefix.
struct verdict_row {
    std::string agent;
    std::string target;        ///< target prefix, "198.19.176.0/24"
    std::string path;          ///< current path name ("unknown" allowed)
    std::int64_t since = 0;    ///< when the current path was confirmed (Unix seconds)
    std::int64_t updated = 0;  ///< last observation (Unix seconds)
    std::string evidence_json; ///< JSON: trace ids, border hop, AS path
    std::string tracker_json;  ///< JSON snapshot of the path tracker (hysteresis state)
    /// When the controller received the last observation (Unix seconds, its own clock; 0 in
    /// rows stored before this existed): staleness counts from here.
    std::int64_t observed = 0;
    /// JSON: the pair's latency series per path, from its traces and pings (schema v3; empty
    /// in rows stored before). A ping's effect is written here, in the ping's transaction.
    std::string latency_json;
    friend bool operator==(const verdict_row&, const verdict_row&) = default;
};

/// One change event.
struct change_row {
    std::int64_t seq = 0; ///< assigned by the store
    std::string agent;
    std::string target;
    std::string from_path;
    std::string to_path;
    std::int64_t at = 0; ///< Unix seconds
    std::string evidence_json;
    friend bool operator==(const change_row&, const change_row&) = default;
};

/// Which change events to read (GET /api/v1/changes): every set field must match.
struct change_filter {
    std::int64_t since = 0;            ///< events with `at >= since`
    std::optional<std::int64_t> until; ///< and `at <= until`
    std::optional<std::string> agent;  ///< of this agent
    std::optional<std::string> target; ///< of this target prefix
    std::optional<std::string> path;   ///< from or to this path (stored identity)
    std::size_t limit = 1000;          ///< at most this many, listed oldest first
    bool newest = false;               ///< the newest `limit` events instead of the oldest
};

/// One stored result of an (agent, time range), for the RTT series of the page.
struct series_row {
    std::int64_t timestamp = 0;
    std::string kind;                 ///< "traceroute" or "ping"
    std::string id;                   ///< the result id
    std::string dst;                  ///< destination address, dotted quad
    std::optional<double> end_rtt_ms; ///< a trace's RTT at its last replying TTL
    std::optional<std::string> raw;   ///< a ping's JSON as received (pruned: nullopt)
};

/// One stored traceroute with its hops, as the read side shows it.
struct trace_row {
    std::string id;
    std::string agent;
    std::string campaign;
    std::string dst;            ///< destination address, as stored
    std::int64_t timestamp = 0; ///< measurement time (Unix seconds)
    std::int64_t received = 0;  ///< ingest time (Unix seconds)
    bool pruned = false;        ///< retention removed its hops and raw JSON
    std::vector<hop_row> hops;  ///< by TTL
};

/// How many change events of one kind are stored (the exporter's tumen_path_changes_total).
struct change_count {
    std::string agent;
    std::string target;
    std::string from_path;
    std::string to_path;
    std::int64_t count = 0;
};

/// An agent and when it last uploaded.
struct agent_row {
    std::string name;
    std::int64_t last_seen = 0;
    std::int64_t results = 0;
};

/// Identifies an assignment: `agent` was assigned `target` (a prefix, "198.19.176.0/24") by
/// `campaign`.
struct assignment_key {
    std::string agent;
    std::string campaign;
    std::string target;
    friend auto operator<=>(const assignment_key&, const assignment_key&) = default;
};

/// One period of an assignment: in force from `since` until `until` (nullopt: still in force),
/// Unix seconds of the controller's clock.
struct assignment_row {
    std::string agent;
    std::string campaign;
    std::string target;
    std::int64_t since = 0;
    std::optional<std::int64_t> until;
    /// The assignment this period belongs to.
    assignment_key key() const { return {agent, campaign, target}; }
    friend bool operator==(const assignment_row&, const assignment_row&) = default;
};

class store;

/// Thrown by store::open when the database cannot be opened, created or migrated (start-up
/// only).
class store_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A transaction on a store: begun on construction, rolled back on destruction unless
/// commit() succeeded.
class transaction {
public:
    explicit transaction(store& s) noexcept;
    transaction(transaction&& other) noexcept;
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    transaction& operator=(transaction&&) = delete;
    ~transaction();

    /// The error of BEGIN, if any (then commit() fails too).
    std::error_code begin_error() const noexcept { return begin_ec_; }
    /// Commits; on failure the transaction is rolled back by the destructor.
    std::error_code commit() noexcept;

private:
    store* store_;
    std::error_code begin_ec_;
    bool done_ = false;
};

/// Whether `database` (the controller.yaml setting) names a PostgreSQL database
/// ("postgresql://..." or "postgres://..."); anything else is a SQLite file path.
bool is_postgresql(std::string_view database) noexcept;
/// True when `ec` is a deadlock or serialization failure of a shared store (PostgreSQL
/// SQLSTATE 40P01 or 40001): the store rolled the transaction back, and running it again
/// may succeed.
bool is_conflict(const std::error_code& ec) noexcept;

/// The storage interface ingest, the API and the server use; SQL lives only behind it.
class store {
public:
    /// Opens the database `database` names: a PostgreSQL connection URI (is_postgresql) or a
    /// SQLite file (":memory:" allowed), creating the schema or migrating an older one in
    /// place. Throws store_error (start-up only), also for a database of a newer schema.
    static std::unique_ptr<store> open(const std::string& database);

    virtual ~store() = default;

    /// Starts a transaction grouping the following writes.
    transaction begin() { return transaction(*this); }

    /// True when other processes may write the same database at the same time (PostgreSQL):
    /// ingest then reads each (agent, target)'s tracker state under lock_verdict() instead of
    /// trusting its in-memory copy.
    virtual bool shared() const noexcept = 0;
    /// "sqlite" or "postgresql".
    virtual const char* kind() const noexcept = 0;

    /// Inserts a result and its hops. `inserted` is false when a result of the same agent
    /// with the same id is already stored (nothing is written then).
    virtual std::error_code insert_result(const result_row& row, bool& inserted) noexcept = 0;
    /// Records an upload from `agent` at `now` that stored `results` new results.
    virtual std::error_code touch_agent(const std::string& agent, std::int64_t now,
                                        std::int64_t results) noexcept = 0;
    /// Inserts or replaces the verdict for (agent, target).
    virtual std::error_code upsert_verdict(const verdict_row& row) noexcept = 0;
    /// Appends a change event; its sequence number is written to `seq`.
    virtual std::error_code insert_change(const change_row& row, std::int64_t& seq) noexcept = 0;
    /// Inside a transaction: locks the verdict of (agent, target) until commit or rollback
    /// (other replicas wait) and reads it (`row` nullopt: none stored yet). SQLite's write
    /// transaction already excludes every other writer.
    virtual std::error_code lock_verdict(const std::string& agent, const std::string& target,
                                         std::optional<verdict_row>& row) noexcept = 0;

    /// Every stored verdict (for start-up recovery and /api/v1/paths).
    virtual std::vector<verdict_row> load_verdicts(std::error_code& ec) = 0;
    /// The stored verdicts of `agent`, by target (a replica finding the pair of a ping to a
    /// hop that another replica chose).
    virtual std::vector<verdict_row> verdicts_of(const std::string& agent, std::error_code& ec) = 0;
    /// Change events with `at >= since`, oldest first, at most `limit`.
    virtual std::vector<change_row> changes_since(std::int64_t since, std::size_t limit,
                                                  std::error_code& ec) = 0;
    /// The number of stored change events per (agent, target, from, to).
    virtual std::vector<change_count> change_counts(std::error_code& ec) = 0;
    /// Change events matching `filter`, oldest first, at most `filter.limit`.
    virtual std::vector<change_row> changes_matching(const change_filter& filter,
                                                     std::error_code& ec) = 0;
    /// `agent`'s results measured in [from, to], oldest first, at most `limit` (the caller
    /// keeps those of one target prefix).
    virtual std::vector<series_row> results_between(const std::string& agent, std::int64_t from,
                                                    std::int64_t to, std::size_t limit,
                                                    std::error_code& ec) = 0;
    /// Every known agent.
    virtual std::vector<agent_row> agents(std::error_code& ec) = 0;
    /// Change events of (`agent`, `target`) with `at <= until`, oldest first.
    virtual std::vector<change_row> changes_of(const std::string& agent, const std::string& target,
                                               std::int64_t until, std::error_code& ec) = 0;
    /// `agent`'s stored traceroute `id` with its hops by TTL; nullopt when unknown (or not a
    /// traceroute).
    virtual std::optional<trace_row> trace(const std::string& agent, const std::string& id,
                                           std::error_code& ec) = 0;

    /// Retention: deletes hops and raw JSON of results received before `before` (the result
    /// ids stay, so a very late retry is still recognised). Returns the hop rows deleted.
    virtual std::int64_t prune(std::int64_t before, std::error_code& ec) noexcept = 0;

    /// Number of stored results / hop rows / change events (tests, bench, exporter).
    virtual std::int64_t count_results(std::error_code& ec) = 0;
    virtual std::int64_t count_hops(std::error_code& ec) = 0;
    virtual std::int64_t count_changes(std::error_code& ec) = 0;
    /// The raw JSON of `agent`'s stored result `id` (empty when pruned or unknown).
    virtual std::optional<std::string> raw_result(const std::string& agent, const std::string& id,
                                                  std::error_code& ec) = 0;
    /// The schema version of the open database (SQLite: PRAGMA user_version; PostgreSQL: the
    /// schema_version table).
    virtual std::int64_t schema_version(std::error_code& ec) = 0;

    /// Every period of `agent`'s assignments (closed ones until pruned), by campaign, target
    /// and start.
    virtual std::vector<assignment_row> assignments_of(const std::string& agent,
                                                       std::error_code& ec) = 0;
    /// The assignments in force (periods not closed).
    virtual std::vector<assignment_row> open_assignments(std::error_code& ec) = 0;
    /// Inside a transaction: excludes other replicas recording the assignment history until
    /// commit (PostgreSQL: an advisory transaction lock; SQLite: nothing to do).
    virtual std::error_code lock_assignments() noexcept = 0;
    /// Whether any assignment was ever recorded.
    virtual bool has_assignment_history(std::error_code& ec) = 0;
    /// Opens a period of `key` at `since`.
    virtual std::error_code open_assignment(const assignment_key& key,
                                            std::int64_t since) noexcept = 0;
    /// Closes the open period of `key` at `until`.
    virtual std::error_code close_assignment(const assignment_key& key,
                                             std::int64_t until) noexcept = 0;
    /// Retention of the history: deletes periods closed before `before`; returns how many.
    virtual std::int64_t prune_assignments(std::int64_t before, std::error_code& ec) noexcept = 0;

    /// Tries to become (or stay) the one replica that exports the shared verdicts and change
    /// counters to Prometheus (PostgreSQL: a session advisory lock, released when the process
    /// or its connection dies). SQLite: always true (one process).
    virtual bool try_exporter_lease() noexcept = 0;

    /// The connection's last error message (to log with an error_code).
    virtual std::string last_message() const = 0;

protected:
    store() = default;
    friend class transaction;
    /// Transaction primitives used by `transaction`.
    virtual std::error_code begin_tx() noexcept = 0;
    virtual std::error_code commit_tx() noexcept = 0;
    virtual void rollback_tx() noexcept = 0;
};

} // namespace tumen::controller::store
