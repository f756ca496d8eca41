#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include <tumen/controller/inference/ping_target.hpp>
#include <tumen/controller/inference/tracker_snapshot.hpp>
#include <tumen/controller/pipeline/apply.hpp>

#include "latency_row.hpp"
#include "store_rows.hpp"

namespace tumen::controller::pipeline {
namespace {

namespace inf = tumen::controller::inference;
using verdict_key = std::pair<std::string, std::string>;

/// One batch inside its transaction: stores each result, feeds the classifier and records
/// what the metrics will show once the transaction committed.
class batch_run {
public:
    batch_run(const parsed_batch& batch, store::store& db, verdict_state& state, std::int64_t now)
        : batch_(batch)
        , db_(db)
        , state_(state) {
        out_.agent = batch.agent;
        out_.now = now;
    }

    /// Every step up to (not including) the commit; the first storage error.
    std::error_code run() {
        if (db_.shared()) {
            if (auto ec = lock_pairs()) {
                return ec;
            }
        }
        for (const auto& r : batch_.results) {
            if (auto ec = store_one(r)) {
                return ec;
            }
        }
        if (auto ec = persist_verdicts()) {
            return ec;
        }
        return db_.touch_agent(out_.agent, out_.now, static_cast<std::int64_t>(out_.stored));
    }

    batch_outcome& outcome() noexcept { return out_; }

private:
    /// A store other replicas write too: locks every (agent, target) this batch may move,
    /// in one order (so replicas do not deadlock on them), and takes each one's tracker state
    /// from its stored row when another replica moved it since this one last did. Held until
    /// the commit, so no two replicas run the same tracker at once. A ping to a hop (its
    /// target found from the latest trace's ping target) locks the pair that trace chose; if
    /// a trace earlier in the batch hands the hop to another pair, infer_ping locks that one
    /// late, out of order, and a deadlock it causes makes apply() run the batch again.
    std::error_code lock_pairs() {
        std::set<verdict_key> keys;
        const auto& cls = state_.classifier();
        bool agent_read = false;
        for (const auto& r : batch_.results) {
            std::optional<std::pair<const campaign::campaign*, ipv4_prefix>> m;
            if (const auto* t = std::get_if<result::trace>(&r.value)) {
                m = cls.match(t->campaign, t->dst);
            } else if (const auto* p = std::get_if<result::ping>(&r.value)) {
                m = cls.match(p->campaign, p->dst);
                if (!m && !agent_read) {
                    // Another replica may have chosen this hop: read the agent's rows first.
                    agent_read = true;
                    if (auto ec = refresh_agent()) {
                        return ec;
                    }
                }
                if (!m) {
                    if (auto pinged = state_.target_pinged(out_.agent, p->dst)) {
                        keys.emplace(out_.agent, std::move(*pinged));
                    }
                }
            }
            if (m) {
                keys.emplace(out_.agent, m->second.to_string());
            }
        }
        for (const auto& key : keys) {
            if (auto ec = lock_pair(key)) {
                return ec;
            }
        }
        return {};
    }

    /// Takes the state of the agent's pairs that another replica moved from their rows
    /// (unlocked: lock_pair reads each one again under its lock).
    std::error_code refresh_agent() {
        std::error_code ec;
        for (const auto& row : db_.verdicts_of(out_.agent, ec)) {
            const auto cached = state_.verdicts().find({row.agent, row.target});
            if (cached == state_.verdicts().end() || !(cached->second == row)) {
                state_.refresh(row);
            }
        }
        return ec;
    }

    /// Locks `key` (shared store) and takes its state from the stored row if another replica
    /// moved it.
    std::error_code lock_pair(const verdict_key& key) {
        if (!db_.shared() || !locked_.insert(key).second) {
            return {};
        }
        std::optional<store::verdict_row> row;
        if (auto ec = db_.lock_verdict(key.first, key.second, row)) {
            return ec;
        }
        if (!row) {
            return {};
        }
        const auto cached = state_.verdicts().find(key);
        if (cached == state_.verdicts().end() || !(cached->second == *row)) {
            state_.refresh(*row);
        }
        return {};
    }

    std::error_code store_one(const parsed_result& r) {
        bool inserted = false;
        if (auto ec =
                db_.insert_result(result_row_of(r, out_.agent, out_.now, state_.map()), inserted)) {
            return ec;
        }
        if (!inserted) {
            ++out_.duplicates;
            return {};
        }
        ++out_.stored;
        if (const auto* t = std::get_if<result::trace>(&r.value)) {
            return infer_trace(*t);
        }
        return infer_ping(std::get<result::ping>(r.value));
    }

    std::error_code infer_trace(const result::trace& t) {
        auto o = state_.classifier().process(t);
        if (!o.verdict) {
            return {};
        }
        const auto& v = *o.verdict;
        const std::string target = v.target.to_string();
        const std::string observed = inf::path_name(inf::path_identity(v.verdict));
        if (v.verdict.border_rtt_ms) {
            out_.rtts.push_back({target, observed, *v.verdict.border_rtt_ms / 1000.0, true});
        }
        if (v.verdict.end_rtt_ms) {
            out_.rtts.push_back({target, observed, *v.verdict.end_rtt_ms / 1000.0, false});
        }
        verdict_key key{out_.agent, target};
        state_.observed()[key] =
            observed_trace{v.target, observed, inf::choose_ping_target(t, v.verdict)};
        auto& vr = state_.verdicts()[key];
        vr.agent = out_.agent;
        vr.target = target;
        vr.updated = std::max(vr.updated, v.time);
        vr.observed = std::max(vr.observed, out_.now); // staleness counts from receipt
        touched_.insert_or_assign(std::move(key), v);
        return o.change ? record_change(target, *o.change) : std::error_code{};
    }

    std::error_code record_change(const std::string& target, const inf::change_record& change) {
        const auto& e = change.event;
        store::change_row c{
            0, out_.agent, target, e.from, e.to, e.first_new_time, change_evidence(change)};
        if (auto ec = db_.insert_change(c, c.seq)) {
            return ec;
        }
        out_.path_changes.push_back(
            {target, inf::path_name(e.from.empty() ? "none" : e.from), inf::path_name(e.to)});
        out_.change_rows.push_back(std::move(c));
        ++out_.changes;
        return {};
    }

    /// A ping's RTTs and loss go under the path its (agent, target)'s latest trace observed.
    /// A ping to an address outside every campaign target is one the controller pointed at a
    /// hop that answers for a target (ping_target.hpp). What it measured goes to the pair's
    /// latency series, written to its verdict row (persist_verdicts); before the pair's first
    /// trace it has no row, and the ping counts only in the metrics, so that every replica
    /// and every restart sees the same series.
    std::error_code infer_ping(const result::ping& p) {
        auto& cls = state_.classifier();
        std::string target;
        ipv4_prefix prefix;
        if (auto m = cls.match(p.campaign, p.dst)) {
            target = m->second.to_string();
            prefix = m->second;
            if (auto ec = lock_pair({out_.agent, target})) { // already locked: nothing to do
                return ec;
            }
        } else if (auto pinged = state_.target_pinged(out_.agent, p.dst)) {
            target = std::move(*pinged);
            if (auto ec = lock_pair({out_.agent, target})) {
                return ec;
            }
            // The stored row, once locked, may point pings elsewhere: then this ping is not
            // the pair's any more.
            const auto o = state_.observed().find({out_.agent, target});
            if (o == state_.observed().end() || o->second.ping_target != p.dst) {
                return {};
            }
            prefix = o->second.target;
        } else {
            return {};
        }
        const bool has_row = state_.verdicts().count({out_.agent, target}) > 0;
        if (has_row) {
            cls.process(p, prefix);
            pinged_.emplace(out_.agent, target);
        }
        std::string path = inf::path_none;
        if (auto o = state_.observed().find({out_.agent, target}); o != state_.observed().end()) {
            path = o->second.path;
        }
        for (const auto& rtt : p.rtts_ms) {
            if (rtt) {
                out_.rtts.push_back({target, path, *rtt / 1000.0, false});
            }
        }
        if (p.sent > 0) {
            const double ratio = static_cast<double>(p.sent - std::min(p.received, p.sent)) /
                                 static_cast<double>(p.sent);
            if (has_row) { // kept in the row, for the exporter of a shared store
                auto& loss = state_.losses()[{out_.agent, target}];
                loss.ratio = ratio;
                loss.by_path[path] = ratio;
            }
            out_.losses.push_back({target, ratio, std::move(path)});
        }
        return {};
    }

    /// Writes the tracker state of every (agent, target) this batch moved: traces move the
    /// tracker and the latency series, pings the latency series.
    std::error_code persist_verdicts() {
        const auto& cls = state_.classifier();
        const auto& trackers = cls.trackers();
        for (const auto& key : pinged_) {
            if (touched_.count(key) > 0) {
                continue; // written below with the trace's verdict
            }
            auto& vr = state_.verdicts()[key];
            const auto prefix = ipv4_prefix::parse(key.second, true);
            if (!prefix) {
                continue;
            }
            vr.latency_json =
                latency_to_json(cls.latency_of(inf::track_key{key.first, *prefix}), loss_of(key));
            if (auto ec = db_.upsert_verdict(vr)) {
                return ec;
            }
        }
        for (const auto& [key, latest] : touched_) {
            auto& vr = state_.verdicts()[key];
            const auto o = state_.observed().find(key);
            vr.evidence_json = verdict_evidence(
                latest, state_.map(),
                o == state_.observed().end() ? std::nullopt : o->second.ping_target);
            auto tr = trackers.find(inf::track_key{key.first, latest.target});
            if (tr == trackers.end()) {
                continue;
            }
            const auto& snap = tr->second.snapshot();
            vr.path = snap.current;
            vr.since = snap.current_since;
            vr.tracker_json = inf::snapshot_to_json(snap);
            vr.latency_json = latency_to_json(cls.latency_of(tr->first), loss_of(key));
            out_.reachable[key.second] = snap.reachable;
            if (auto ec = db_.upsert_verdict(vr)) {
                return ec;
            }
            if (!snap.current.empty()) {
                out_.paths[key.second] = inf::path_name(snap.current);
            }
        }
        return {};
    }

    /// The last ping's loss of `key`, to keep in its row.
    const last_loss& loss_of(const verdict_key& key) const {
        static const last_loss none;
        const auto it = state_.losses().find(key);
        return it == state_.losses().end() ? none : it->second;
    }

    const parsed_batch& batch_;
    store::store& db_;
    verdict_state& state_;
    batch_outcome out_;
    /// (agent, target) -> the batch's latest verdict; its evidence is serialised once.
    std::map<verdict_key, inf::verdict_record> touched_;
    /// (agent, target) with a verdict row whose latency series a ping of the batch moved.
    std::set<verdict_key> pinged_;
    /// (agent, target) locked in this transaction (shared store).
    std::set<verdict_key> locked_;
};

/// How many times a batch runs when the store aborts it as a deadlock or serialization failure.
constexpr int conflict_attempts = 3;

batch_error storage_error(std::string what, std::size_t results) {
    return batch_error{error_kind::storage_unavailable, std::move(what), "", results};
}

} // namespace

expected<batch_outcome> apply(const parsed_batch& batch, store::store& db, verdict_state& state,
                              std::int64_t now) {
    const std::size_t count = batch.results.size();
    for (int attempt = 1;; ++attempt) {
        std::error_code ec;
        {
            auto tx = db.begin();
            if ((ec = tx.begin_error())) {
                spdlog::error("ingest: BEGIN failed: {}", db.last_message());
                return storage_error("storage unavailable: " + ec.message(), count);
            }
            batch_run run(batch, db, state, now);
            ec = run.run();
            if (!ec) {
                ec = tx.commit();
            }
            if (!ec) {
                return std::move(run.outcome());
            }
        }
        // Nothing of the batch is stored; bring the in-memory state back to the stored one.
        const bool again = store::is_conflict(ec) && attempt < conflict_attempts;
        if (again) {
            // Two replicas locked pairs in opposite orders (a ping's pair found only after the
            // others were locked, lock_pairs): the store aborted this one; it runs again.
            spdlog::warn("ingest of {} results from {}: {}; running the batch again", count,
                         batch.agent, ec.message());
        } else {
            spdlog::error("ingest of {} results from {} failed: {} ({})", count, batch.agent,
                          ec.message(), db.last_message());
        }
        try {
            state.load(db);
        } catch (const std::exception& e) {
            spdlog::error("cannot restore verdict state: {}", e.what());
            return storage_error("storage error: " + ec.message(), count);
        }
        if (!again) {
            return storage_error("storage error: " + ec.message(), count);
        }
    }
}

} // namespace tumen::controller::pipeline
