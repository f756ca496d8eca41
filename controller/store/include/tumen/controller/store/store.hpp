#pragma once
/// @file
/// The controller's SQLite storage (WAL mode, synchronous=NORMAL): results (unique per
/// (agent, id), so a retried upload is stored once and one agent cannot pre-empt another's
/// id), their hops, the current verdict per agent x target prefix
/// (with the path tracker snapshot that lets a restart resume hysteresis), change events and
/// agents' last contact, and the history of assignments (which agent was assigned which
/// campaign target when; ingest authorizes results by it). The schema is versioned
/// (PRAGMA user_version, now 2) and an older database is migrated in place at open(). One `store`
/// owns one connection and is not thread-safe: its owner serialises calls (the ingest service holds
/// a mutex) and groups the writes of one HTTP batch into one transaction (begin()), so ingest never
/// waits on one fsync per result.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <tumen/common/ipv4.hpp>
#include <tumen/controller/store/sqlite.hpp>

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

/// Storage with prepared statements for the ingest hot path.
class store {
public:
    /// Opens or creates the database at `path`, sets WAL + synchronous=NORMAL, creates the
    /// schema or migrates an older one in place (v1 -> v2). Throws sqlite_error (start-up
    /// only), also for a database of a newer schema version.
    static store open(const std::string& path);

    store(store&&) noexcept = default;
    store& operator=(store&&) noexcept = default;

    /// Starts a transaction grouping the following writes (BEGIN IMMEDIATE).
    transaction begin() { return transaction(db_); }

    /// Inserts a result and its hops. `inserted` is false when a result of the same agent
    /// with the same id is already stored (nothing is written then).
    std::error_code insert_result(const result_row& row, bool& inserted) noexcept;
    /// Records an upload from `agent` at `now` that stored `results` new results.
    std::error_code touch_agent(const std::string& agent, std::int64_t now,
                                std::int64_t results) noexcept;
    /// Inserts or replaces the verdict for (agent, target).
    std::error_code upsert_verdict(const verdict_row& row) noexcept;
    /// Appends a change event; its sequence number is written to `seq`.
    std::error_code insert_change(const change_row& row, std::int64_t& seq) noexcept;

    /// Every stored verdict (for start-up recovery and /api/v1/paths).
    std::vector<verdict_row> load_verdicts(std::error_code& ec);
    /// Change events with `at >= since`, oldest first, at most `limit`.
    std::vector<change_row> changes_since(std::int64_t since, std::size_t limit,
                                          std::error_code& ec);
    /// Change events matching `filter`, oldest first, at most `filter.limit`.
    std::vector<change_row> changes_matching(const change_filter& filter, std::error_code& ec);
    /// `agent`'s results measured in [from, to], oldest first, at most `limit` (the caller
    /// keeps those of one target prefix).
    std::vector<series_row> results_between(const std::string& agent, std::int64_t from,
                                            std::int64_t to, std::size_t limit,
                                            std::error_code& ec);
    /// Every known agent.
    std::vector<agent_row> agents(std::error_code& ec);
    /// Change events of (`agent`, `target`) with `at <= until`, oldest first.
    std::vector<change_row> changes_of(const std::string& agent, const std::string& target,
                                       std::int64_t until, std::error_code& ec);
    /// `agent`'s stored traceroute `id` with its hops by TTL; nullopt when unknown (or not a
    /// traceroute).
    std::optional<trace_row> trace(const std::string& agent, const std::string& id,
                                   std::error_code& ec);

    /// Retention: deletes hops and raw JSON of results received before `before` (the result
    /// ids stay, so a very late retry is still recognised). Returns the hop rows deleted.
    std::int64_t prune(std::int64_t before, std::error_code& ec) noexcept;

    /// Number of stored results / hop rows (tests, bench).
    std::int64_t count_results(std::error_code& ec);
    std::int64_t count_hops(std::error_code& ec);
    /// The raw JSON of `agent`'s stored result `id` (empty when pruned or unknown).
    std::optional<std::string> raw_result(const std::string& agent, const std::string& id,
                                          std::error_code& ec);
    /// The schema version of the open database (PRAGMA user_version).
    std::int64_t schema_version(std::error_code& ec);

    /// Every period of `agent`'s assignments (closed ones until pruned), by campaign, target
    /// and start.
    std::vector<assignment_row> assignments_of(const std::string& agent, std::error_code& ec);
    /// The assignments in force (periods not closed).
    std::vector<assignment_row> open_assignments(std::error_code& ec);
    /// Whether any assignment was ever recorded.
    bool has_assignment_history(std::error_code& ec);
    /// Opens a period of `key` at `since`.
    std::error_code open_assignment(const assignment_key& key, std::int64_t since) noexcept;
    /// Closes the open period of `key` at `until`.
    std::error_code close_assignment(const assignment_key& key, std::int64_t until) noexcept;
    /// Retention of the history: deletes periods closed before `before`; returns how many.
    std::int64_t prune_assignments(std::int64_t before, std::error_code& ec) noexcept;

    /// The connection's last error message (to log with an error_code).
    std::string last_message() const { return db_.last_message(); }

private:
    explicit store(database db);
    database db_;
    statement insert_result_;
    statement insert_hop_;
    statement touch_agent_;
    statement upsert_verdict_;
    statement insert_change_;
};

} // namespace tumen::controller::store
