#include "sqlite_store.hpp"

#include <algorithm>
#include <optional>
#include <utility>

#include <sqlite3.h>

#include "schema.hpp"

namespace tumen::controller::store {
namespace {

/// A change event from a row of `SELECT seq, agent, target, from_path, to_path, at, evidence`.
change_row change_of(statement& s) {
    return change_row{s.column_int(0),  s.column_text(1), s.column_text(2), s.column_text(3),
                      s.column_text(4), s.column_int(5),  s.column_text(6)};
}

/// The columns of a verdict row, in verdict_of's order.
constexpr const char* verdict_columns =
    "agent, target, path, since, updated, evidence, tracker, observed, latency";

/// A verdict from a row of `SELECT verdict_columns`.
verdict_row verdict_of(statement& s) {
    return verdict_row{s.column_text(0), s.column_text(1), s.column_text(2),
                       s.column_int(3),  s.column_int(4),  s.column_text(5),
                       s.column_text(6), s.column_int(7),  s.column_text(8)};
}

/// The most hop rows one INSERT writes: a 15-hop trace is one statement; 6 parameters each.
constexpr std::size_t hops_per_statement = 32;

/// A dotted quad in a fixed buffer (no allocation), for binding without a copy.
struct addr_text {
    char text[16];
    std::size_t size = 0;
    explicit addr_text(ipv4_addr a) noexcept {
        char* p = text;
        for (int shift = 24; shift >= 0; shift -= 8) {
            unsigned v = (a.value >> shift) & 0xffu;
            if (v >= 100) {
                *p++ = static_cast<char>('0' + v / 100);
            }
            if (v >= 10) {
                *p++ = static_cast<char>('0' + (v / 10) % 10);
            }
            *p++ = static_cast<char>('0' + v % 10);
            if (shift != 0) {
                *p++ = '.';
            }
        }
        size = static_cast<std::size_t>(p - text);
    }
    std::string_view view() const noexcept { return {text, size}; }
};

} // namespace

std::unique_ptr<sqlite_store> sqlite_store::open(const std::string& path) {
    database db = database::open(path);
    // WAL: readers never block the writer; synchronous=NORMAL: a commit does not fsync (the
    // WAL is synced at checkpoints), so a batch costs no fsync; a power loss may lose the
    // last commits, which the agents' spools re-send (ids make that idempotent).
    db.exec_or_throw("PRAGMA journal_mode=WAL");
    db.exec_or_throw("PRAGMA synchronous=NORMAL");
    db.exec_or_throw("PRAGMA foreign_keys=OFF");
    prepare_schema(db);
    return std::unique_ptr<sqlite_store>(new sqlite_store(std::move(db)));
}

sqlite_store::sqlite_store(database db)
    : db_(std::move(db)) {
    insert_result_ = db_.prepare_or_throw(
        "INSERT OR IGNORE INTO results(id, agent, kind, campaign, dst, timestamp, received, raw)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    insert_hops_.resize(hops_per_statement);
    touch_agent_ = db_.prepare_or_throw(
        "INSERT INTO agents(name, last_seen, results) VALUES(?1, ?2, ?3)"
        " ON CONFLICT(name) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen),"
        " results = results + excluded.results");
    upsert_verdict_ = db_.prepare_or_throw(
        "INSERT OR REPLACE INTO verdicts(agent, target, path, since, updated, evidence, tracker,"
        " observed, latency) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    insert_change_ =
        db_.prepare_or_throw("INSERT INTO changes(agent, target, from_path, to_path, at, evidence)"
                             " VALUES(?1, ?2, ?3, ?4, ?5, ?6)");
}

statement& sqlite_store::insert_hops(std::size_t rows) {
    auto& s = insert_hops_[rows - 1];
    if (!s) {
        std::string sql =
            "INSERT OR REPLACE INTO hops(rid, ttl, addr, asn, rtt_ms, replies) VALUES";
        for (std::size_t i = 0; i < rows; ++i) {
            sql += i == 0 ? "(?,?,?,?,?,?)" : ",(?,?,?,?,?,?)";
        }
        std::error_code ec;
        s = db_.prepare(sql, ec);
    }
    return s;
}

std::error_code sqlite_store::insert_hop_rows(std::int64_t rid,
                                              const std::vector<hop_row>& hops) noexcept {
    std::error_code ec;
    for (std::size_t first = 0; first < hops.size(); first += hops_per_statement) {
        const std::size_t n = std::min(hops_per_statement, hops.size() - first);
        auto& h = insert_hops(n);
        if (!h) {
            return make_sqlite_error(SQLITE_ERROR);
        }
        h.reset();
        // The addresses' text stays here until the statement ran (bound without a copy).
        std::optional<addr_text> addrs[hops_per_statement];
        for (std::size_t i = 0; i < n; ++i) {
            const auto& hop = hops[first + i];
            const int p = static_cast<int>(i * 6);
            if (hop.addr) {
                addrs[i].emplace(*hop.addr);
                ec = h.bind_static(p + 3, addrs[i]->view());
            } else {
                ec = h.bind_null(p + 3);
            }
            std::optional<std::int64_t> asn;
            if (hop.asn) {
                asn = static_cast<std::int64_t>(*hop.asn);
            }
            if (ec || (ec = h.bind(p + 1, rid)) || (ec = h.bind(p + 2, std::int64_t{hop.ttl})) ||
                (ec = h.bind(p + 4, asn)) || (ec = h.bind(p + 5, hop.rtt_ms)) ||
                (ec = h.bind(p + 6, std::int64_t{hop.replies}))) {
                return ec;
            }
        }
        if ((ec = h.run())) {
            return ec;
        }
    }
    return ec;
}

std::error_code sqlite_store::insert_result(const result_row& row, bool& inserted) noexcept {
    inserted = false;
    auto& s = insert_result_;
    s.reset();
    const addr_text dst(row.dst);
    std::error_code ec;
    // The row outlives run(): its text is bound without copies.
    if ((ec = s.bind_static(1, row.id)) || (ec = s.bind_static(2, row.agent)) ||
        (ec = s.bind_static(3, row.kind)) || (ec = s.bind_static(4, row.campaign)) ||
        (ec = s.bind_static(5, dst.view())) || (ec = s.bind(6, row.timestamp)) ||
        (ec = s.bind(7, row.received)) || (ec = s.bind_static(8, row.raw_json)) || (ec = s.run())) {
        return ec;
    }
    if (db_.changes() == 0) {
        return {}; // duplicate id: already stored
    }
    inserted = true;
    return insert_hop_rows(db_.last_insert_rowid(), row.hops);
}

std::error_code sqlite_store::touch_agent(const std::string& agent, std::int64_t now,
                                          std::int64_t results) noexcept {
    auto& s = touch_agent_;
    s.reset();
    std::error_code ec;
    if ((ec = s.bind(1, agent)) || (ec = s.bind(2, now)) || (ec = s.bind(3, results))) {
        return ec;
    }
    return s.run();
}

std::error_code sqlite_store::upsert_verdict(const verdict_row& row) noexcept {
    auto& s = upsert_verdict_;
    s.reset();
    std::error_code ec;
    if ((ec = s.bind(1, row.agent)) || (ec = s.bind(2, row.target)) || (ec = s.bind(3, row.path)) ||
        (ec = s.bind(4, row.since)) || (ec = s.bind(5, row.updated)) ||
        (ec = s.bind(6, row.evidence_json)) || (ec = s.bind(7, row.tracker_json)) ||
        (ec = s.bind(8, row.observed)) || (ec = s.bind(9, row.latency_json))) {
        return ec;
    }
    return s.run();
}

std::error_code sqlite_store::insert_change(const change_row& row, std::int64_t& seq) noexcept {
    auto& s = insert_change_;
    s.reset();
    std::error_code ec;
    if ((ec = s.bind(1, row.agent)) || (ec = s.bind(2, row.target)) ||
        (ec = s.bind(3, row.from_path)) || (ec = s.bind(4, row.to_path)) ||
        (ec = s.bind(5, row.at)) || (ec = s.bind(6, row.evidence_json)) || (ec = s.run())) {
        return ec;
    }
    seq = db_.last_insert_rowid();
    return {};
}

std::vector<verdict_row> sqlite_store::load_verdicts(std::error_code& ec) {
    std::vector<verdict_row> out;
    auto s = db_.prepare(
        std::string("SELECT ") + verdict_columns + " FROM verdicts ORDER BY agent, target", ec);
    if (ec) {
        return out;
    }
    while (s.step(ec)) {
        out.push_back(verdict_of(s));
    }
    return out;
}

std::vector<verdict_row> sqlite_store::verdicts_of(const std::string& agent, std::error_code& ec) {
    std::vector<verdict_row> out;
    auto s = db_.prepare(std::string("SELECT ") + verdict_columns +
                             " FROM verdicts WHERE agent = ?1 ORDER BY target",
                         ec);
    if (ec || (ec = s.bind(1, agent))) {
        return out;
    }
    while (s.step(ec)) {
        out.push_back(verdict_of(s));
    }
    return out;
}

std::vector<change_row> sqlite_store::changes_since(std::int64_t since, std::size_t limit,
                                                    std::error_code& ec) {
    std::vector<change_row> out;
    auto s = db_.prepare("SELECT seq, agent, target, from_path, to_path, at, evidence FROM changes"
                         " WHERE at >= ?1 ORDER BY seq LIMIT ?2",
                         ec);
    if (ec || (ec = s.bind(1, since)) || (ec = s.bind(2, static_cast<std::int64_t>(limit)))) {
        return out;
    }
    while (s.step(ec)) {
        out.push_back(change_of(s));
    }
    return out;
}

std::vector<change_count> sqlite_store::change_counts(std::error_code& ec) {
    std::vector<change_count> out;
    auto s = db_.prepare("SELECT agent, target, from_path, to_path, count(*) FROM changes"
                         " GROUP BY agent, target, from_path, to_path",
                         ec);
    if (ec) {
        return out;
    }
    while (s.step(ec)) {
        out.push_back(change_count{s.column_text(0), s.column_text(1), s.column_text(2),
                                   s.column_text(3), s.column_int(4)});
    }
    return out;
}

std::error_code sqlite_store::lock_assignments() noexcept {
    return {}; // BEGIN IMMEDIATE already excludes every other writer
}

std::vector<agent_row> sqlite_store::agents(std::error_code& ec) {
    std::vector<agent_row> out;
    auto s = db_.prepare("SELECT name, last_seen, results FROM agents ORDER BY name", ec);
    if (ec) {
        return out;
    }
    while (s.step(ec)) {
        out.push_back(agent_row{s.column_text(0), s.column_int(1), s.column_int(2)});
    }
    return out;
}

std::vector<change_row> sqlite_store::changes_matching(const change_filter& f,
                                                       std::error_code& ec) {
    std::vector<change_row> out;
    // Only the filters set are in the text: SQLite plans `?3 IS NULL OR agent = ?3` as a scan,
    // `agent = ?3 AND target = ?4` with the index changes_agent_target (schema v3; the store
    // test checks the plan). Every parameter is bound; those not in the text are unused.
    std::string sql = "SELECT seq, agent, target, from_path, to_path, at, evidence FROM changes"
                      " WHERE at >= ?1";
    sql += f.until ? " AND at <= ?2" : "";
    sql += f.agent ? " AND agent = ?3" : "";
    sql += f.target ? " AND target = ?4" : "";
    sql += f.path ? " AND (from_path = ?5 OR to_path = ?5)" : "";
    sql += f.newest ? " ORDER BY seq DESC LIMIT ?6" : " ORDER BY seq LIMIT ?6";
    auto s = db_.prepare(sql, ec);
    if (ec || (ec = s.bind(1, f.since)) || (ec = s.bind(2, f.until)) || (ec = s.bind(3, f.agent)) ||
        (ec = s.bind(4, f.target)) || (ec = s.bind(5, f.path)) ||
        (ec = s.bind(6, static_cast<std::int64_t>(f.limit)))) {
        return out;
    }
    while (s.step(ec)) {
        out.push_back(change_of(s));
    }
    if (f.newest) {
        std::reverse(out.begin(), out.end());
    }
    return out;
}

std::vector<series_row> sqlite_store::results_between(const std::string& agent, std::int64_t from,
                                                      std::int64_t to, std::size_t limit,
                                                      std::error_code& ec) {
    std::vector<series_row> out;
    auto s =
        db_.prepare("SELECT r.timestamp, r.kind, r.id, r.dst,"
                    " (SELECT h.rtt_ms FROM hops h WHERE h.rid = r.rid AND h.rtt_ms IS NOT NULL"
                    "  ORDER BY h.ttl DESC LIMIT 1),"
                    " CASE WHEN r.kind = 'ping' THEN r.raw END"
                    " FROM results r WHERE r.agent = ?1 AND r.timestamp >= ?2 AND r.timestamp <= ?3"
                    " ORDER BY r.timestamp LIMIT ?4",
                    ec);
    if (ec || (ec = s.bind(1, agent)) || (ec = s.bind(2, from)) || (ec = s.bind(3, to)) ||
        (ec = s.bind(4, static_cast<std::int64_t>(limit)))) {
        return out;
    }
    while (s.step(ec)) {
        series_row row;
        row.timestamp = s.column_int(0);
        row.kind = s.column_text(1);
        row.id = s.column_text(2);
        row.dst = s.column_text(3);
        if (!s.column_is_null(4)) {
            row.end_rtt_ms = s.column_double(4);
        }
        if (!s.column_is_null(5)) {
            row.raw = s.column_text(5);
        }
        out.push_back(std::move(row));
    }
    return out;
}

std::vector<change_row> sqlite_store::changes_of(const std::string& agent,
                                                 const std::string& target, std::int64_t until,
                                                 std::error_code& ec) {
    std::vector<change_row> out;
    auto s = db_.prepare("SELECT seq, agent, target, from_path, to_path, at, evidence FROM changes"
                         " WHERE agent = ?1 AND target = ?2 AND at <= ?3 ORDER BY seq",
                         ec);
    if (ec || (ec = s.bind(1, agent)) || (ec = s.bind(2, target)) || (ec = s.bind(3, until))) {
        return out;
    }
    while (s.step(ec)) {
        out.push_back(change_of(s));
    }
    return out;
}

std::optional<trace_row> sqlite_store::trace(const std::string& agent, const std::string& id,
                                             std::error_code& ec) {
    auto r = db_.prepare("SELECT rid, campaign, dst, timestamp, received, raw IS NULL FROM results"
                         " WHERE agent = ?1 AND id = ?2 AND kind = 'traceroute'",
                         ec);
    if (ec || (ec = r.bind(1, agent)) || (ec = r.bind(2, id)) || !r.step(ec)) {
        return std::nullopt;
    }
    trace_row out{id,
                  agent,
                  r.column_text(1),
                  r.column_text(2),
                  r.column_int(3),
                  r.column_int(4),
                  r.column_int(5) != 0,
                  {}};
    auto h = db_.prepare("SELECT ttl, addr, asn, rtt_ms, replies FROM hops WHERE rid = ?1"
                         " ORDER BY ttl",
                         ec);
    if (ec || (ec = h.bind(1, r.column_int(0)))) {
        return std::nullopt;
    }
    while (h.step(ec)) {
        hop_row hop;
        hop.ttl = static_cast<int>(h.column_int(0));
        if (!h.column_is_null(1)) {
            hop.addr = ipv4_addr::parse(h.column_text(1));
        }
        if (!h.column_is_null(2)) {
            hop.asn = static_cast<std::uint32_t>(h.column_int(2));
        }
        if (!h.column_is_null(3)) {
            hop.rtt_ms = h.column_double(3);
        }
        hop.replies = static_cast<int>(h.column_int(4));
        out.hops.push_back(hop);
    }
    if (ec) {
        return std::nullopt;
    }
    return out;
}

std::int64_t sqlite_store::prune(std::int64_t before, std::error_code& ec) noexcept {
    sqlite_transaction tx(db_);
    if ((ec = tx.begin_error())) {
        return 0;
    }
    auto del = db_.prepare(
        "DELETE FROM hops WHERE rid IN (SELECT rid FROM results WHERE received < ?1)", ec);
    if (ec || (ec = del.bind(1, before)) || (ec = del.run())) {
        return 0;
    }
    const std::int64_t deleted = db_.changes();
    auto upd =
        db_.prepare("UPDATE results SET raw = NULL WHERE received < ?1 AND raw IS NOT NULL", ec);
    if (ec || (ec = upd.bind(1, before)) || (ec = upd.run())) {
        return 0;
    }
    if ((ec = tx.commit())) {
        return 0;
    }
    return deleted;
}

namespace {
std::int64_t scalar(database& db, const char* sql, std::error_code& ec) {
    auto s = db.prepare(sql, ec);
    if (ec) {
        return 0;
    }
    return s.step(ec) ? s.column_int(0) : 0;
}
} // namespace

std::int64_t sqlite_store::count_results(std::error_code& ec) {
    return scalar(db_, "SELECT count(*) FROM results", ec);
}

std::int64_t sqlite_store::count_hops(std::error_code& ec) {
    return scalar(db_, "SELECT count(*) FROM hops", ec);
}

std::int64_t sqlite_store::count_changes(std::error_code& ec) {
    return scalar(db_, "SELECT count(*) FROM changes", ec);
}

std::error_code sqlite_store::lock_verdict(const std::string& agent, const std::string& target,
                                           std::optional<verdict_row>& row) noexcept {
    row.reset();
    std::error_code ec;
    auto s = db_.prepare(std::string("SELECT ") + verdict_columns +
                             " FROM verdicts WHERE agent = ?1 AND target = ?2",
                         ec);
    if (ec || (ec = s.bind(1, agent)) || (ec = s.bind(2, target))) {
        return ec;
    }
    try {
        if (s.step(ec)) {
            row = verdict_of(s);
        }
    } catch (const std::bad_alloc&) {
        return std::make_error_code(std::errc::not_enough_memory);
    }
    return ec;
}

std::optional<std::string> sqlite_store::raw_result(const std::string& agent, const std::string& id,
                                                    std::error_code& ec) {
    auto s = db_.prepare("SELECT raw FROM results WHERE agent = ?1 AND id = ?2", ec);
    if (ec || (ec = s.bind(1, agent)) || (ec = s.bind(2, id))) {
        return std::nullopt;
    }
    if (!s.step(ec) || s.column_is_null(0)) {
        return std::nullopt;
    }
    return s.column_text(0);
}

std::int64_t sqlite_store::schema_version(std::error_code& ec) {
    return scalar(db_, "PRAGMA user_version", ec);
}

std::vector<assignment_row> sqlite_store::assignments_of(const std::string& agent,
                                                         std::error_code& ec) {
    std::vector<assignment_row> out;
    auto s = db_.prepare("SELECT agent, campaign, target, since, until FROM assignments"
                         " WHERE agent = ?1 ORDER BY campaign, target, since",
                         ec);
    if (ec || (ec = s.bind(1, agent))) {
        return out;
    }
    while (s.step(ec)) {
        out.push_back(
            assignment_row{s.column_text(0), s.column_text(1), s.column_text(2), s.column_int(3),
                           s.column_is_null(4) ? std::nullopt : std::optional(s.column_int(4))});
    }
    return out;
}

std::vector<assignment_row> sqlite_store::open_assignments(std::error_code& ec) {
    std::vector<assignment_row> out;
    auto s = db_.prepare("SELECT agent, campaign, target, since FROM assignments"
                         " WHERE until IS NULL ORDER BY agent, campaign, target",
                         ec);
    if (ec) {
        return out;
    }
    while (s.step(ec)) {
        out.push_back(assignment_row{s.column_text(0), s.column_text(1), s.column_text(2),
                                     s.column_int(3), std::nullopt});
    }
    return out;
}

bool sqlite_store::has_assignment_history(std::error_code& ec) {
    return scalar(db_, "SELECT EXISTS(SELECT 1 FROM assignments)", ec) != 0;
}

std::error_code sqlite_store::open_assignment(const assignment_key& key,
                                              std::int64_t since) noexcept {
    std::error_code ec;
    auto s = db_.prepare("INSERT INTO assignments(agent, campaign, target, since, until)"
                         " VALUES(?1, ?2, ?3, ?4, NULL)",
                         ec);
    if (ec || (ec = s.bind(1, key.agent)) || (ec = s.bind(2, key.campaign)) ||
        (ec = s.bind(3, key.target)) || (ec = s.bind(4, since))) {
        return ec;
    }
    return s.run();
}

std::error_code sqlite_store::close_assignment(const assignment_key& key,
                                               std::int64_t until) noexcept {
    std::error_code ec;
    auto s = db_.prepare("UPDATE assignments SET until = ?4 WHERE agent = ?1 AND campaign = ?2"
                         " AND target = ?3 AND until IS NULL",
                         ec);
    if (ec || (ec = s.bind(1, key.agent)) || (ec = s.bind(2, key.campaign)) ||
        (ec = s.bind(3, key.target)) || (ec = s.bind(4, until))) {
        return ec;
    }
    return s.run();
}

std::int64_t sqlite_store::prune_assignments(std::int64_t before, std::error_code& ec) noexcept {
    auto s = db_.prepare("DELETE FROM assignments WHERE until IS NOT NULL AND until < ?1", ec);
    if (ec || (ec = s.bind(1, before)) || (ec = s.run())) {
        return 0;
    }
    return db_.changes();
}

} // namespace tumen::controller::store
