#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <variant>

#include <spdlog/spdlog.h>

#include <tumen/common/protocol/batch.hpp>
#include <tumen/common/result_json.hpp>
#include <tumen/controller/api/ingest_service.hpp>
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/inference/classifier.hpp>
#include <tumen/controller/inference/latency.hpp>

namespace tumen::controller::api {
namespace {

using json = nlohmann::json;
namespace inf = tumen::controller::inference;

constexpr std::size_t max_id_length = 256;

/// One validated result of a batch.
struct item {
    std::variant<result::trace, result::ping> value;
    std::string_view slice; ///< its bytes in the request body (the usual case)
    std::string owned;      ///< or its serialisation, when the body could not be sliced
    std::string_view raw() const { return owned.empty() ? slice : std::string_view(owned); }
};

json optional_u32(const std::optional<std::uint32_t>& v) {
    return v ? json(*v) : json(nullptr);
}

json snapshot_to_json(const inf::path_tracker_snapshot& s) {
    return json{{"k", s.k},
                {"current", s.current},
                {"current_asn", optional_u32(s.current_asn)},
                {"current_since", s.current_since},
                {"last_current_time", s.last_current_time},
                {"last_current_trace_id", s.last_current_trace_id},
                {"candidate", s.candidate},
                {"candidate_asn", optional_u32(s.candidate_asn)},
                {"candidate_trace_ids", s.candidate_trace_ids},
                {"candidate_first_time", s.candidate_first_time},
                {"observations", s.observations},
                {"changes", s.changes}};
}

/// Restores a snapshot written by snapshot_to_json; nullopt if the stored text is damaged.
std::optional<inf::path_tracker_snapshot> snapshot_from_json(const std::string& text) {
    json j = json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return std::nullopt;
    }
    inf::path_tracker_snapshot s;
    auto opt_u32 = [](const json& v) -> std::optional<std::uint32_t> {
        if (v.is_number_unsigned()) {
            return v.get<std::uint32_t>();
        }
        return std::nullopt;
    };
    try {
        s.k = j.at("k").get<std::uint32_t>();
        s.current = j.at("current").get<std::string>();
        s.current_asn = opt_u32(j.at("current_asn"));
        s.current_since = j.at("current_since").get<std::int64_t>();
        s.last_current_time = j.at("last_current_time").get<std::int64_t>();
        s.last_current_trace_id = j.at("last_current_trace_id").get<std::string>();
        s.candidate = j.at("candidate").get<std::string>();
        s.candidate_asn = opt_u32(j.at("candidate_asn"));
        s.candidate_trace_ids = j.at("candidate_trace_ids").get<std::vector<std::string>>();
        s.candidate_first_time = j.at("candidate_first_time").get<std::int64_t>();
        s.observations = j.at("observations").get<std::uint64_t>();
        s.changes = j.at("changes").get<std::uint64_t>();
    } catch (const json::exception&) {
        return std::nullopt;
    }
    return s;
}

json verdict_evidence(const inf::verdict_record& r) {
    const auto& v = r.verdict;
    json border = nullptr;
    if (v.border_addr) {
        border = json{{"addr", v.border_addr->to_string()},
                      {"ttl", v.border_ttl ? json(*v.border_ttl) : json(nullptr)},
                      {"rtt_ms", v.border_rtt_ms ? json(*v.border_rtt_ms) : json(nullptr)}};
    }
    return json{{"trace_id", r.trace_id},
                {"time", r.time},
                {"campaign", r.campaign},
                {"observed_path", inf::path_identity(v)},
                {"transit_asn", optional_u32(v.transit_asn)},
                {"border", border},
                {"as_path", v.as_path},
                {"reached_target", v.reached_target},
                {"weak", v.weak},
                {"via_ixp", v.via_ixp},
                {"end_rtt_ms", v.end_rtt_ms ? json(*v.end_rtt_ms) : json(nullptr)},
                {"reason", v.reason}};
}

json change_evidence(const inf::change_record& c) {
    const auto& e = c.event;
    return json{{"campaign", c.campaign},
                {"from_asn", optional_u32(e.from_asn)},
                {"to_asn", optional_u32(e.to_asn)},
                {"last_old_time", e.last_old_time},
                {"first_new_time", e.first_new_time},
                {"last_old_trace_id", e.last_old_trace_id},
                {"first_new_trace_id", e.first_new_trace_id},
                {"trace_ids", e.trace_ids}};
}

std::vector<store::hop_row> hop_rows(const result::trace& t, const asmap::as_map& map) {
    std::vector<store::hop_row> rows;
    rows.reserve(t.hops.size());
    for (const auto& h : t.hops) {
        store::hop_row row;
        row.ttl = h.ttl;
        for (const auto& r : h.replies) {
            if (r.timeout) {
                continue;
            }
            ++row.replies;
            if (!row.addr) {
                row.addr = r.from;
                auto info = map.lookup(r.from);
                if (info.mapped()) {
                    row.asn = info.asn;
                }
            }
            if (!row.rtt_ms || r.rtt_ms < *row.rtt_ms) {
                row.rtt_ms = r.rtt_ms;
            }
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

/// Metric updates of a batch, applied only once its transaction committed.
struct pending_metrics {
    struct rtt {
        std::string agent, target, path;
        double seconds;
        bool border;
    };
    struct loss {
        std::string agent, target;
        double ratio;
    };
    struct change {
        std::string agent, target, from, to;
    };
    std::vector<rtt> rtts;
    std::vector<loss> losses;
    std::vector<change> changes;
    std::set<std::pair<std::string, std::string>> paths; // agent, target: publish verdict
};

} // namespace

struct ingest_service::impl {
    impl(store::store db, controller_metrics& m, campaign_source& c, const ingest_options& o)
        : store(std::move(db))
        , metrics(m)
        , campaigns(c)
        , options(o) {
        asmap::as_map_builder builder;
        for (const auto& f : o.pfx2as_files) {
            auto report = builder.add_pfx2as_file(f); // throws asmap_error if unreadable
            for (const auto& e : report.errors) {
                spdlog::warn("{}: {}", e.where, e.what);
            }
            spdlog::info("pfx2as {}: {} prefixes, {} bad lines", f, report.entries,
                         report.error_count);
        }
        if (!o.ixp_file.empty()) {
            auto report = builder.add_ixp_file(o.ixp_file);
            spdlog::info("IXP file {}: {} prefixes, {} bad lines", o.ixp_file, report.entries,
                         report.error_count);
        }
        map = builder.build();
        set = campaigns.current();
        generation = campaigns.generation();
        cls = std::make_unique<inf::classifier>(*set, map, o.hysteresis);
    }

    /// Rebuilds the classifier on the campaigns now in force, keeping every tracker.
    void follow_campaigns() {
        const auto gen = campaigns.generation();
        if (gen == generation) {
            return;
        }
        auto next_set = campaigns.current();
        auto next = std::make_unique<inf::classifier>(*next_set, map, options.hysteresis);
        for (const auto& [key, tracker] : cls->trackers()) {
            next->restore(key, tracker.snapshot());
        }
        cls = std::move(next); // the old classifier referenced `set`; drop it first
        set = std::move(next_set);
        generation = gen;
    }

    /// Restores trackers and verdicts from the store (start-up, or after a failed commit).
    void load_from_store() {
        std::error_code ec;
        auto rows = store.load_verdicts(ec);
        if (ec) {
            throw std::runtime_error("cannot load verdicts: " + store.last_message());
        }
        cls = std::make_unique<inf::classifier>(*set, map, options.hysteresis);
        verdicts.clear();
        for (auto& row : rows) {
            auto prefix = ipv4_prefix::parse(row.target, true);
            auto snap = snapshot_from_json(row.tracker_json);
            if (!prefix || !snap) {
                spdlog::warn("stored verdict {} x {} is damaged; starting it afresh", row.agent,
                             row.target);
                continue;
            }
            cls->restore(inf::track_key{row.agent, *prefix}, *snap);
            if (!snap->current.empty()) {
                metrics.set_border_path(row.agent, row.target, inf::path_name(snap->current));
            }
            verdicts[{row.agent, row.target}] = std::move(row);
        }
    }

    store::store store;
    controller_metrics& metrics;
    campaign_source& campaigns;
    ingest_options options;
    asmap::as_map map;
    std::shared_ptr<const campaign::campaign_set> set;
    std::uint64_t generation = 0;
    std::unique_ptr<inf::classifier> cls;
    /// (agent, target) -> current verdict row (mirror of the verdicts table)
    std::map<std::pair<std::string, std::string>, store::verdict_row> verdicts;
    mutable std::mutex mutex;
};

ingest_service::ingest_service(store::store db, controller_metrics& metrics,
                               campaign_source& campaigns, const ingest_options& options)
    : impl_(std::make_unique<impl>(std::move(db), metrics, campaigns, options)) {}

ingest_service::~ingest_service() = default;

void ingest_service::recover() {
    std::lock_guard lock(impl_->mutex);
    impl_->load_from_store();
}

batch_result ingest_service::ingest(const std::string& agent, std::string_view body,
                                    std::int64_t now) {
    batch_result out;
    auto reject = [&](unsigned status, std::string what, std::string where, std::size_t count) {
        out.status = status;
        out.error = std::move(what);
        out.where = std::move(where);
        impl_->metrics.count_ingested(agent, outcome::rejected, static_cast<double>(count));
        return out;
    };

    // 1. Validate the whole batch before touching storage (outside the lock: parsing is the
    //    expensive part and runs in parallel on the I/O threads).
    json doc;
    try {
        doc = json::parse(body);
    } catch (const json::parse_error& e) {
        return reject(400, std::string("invalid JSON: ") + e.what(),
                      "byte " + std::to_string(e.byte), 0);
    }
    const json* arr = &doc;
    std::string base = "results";
    if (doc.is_object()) {
        if (doc.size() != 1 || !doc.contains("results")) {
            return reject(400, "expected a JSON array of results or {\"results\": [...]}", "", 0);
        }
        arr = &doc["results"];
    }
    if (!arr->is_array()) {
        return reject(400, "expected a JSON array of results or {\"results\": [...]}", "", 0);
    }
    const std::size_t count = arr->size();
    // The bytes of each result as the agent sent them (stored verbatim: no re-serialising).
    auto slices = protocol::batch_elements(body);
    if (slices && slices->size() != count) {
        slices.reset(); // cannot happen for a body the parser accepted; serialise instead
    }
    std::vector<item> items;
    items.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const json& e = (*arr)[i];
        const std::string where = base + "[" + std::to_string(i) + "]";
        if (!e.is_object()) {
            return reject(400, std::string("expected a result object, got ") + e.type_name(), where,
                          count);
        }
        auto type = e.find("type");
        if (type == e.end() || !type->is_string()) {
            return reject(400, "missing \"type\" (\"traceroute\" or \"ping\")", where + ".type",
                          count);
        }
        const auto& type_name = type->get_ref<const std::string&>();
        item it;
        std::string id;
        std::string result_agent;
        if (type_name == "traceroute") {
            auto t = result::parse_trace(e);
            if (!t) {
                return reject(400, t.error().what,
                              t.error().where.empty() ? where : where + "." + t.error().where,
                              count);
            }
            id = t->id;
            result_agent = t->agent;
            it.value = std::move(t).value();
        } else if (type_name == "ping") {
            auto p = result::parse_ping(e);
            if (!p) {
                return reject(400, p.error().what,
                              p.error().where.empty() ? where : where + "." + p.error().where,
                              count);
            }
            id = p->id;
            result_agent = p->agent;
            it.value = std::move(p).value();
        } else {
            return reject(400,
                          "unknown result type \"" + type_name +
                              "\" (expected \"traceroute\" or \"ping\")",
                          where + ".type", count);
        }
        if (id.empty() || id.size() > max_id_length) {
            return reject(400, "id must be 1-" + std::to_string(max_id_length) + " characters",
                          where + ".id", count);
        }
        if (result_agent != agent) {
            return reject(401,
                          "result of agent \"" + result_agent + "\" uploaded with the token of \"" +
                              agent + "\"",
                          where + ".agent", count);
        }
        if (slices) {
            it.slice = (*slices)[i];
        } else {
            it.owned = e.dump(-1, ' ', false, json::error_handler_t::replace);
        }
        items.push_back(std::move(it));
    }

    // The parsed tree is no longer needed (results are structs, raw bytes are views into
    // `body`): free it before taking the lock.
    json().swap(doc);

    // 2. Store and infer under the lock, in one transaction.
    auto& s = *impl_;
    std::lock_guard lock(s.mutex);
    s.follow_campaigns();
    pending_metrics pm;
    // (agent, target) -> the batch's latest verdict; its evidence is serialised once.
    std::map<std::pair<std::string, std::string>, inf::verdict_record> touched;
    std::vector<store::change_row> new_changes;
    std::error_code ec;
    {
        auto tx = s.store.begin();
        if ((ec = tx.begin_error())) {
            spdlog::error("ingest: BEGIN failed: {}", s.store.last_message());
            s.metrics.count_ingested(agent, outcome::failed, static_cast<double>(count));
            out.status = 503;
            out.error = "storage unavailable: " + ec.message();
            return out;
        }
        for (auto& it : items) {
            store::result_row row;
            row.agent = agent;
            row.received = now;
            row.raw_json = it.raw();
            if (auto* t = std::get_if<result::trace>(&it.value)) {
                row.id = t->id;
                row.kind = "traceroute";
                row.campaign = t->campaign;
                row.dst = t->dst;
                row.timestamp = t->timestamp;
                row.hops = hop_rows(*t, s.map);
            } else {
                const auto& p = std::get<result::ping>(it.value);
                row.id = p.id;
                row.kind = "ping";
                row.campaign = p.campaign;
                row.dst = p.dst;
                row.timestamp = p.timestamp;
            }
            bool inserted = false;
            if ((ec = s.store.insert_result(row, inserted))) {
                break;
            }
            if (!inserted) {
                ++out.duplicates;
                continue;
            }
            ++out.stored;
            if (auto* t = std::get_if<result::trace>(&it.value)) {
                auto o = s.cls->process(*t);
                if (!o.verdict) {
                    continue;
                }
                const auto& v = *o.verdict;
                const std::string target = v.target.to_string();
                const std::string observed = inf::path_name(inf::path_identity(v.verdict));
                if (v.verdict.border_rtt_ms) {
                    pm.rtts.push_back(
                        {agent, target, observed, *v.verdict.border_rtt_ms / 1000.0, true});
                }
                if (v.verdict.end_rtt_ms) {
                    pm.rtts.push_back(
                        {agent, target, observed, *v.verdict.end_rtt_ms / 1000.0, false});
                }
                auto key = std::make_pair(agent, target);
                auto& vr = s.verdicts[key];
                vr.agent = agent;
                vr.target = target;
                vr.updated = std::max(vr.updated, v.time);
                touched.insert_or_assign(std::move(key), v);
                if (o.change) {
                    const auto& e = o.change->event;
                    store::change_row c{0,
                                        agent,
                                        target,
                                        e.from,
                                        e.to,
                                        e.first_new_time,
                                        change_evidence(*o.change).dump()};
                    if ((ec = s.store.insert_change(c, c.seq))) {
                        break;
                    }
                    pm.changes.push_back({agent, target,
                                          inf::path_name(e.from.empty() ? "none" : e.from),
                                          inf::path_name(e.to)});
                    new_changes.push_back(std::move(c));
                    ++out.changes;
                }
            } else {
                const auto& p = std::get<result::ping>(it.value);
                auto m = s.cls->match(p.campaign, p.dst);
                if (!m) {
                    continue;
                }
                s.cls->process(p);
                const std::string target = m->second.to_string();
                std::string path = inf::path_none;
                auto tr = s.cls->trackers().find(inf::track_key{agent, m->second});
                if (tr != s.cls->trackers().end() && !tr->second.current().empty()) {
                    path = inf::path_name(tr->second.current());
                }
                for (const auto& r : p.rtts_ms) {
                    if (r) {
                        pm.rtts.push_back({agent, target, path, *r / 1000.0, false});
                    }
                }
                if (p.sent > 0) {
                    pm.losses.push_back(
                        {agent, target,
                         static_cast<double>(p.sent - std::min(p.received, p.sent)) /
                             static_cast<double>(p.sent)});
                }
            }
        }
        // Persist the tracker state of every (agent, target) this batch moved.
        for (const auto& [key, latest] : touched) {
            if (ec) {
                break;
            }
            auto& vr = s.verdicts[key];
            vr.evidence_json = verdict_evidence(latest).dump();
            auto tr = s.cls->trackers().find(inf::track_key{key.first, latest.target});
            if (tr == s.cls->trackers().end()) {
                continue;
            }
            const auto& snap = tr->second.snapshot();
            vr.path = snap.current;
            vr.since = snap.current_since;
            vr.tracker_json = snapshot_to_json(snap).dump();
            if ((ec = s.store.upsert_verdict(vr))) {
                break;
            }
            if (!snap.current.empty()) {
                pm.paths.insert(key);
            }
        }
        if (!ec) {
            ec = s.store.touch_agent(agent, now, static_cast<std::int64_t>(out.stored));
        }
        if (!ec) {
            ec = tx.commit();
        }
    }
    if (ec) {
        // Nothing of the batch is stored; bring the in-memory state back to the stored one.
        spdlog::error("ingest of {} results from {} failed: {} ({})", count, agent, ec.message(),
                      s.store.last_message());
        try {
            s.load_from_store();
        } catch (const std::exception& e) {
            spdlog::error("cannot restore verdict state: {}", e.what());
        }
        s.metrics.count_ingested(agent, outcome::failed, static_cast<double>(count));
        batch_result failed;
        failed.status = 503;
        failed.error = "storage error: " + ec.message();
        return failed;
    }

    // 3. Committed: publish.
    auto& m = s.metrics;
    m.count_ingested(agent, outcome::stored, static_cast<double>(out.stored));
    m.count_ingested(agent, outcome::duplicate, static_cast<double>(out.duplicates));
    m.set_last_seen(agent, static_cast<double>(now));
    for (const auto& r : pm.rtts) {
        if (r.border) {
            m.observe_border_rtt(r.agent, r.target, r.path, r.seconds);
        } else {
            m.observe_rtt(r.agent, r.target, r.path, r.seconds);
        }
    }
    for (const auto& l : pm.losses) {
        m.set_loss(l.agent, l.target, l.ratio);
    }
    for (const auto& c : pm.changes) {
        m.count_change(c.agent, c.target, c.from, c.to);
    }
    for (const auto& key : pm.paths) {
        m.set_border_path(key.first, key.second, inf::path_name(s.verdicts[key].path));
    }
    for (const auto& c : new_changes) {
        spdlog::info("path change: agent {} target {}: {} -> {} at {}", c.agent, c.target,
                     c.from_path.empty() ? "none" : c.from_path, c.to_path, c.at);
    }
    return out;
}

json ingest_service::paths() const {
    std::lock_guard lock(impl_->mutex);
    json list = json::array();
    for (const auto& [key, v] : impl_->verdicts) {
        json evidence = json::parse(v.evidence_json, nullptr, false);
        json tracker = json::parse(v.tracker_json, nullptr, false);
        json entry{{"agent", v.agent},
                   {"target", v.target},
                   {"path", v.path.empty() ? std::string(inf::path_none) : inf::path_name(v.path)},
                   {"path_identity", v.path},
                   {"since", v.since},
                   {"updated", v.updated},
                   {"evidence", evidence.is_discarded() ? json(nullptr) : evidence}};
        if (!tracker.is_discarded() && tracker.is_object()) {
            entry["candidate"] = tracker.value("candidate", "");
            entry["candidate_trace_ids"] = tracker.value("candidate_trace_ids", json::array());
            entry["last_trace_id"] = tracker.value("last_current_trace_id", "");
            entry["observations"] = tracker.value("observations", 0);
            entry["changes"] = tracker.value("changes", 0);
        }
        list.push_back(std::move(entry));
    }
    return json{{"paths", list}};
}

json ingest_service::changes(std::int64_t since, std::size_t limit, std::error_code& ec) const {
    std::lock_guard lock(impl_->mutex);
    auto rows = impl_->store.changes_since(since, limit, ec);
    json list = json::array();
    for (const auto& c : rows) {
        json evidence = json::parse(c.evidence_json, nullptr, false);
        list.push_back(json{{"seq", c.seq},
                            {"agent", c.agent},
                            {"target", c.target},
                            {"from", c.from_path.empty() ? std::string(inf::path_none)
                                                         : inf::path_name(c.from_path)},
                            {"to", inf::path_name(c.to_path)},
                            {"from_identity", c.from_path},
                            {"to_identity", c.to_path},
                            {"time", c.at},
                            {"evidence", evidence.is_discarded() ? json(nullptr) : evidence}});
    }
    return json{{"since", since}, {"changes", list}};
}

json ingest_service::agents(std::error_code& ec) const {
    std::lock_guard lock(impl_->mutex);
    auto rows = impl_->store.agents(ec);
    json list = json::array();
    for (const auto& a : rows) {
        list.push_back(json{{"name", a.name}, {"last_seen", a.last_seen}, {"results", a.results}});
    }
    return json{{"agents", list}};
}

std::int64_t ingest_service::prune(std::int64_t before, std::error_code& ec) {
    std::lock_guard lock(impl_->mutex);
    return impl_->store.prune(before, ec);
}

std::int64_t ingest_service::count_results(std::error_code& ec) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->store.count_results(ec);
}

} // namespace tumen::controller::api
