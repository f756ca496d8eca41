#include "pg_store.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include "pg_schema.hpp"

namespace tumen::controller::store {
namespace {

/// A change event from a row of `SELECT seq, agent, target, from_path, to_path, at, evidence`.
change_row change_of(const pqxx::row& r) {
    return change_row{r[0].as<std::int64_t>(), r[1].as<std::string>(), r[2].as<std::string>(),
                      r[3].as<std::string>(),  r[4].as<std::string>(), r[5].as<std::int64_t>(),
                      r[6].as<std::string>()};
}

class pg_category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "postgresql"; }
    std::string message(int v) const override {
        switch (static_cast<pg_errc>(v)) {
        case pg_errc::failed:
            return "PostgreSQL statement failed";
        case pg_errc::connection:
            return "PostgreSQL connection lost";
        case pg_errc::conflict:
            return "PostgreSQL deadlock or serialization failure";
        case pg_errc::no_transaction:
            return "row lock outside a transaction";
        }
        return "PostgreSQL error " + std::to_string(v);
    }
};

std::error_code make_pg_error(pg_errc e) noexcept {
    return {static_cast<int>(e), pg_category()};
}

/// Appends `v` in its shortest exact decimal form.
void append_number(std::string& out, double v) {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, ec == std::errc{} ? end : buf);
}

/// The hops of a result as the JSON array json_to_recordset reads (addresses are dotted
/// quads: nothing to escape).
std::string hops_json(const std::vector<hop_row>& hops) {
    std::string out = "[";
    for (const auto& h : hops) {
        if (out.size() > 1) {
            out += ',';
        }
        out += "{\"ttl\":" + std::to_string(h.ttl);
        if (h.addr) {
            out += ",\"addr\":\"" + h.addr->to_string() + "\"";
        }
        if (h.asn) {
            out += ",\"asn\":" + std::to_string(*h.asn);
        }
        if (h.rtt_ms && std::isfinite(*h.rtt_ms)) {
            out += ",\"rtt_ms\":";
            append_number(out, *h.rtt_ms);
        }
        out += ",\"replies\":" + std::to_string(h.replies) + "}";
    }
    out += ']';
    return out;
}

verdict_row verdict_of(const pqxx::row& r) {
    return verdict_row{r[0].as<std::string>(),  r[1].as<std::string>(),  r[2].as<std::string>(),
                       r[3].as<std::int64_t>(), r[4].as<std::int64_t>(), r[5].as<std::string>(),
                       r[6].as<std::string>(),  r[7].as<std::int64_t>(), r[8].as<std::string>()};
}

constexpr const char* verdict_columns =
    "agent, target, path, since, updated, evidence, tracker, observed, latency";

} // namespace

const std::error_category& pg_category() noexcept {
    static const pg_category_impl c;
    return c;
}

std::unique_ptr<pg_store> pg_store::open(const std::string& uri) {
    std::unique_ptr<pqxx::connection> conn;
    try {
        conn = std::make_unique<pqxx::connection>(uri);
    } catch (const std::exception& e) {
        throw store_error(std::string("cannot connect to PostgreSQL: ") + e.what());
    }
    prepare_pg_schema(*conn);
    try {
        auto& c = *conn;
        c.prepare("insert_result",
                  "WITH r AS (INSERT INTO results(id, agent, kind, campaign, dst, timestamp,"
                  " received, raw) VALUES($1, $2, $3, $4, $5, $6, $7, $8)"
                  " ON CONFLICT (agent, id) DO NOTHING RETURNING rid),"
                  " h AS (INSERT INTO hops(rid, ttl, addr, asn, rtt_ms, replies)"
                  " SELECT r.rid, x.ttl, x.addr, x.asn, x.rtt_ms, x.replies FROM r,"
                  " json_to_recordset($9::json) AS x(ttl integer, addr text, asn bigint,"
                  " rtt_ms double precision, replies integer))"
                  " SELECT count(*) FROM r");
        c.prepare("touch_agent",
                  "INSERT INTO agents(name, last_seen, results) VALUES($1, $2, $3)"
                  " ON CONFLICT(name) DO UPDATE SET last_seen = greatest(agents.last_seen,"
                  " excluded.last_seen), results = agents.results + excluded.results");
        c.prepare("upsert_verdict",
                  "INSERT INTO verdicts(agent, target, path, since, updated, evidence, tracker,"
                  " observed, latency) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                  " ON CONFLICT(agent, target) DO UPDATE SET path = excluded.path,"
                  " since = excluded.since, updated = excluded.updated,"
                  " evidence = excluded.evidence, tracker = excluded.tracker,"
                  " observed = excluded.observed, latency = excluded.latency");
        c.prepare("insert_change",
                  "INSERT INTO changes(agent, target, from_path, to_path, at, evidence)"
                  " VALUES($1, $2, $3, $4, $5, $6) RETURNING seq");
        // One key per (agent, target): new pairs have no row to lock yet.
        c.prepare("lock_pair",
                  "SELECT pg_advisory_xact_lock(hashtextextended($1::text || ' ' || $2::text, 0))");
        c.prepare("read_verdict", std::string("SELECT ") + verdict_columns +
                                      " FROM verdicts WHERE agent = $1 AND target = $2 FOR UPDATE");
    } catch (const std::exception& e) {
        throw store_error(std::string("cannot prepare PostgreSQL statements: ") + e.what());
    }
    return std::unique_ptr<pg_store>(new pg_store(std::move(conn)));
}

pg_store::pg_store(std::unique_ptr<pqxx::connection> conn)
    : conn_(std::move(conn)) {}

std::error_code pg_store::fail(const std::exception& e) noexcept {
    try {
        message_ = e.what();
    } catch (...) {
    }
    if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
        return make_pg_error(pg_errc::connection);
    }
    if (dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr ||
        dynamic_cast<const pqxx::serialization_failure*>(&e) != nullptr) {
        return make_pg_error(pg_errc::conflict);
    }
    return make_pg_error(pg_errc::failed);
}

template <class F>
std::error_code pg_store::run(F&& f) noexcept {
    try {
        if (tx_) {
            f(static_cast<pqxx::transaction_base&>(*tx_));
            return {};
        }
        pqxx::work w(*conn_);
        f(static_cast<pqxx::transaction_base&>(w));
        w.commit();
        return {};
    } catch (const std::exception& e) {
        return fail(e);
    }
}

std::error_code pg_store::begin_tx() noexcept {
    try {
        tx_.reset();
        // A broken connection is re-established by libpqxx when a transaction starts; the
        // prepared statements are prepared again on first use.
        tx_ = std::make_unique<pqxx::work>(*conn_);
        return {};
    } catch (const std::exception& e) {
        return fail(e);
    }
}

std::error_code pg_store::commit_tx() noexcept {
    if (!tx_) {
        return make_pg_error(pg_errc::no_transaction);
    }
    try {
        tx_->commit();
        tx_.reset();
        return {};
    } catch (const std::exception& e) {
        tx_.reset();
        return fail(e);
    }
}

void pg_store::rollback_tx() noexcept {
    try {
        if (tx_) {
            tx_->abort();
        }
    } catch (...) {
    }
    tx_.reset();
}

std::error_code pg_store::insert_result(const result_row& row, bool& inserted) noexcept {
    inserted = false;
    return run([&](pqxx::transaction_base& t) {
        const auto r = t.exec_prepared("insert_result", row.id, row.agent, row.kind, row.campaign,
                                       row.dst.to_string(), row.timestamp, row.received,
                                       std::string(row.raw_json), hops_json(row.hops));
        inserted = r[0][0].as<std::int64_t>() > 0;
    });
}

std::error_code pg_store::touch_agent(const std::string& agent, std::int64_t now,
                                      std::int64_t results) noexcept {
    return run(
        [&](pqxx::transaction_base& t) { t.exec_prepared("touch_agent", agent, now, results); });
}

std::error_code pg_store::upsert_verdict(const verdict_row& row) noexcept {
    return run([&](pqxx::transaction_base& t) {
        t.exec_prepared("upsert_verdict", row.agent, row.target, row.path, row.since, row.updated,
                        row.evidence_json, row.tracker_json, row.observed, row.latency_json);
    });
}

std::error_code pg_store::insert_change(const change_row& row, std::int64_t& seq) noexcept {
    return run([&](pqxx::transaction_base& t) {
        const auto r = t.exec_prepared("insert_change", row.agent, row.target, row.from_path,
                                       row.to_path, row.at, row.evidence_json);
        seq = r[0][0].as<std::int64_t>();
    });
}

std::error_code pg_store::lock_verdict(const std::string& agent, const std::string& target,
                                       std::optional<verdict_row>& row) noexcept {
    row.reset();
    if (!tx_) {
        return make_pg_error(pg_errc::no_transaction);
    }
    return run([&](pqxx::transaction_base& t) {
        t.exec_prepared("lock_pair", agent, target);
        const auto r = t.exec_prepared("read_verdict", agent, target);
        if (!r.empty()) {
            row = verdict_of(r[0]);
        }
    });
}

std::vector<verdict_row> pg_store::load_verdicts(std::error_code& ec) {
    std::vector<verdict_row> out;
    ec = run([&](pqxx::transaction_base& t) {
        for (const auto& r : t.exec(std::string("SELECT ") + verdict_columns +
                                    " FROM verdicts ORDER BY agent, target")) {
            out.push_back(verdict_of(r));
        }
    });
    return out;
}

std::vector<verdict_row> pg_store::verdicts_of(const std::string& agent, std::error_code& ec) {
    std::vector<verdict_row> out;
    ec = run([&](pqxx::transaction_base& t) {
        for (const auto& r : t.exec_params(std::string("SELECT ") + verdict_columns +
                                               " FROM verdicts WHERE agent = $1 ORDER BY target",
                                           agent)) {
            out.push_back(verdict_of(r));
        }
    });
    return out;
}

std::vector<change_row> pg_store::changes_since(std::int64_t since, std::size_t limit,
                                                std::error_code& ec) {
    std::vector<change_row> out;
    ec = run([&](pqxx::transaction_base& t) {
        for (const auto& r :
             t.exec_params("SELECT seq, agent, target, from_path, to_path, at, evidence FROM"
                           " changes WHERE at >= $1 ORDER BY seq LIMIT $2",
                           since, static_cast<std::int64_t>(limit))) {
            out.push_back(change_of(r));
        }
    });
    return out;
}

std::vector<change_count> pg_store::change_counts(std::error_code& ec) {
    std::vector<change_count> out;
    ec = run([&](pqxx::transaction_base& t) {
        for (const auto& r : t.exec("SELECT agent, target, from_path, to_path, count(*) FROM"
                                    " changes GROUP BY agent, target, from_path, to_path")) {
            out.push_back(change_count{r[0].as<std::string>(), r[1].as<std::string>(),
                                       r[2].as<std::string>(), r[3].as<std::string>(),
                                       r[4].as<std::int64_t>()});
        }
    });
    return out;
}

std::error_code pg_store::lock_assignments() noexcept {
    if (!tx_) {
        return make_pg_error(pg_errc::no_transaction);
    }
    return run(
        [&](pqxx::transaction_base& t) { t.exec("SELECT pg_advisory_xact_lock(7627113, 3)"); });
}

std::vector<agent_row> pg_store::agents(std::error_code& ec) {
    std::vector<agent_row> out;
    ec = run([&](pqxx::transaction_base& t) {
        for (const auto& r : t.exec("SELECT name, last_seen, results FROM agents ORDER BY name")) {
            out.push_back(agent_row{r[0].as<std::string>(), r[1].as<std::int64_t>(),
                                    r[2].as<std::int64_t>()});
        }
    });
    return out;
}

std::int64_t pg_store::prune(std::int64_t before, std::error_code& ec) noexcept {
    std::int64_t deleted = 0;
    ec = run([&](pqxx::transaction_base& t) {
        deleted = static_cast<std::int64_t>(
            t.exec_params("DELETE FROM hops WHERE rid IN (SELECT rid FROM results WHERE"
                          " received < $1)",
                          before)
                .affected_rows());
        t.exec_params("UPDATE results SET raw = NULL WHERE received < $1 AND raw IS NOT NULL",
                      before);
    });
    return ec ? 0 : deleted;
}

std::int64_t pg_store::scalar(const char* sql, std::error_code& ec) {
    std::int64_t v = 0;
    ec = run([&](pqxx::transaction_base& t) {
        const auto r = t.exec(sql);
        v = r.empty() || r[0][0].is_null() ? 0 : r[0][0].as<std::int64_t>();
    });
    return v;
}

std::int64_t pg_store::count_results(std::error_code& ec) {
    return scalar("SELECT count(*) FROM results", ec);
}

std::int64_t pg_store::count_hops(std::error_code& ec) {
    return scalar("SELECT count(*) FROM hops", ec);
}

std::int64_t pg_store::count_changes(std::error_code& ec) {
    return scalar("SELECT count(*) FROM changes", ec);
}

namespace {
/// A text parameter that is NULL when absent (libpqxx 6.4 passes a null C string as NULL).
const char* text_or_null(const std::optional<std::string>& v) noexcept {
    return v ? v->c_str() : nullptr;
}
} // namespace

std::vector<change_row> pg_store::changes_matching(const change_filter& f, std::error_code& ec) {
    std::vector<change_row> out;
    const std::optional<std::string> until =
        f.until ? std::optional(std::to_string(*f.until)) : std::nullopt;
    ec = run([&](pqxx::transaction_base& t) {
        for (const auto& r : t.exec_params(
                 "SELECT seq, agent, target, from_path, to_path, at, evidence FROM changes"
                 " WHERE at >= $1 AND ($2::bigint IS NULL OR at <= $2::bigint)"
                 " AND ($3::text IS NULL OR agent = $3) AND ($4::text IS NULL OR target = $4)"
                 " AND ($5::text IS NULL OR from_path = $5 OR to_path = $5)" +
                     std::string(f.newest ? " ORDER BY seq DESC" : " ORDER BY seq") + " LIMIT $6",
                 f.since, text_or_null(until), text_or_null(f.agent), text_or_null(f.target),
                 text_or_null(f.path), static_cast<std::int64_t>(f.limit))) {
            out.push_back(change_of(r));
        }
    });
    if (f.newest) {
        std::reverse(out.begin(), out.end());
    }
    return out;
}

std::vector<series_row> pg_store::results_between(const std::string& agent, std::int64_t from,
                                                  std::int64_t to, std::size_t limit,
                                                  std::error_code& ec) {
    std::vector<series_row> out;
    ec = run([&](pqxx::transaction_base& t) {
        for (const auto& r : t.exec_params(
                 "SELECT r.timestamp, r.kind, r.id, r.dst,"
                 " (SELECT h.rtt_ms FROM hops h WHERE h.rid = r.rid AND h.rtt_ms IS NOT NULL"
                 "  ORDER BY h.ttl DESC LIMIT 1),"
                 " CASE WHEN r.kind = 'ping' THEN r.raw END"
                 " FROM results r WHERE r.agent = $1 AND r.timestamp >= $2 AND r.timestamp <= $3"
                 " ORDER BY r.timestamp LIMIT $4",
                 agent, from, to, static_cast<std::int64_t>(limit))) {
            series_row row;
            row.timestamp = r[0].as<std::int64_t>();
            row.kind = r[1].as<std::string>();
            row.id = r[2].as<std::string>();
            row.dst = r[3].as<std::string>();
            if (!r[4].is_null()) {
                row.end_rtt_ms = r[4].as<double>();
            }
            if (!r[5].is_null()) {
                row.raw = r[5].as<std::string>();
            }
            out.push_back(std::move(row));
        }
    });
    return out;
}

std::vector<change_row> pg_store::changes_of(const std::string& agent, const std::string& target,
                                             std::int64_t until, std::error_code& ec) {
    std::vector<change_row> out;
    ec = run([&](pqxx::transaction_base& t) {
        for (const auto& r :
             t.exec_params("SELECT seq, agent, target, from_path, to_path, at, evidence FROM"
                           " changes WHERE agent = $1 AND target = $2 AND at <= $3 ORDER BY seq",
                           agent, target, until)) {
            out.push_back(change_of(r));
        }
    });
    return out;
}

std::optional<trace_row> pg_store::trace(const std::string& agent, const std::string& id,
                                         std::error_code& ec) {
    std::optional<trace_row> out;
    ec = run([&](pqxx::transaction_base& t) {
        const auto r = t.exec_params("SELECT rid, campaign, dst, timestamp, received, raw IS NULL"
                                     " FROM results WHERE agent = $1 AND id = $2"
                                     " AND kind = 'traceroute'",
                                     agent, id);
        if (r.empty()) {
            return;
        }
        trace_row row{id,
                      agent,
                      r[0][1].as<std::string>(),
                      r[0][2].as<std::string>(),
                      r[0][3].as<std::int64_t>(),
                      r[0][4].as<std::int64_t>(),
                      r[0][5].as<bool>(),
                      {}};
        for (const auto& h :
             t.exec_params("SELECT ttl, addr, asn, rtt_ms, replies FROM hops WHERE rid = $1"
                           " ORDER BY ttl",
                           r[0][0].as<std::int64_t>())) {
            hop_row hop;
            hop.ttl = h[0].as<int>();
            if (!h[1].is_null()) {
                hop.addr = ipv4_addr::parse(h[1].as<std::string>());
            }
            if (!h[2].is_null()) {
                hop.asn = static_cast<std::uint32_t>(h[2].as<std::int64_t>());
            }
            if (!h[3].is_null()) {
                hop.rtt_ms = h[3].as<double>();
            }
            hop.replies = h[4].as<int>();
            row.hops.push_back(hop);
        }
        out = std::move(row);
    });
    return out;
}

std::optional<std::string> pg_store::raw_result(const std::string& agent, const std::string& id,
                                                std::error_code& ec) {
    std::optional<std::string> out;
    ec = run([&](pqxx::transaction_base& t) {
        const auto r =
            t.exec_params("SELECT raw FROM results WHERE agent = $1 AND id = $2", agent, id);
        if (!r.empty() && !r[0][0].is_null()) {
            out = r[0][0].as<std::string>();
        }
    });
    return out;
}

std::int64_t pg_store::schema_version(std::error_code& ec) {
    return scalar("SELECT max(version) FROM schema_version", ec);
}

std::vector<assignment_row> pg_store::assignments_of(const std::string& agent,
                                                     std::error_code& ec) {
    std::vector<assignment_row> out;
    ec = run([&](pqxx::transaction_base& t) {
        for (const auto& r : t.exec_params("SELECT agent, campaign, target, since, until FROM"
                                           " assignments WHERE agent = $1"
                                           " ORDER BY campaign, target, since",
                                           agent)) {
            out.push_back(assignment_row{r[0].as<std::string>(), r[1].as<std::string>(),
                                         r[2].as<std::string>(), r[3].as<std::int64_t>(),
                                         r[4].is_null() ? std::nullopt
                                                        : std::optional(r[4].as<std::int64_t>())});
        }
    });
    return out;
}

std::vector<assignment_row> pg_store::open_assignments(std::error_code& ec) {
    std::vector<assignment_row> out;
    ec = run([&](pqxx::transaction_base& t) {
        for (const auto& r : t.exec("SELECT agent, campaign, target, since FROM assignments"
                                    " WHERE until IS NULL ORDER BY agent, campaign, target")) {
            out.push_back(assignment_row{r[0].as<std::string>(), r[1].as<std::string>(),
                                         r[2].as<std::string>(), r[3].as<std::int64_t>(),
                                         std::nullopt});
        }
    });
    return out;
}

bool pg_store::has_assignment_history(std::error_code& ec) {
    return scalar("SELECT count(*) FROM (SELECT 1 FROM assignments LIMIT 1) a", ec) != 0;
}

std::error_code pg_store::open_assignment(const assignment_key& key, std::int64_t since) noexcept {
    return run([&](pqxx::transaction_base& t) {
        t.exec_params("INSERT INTO assignments(agent, campaign, target, since, until)"
                      " VALUES($1, $2, $3, $4, NULL)",
                      key.agent, key.campaign, key.target, since);
    });
}

std::error_code pg_store::close_assignment(const assignment_key& key, std::int64_t until) noexcept {
    return run([&](pqxx::transaction_base& t) {
        t.exec_params("UPDATE assignments SET until = $4 WHERE agent = $1 AND campaign = $2"
                      " AND target = $3 AND until IS NULL",
                      key.agent, key.campaign, key.target, until);
    });
}

std::int64_t pg_store::prune_assignments(std::int64_t before, std::error_code& ec) noexcept {
    std::int64_t deleted = 0;
    ec = run([&](pqxx::transaction_base& t) {
        deleted = static_cast<std::int64_t>(
            t.exec_params("DELETE FROM assignments WHERE until IS NOT NULL AND until < $1", before)
                .affected_rows());
    });
    return ec ? 0 : deleted;
}

bool pg_store::try_exporter_lease() noexcept {
    if (tx_) {
        return false;
    }
    bool held = false;
    // A session lock: held until this process or its connection dies. Checked in pg_locks
    // first, because taking a session lock again would stack it.
    const auto ec = run([&](pqxx::transaction_base& t) {
        const auto r = t.exec("SELECT CASE WHEN EXISTS(SELECT 1 FROM pg_locks WHERE"
                              " locktype = 'advisory' AND pid = pg_backend_pid()"
                              " AND classid = 7627113 AND objid = 2 AND objsubid = 2)"
                              " THEN true ELSE pg_try_advisory_lock(7627113, 2) END");
        held = r[0][0].as<bool>();
    });
    return !ec && held;
}

} // namespace tumen::controller::store
