#include <algorithm>
#include <chrono>
#include <iterator>
#include <limits>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <utility>

#include <spdlog/spdlog.h>

#include <tumen/controller/pipeline/apply.hpp>
#include <tumen/controller/pipeline/batch.hpp>
#include <tumen/controller/pipeline/ingest_service.hpp>
#include <tumen/controller/pipeline/publish.hpp>
#include <tumen/controller/pipeline/standing.hpp>
#include <tumen/controller/pipeline/verdict_state.hpp>

#include "documents.hpp"
#include "graph_document.hpp"
#include "load_maps.hpp"
#include "page_documents.hpp"

namespace tumen::controller::pipeline {
namespace {

/// Verdicts re-evaluated by refresh() between two releases of the mutex.
constexpr std::size_t refresh_slice = 4096;

std::int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// The agent name of assignments without a roster (ingest_options::agents unset: every agent
/// counts as configured): the campaigns that select every agent.
constexpr const char* any_agent = "*";

/// The result's claim on work.
work_claim claim_of(const std::string& agent, const parsed_result& r) {
    return std::visit(
        [&](const auto& v) {
            return work_claim{agent, v.campaign, v.dst, v.timestamp,
                              std::is_same_v<std::decay_t<decltype(v)>, result::ping>};
        },
        r.value);
}

/// The assignments that `campaigns` and `agents` put in force.
std::set<store::assignment_key> assignments_in_force(const campaign::campaign_set& campaigns,
                                                     const std::optional<agent_labels>& agents) {
    std::set<store::assignment_key> out;
    for (const auto& c : campaigns.campaigns) {
        std::vector<std::string> names;
        if (agents) {
            for (const auto& [name, labels] : *agents) {
                if (c.agents.matches(name, labels)) {
                    names.push_back(name);
                }
            }
        } else {
            names = c.agents.all ? std::vector<std::string>{any_agent} : c.agents.names;
        }
        for (const auto& name : names) {
            for (const auto& p : c.targets.prefixes) {
                out.insert(store::assignment_key{name, c.name, p.to_string()});
            }
        }
    }
    return out;
}

} // namespace

ingest_tables load_ingest_tables(const ingest_options& options) {
    return ingest_tables{load_maps(options, map_lines::strict), options.agents};
}

struct ingest_service::impl {
    impl(std::unique_ptr<store::store> db, metrics::controller_metrics& m,
         config::campaign_source& c, const ingest_options& o)
        : owned_store(std::move(db))
        , store(*owned_store)
        , metrics(m)
        , campaigns(c)
        , agents(o.agents)
        , clock_skew(o.clock_skew)
        , history_retention(o.assignment_history_retention)
        , state(load_maps(o), c.current(), c.generation(), o.hysteresis, o.max_paths_per_target) {}

    /// Rebuilds the classifier when the campaigns in force changed, keeping every tracker,
    /// and records the assignments then (mutex held).
    void follow_campaigns(std::int64_t now) {
        const auto generation = campaigns.generation();
        if (generation != state.generation()) {
            state.follow(campaigns.current(), generation);
        }
        if (recorded_generation != generation) {
            (void)record_assignments(now);
        }
    }

    /// See ingest_service::record_assignments (mutex held).
    std::error_code record_assignments(std::int64_t now) {
        const auto generation = campaigns.generation();
        const auto want = assignments_in_force(*campaigns.current(), agents);
        std::error_code ec;
        auto tx = store.begin();
        if ((ec = tx.begin_error()) || (ec = store.lock_assignments())) {
            return log_history_error(ec);
        }
        const bool first = !store.has_assignment_history(ec);
        if (ec) {
            return log_history_error(ec);
        }
        std::set<store::assignment_key> open;
        for (const auto& row : store.open_assignments(ec)) {
            open.insert(row.key());
        }
        if (ec) {
            return log_history_error(ec);
        }
        std::size_t opened = 0;
        std::size_t closed = 0;
        for (const auto& key : open) {
            if (want.count(key) == 0) {
                if ((ec = store.close_assignment(key, now))) {
                    return log_history_error(ec);
                }
                ++closed;
            }
        }
        for (const auto& key : want) {
            if (open.count(key) == 0) {
                if ((ec = store.open_assignment(key, first ? 0 : now))) {
                    return log_history_error(ec);
                }
                ++opened;
            }
        }
        const auto pruned = store.prune_assignments(now - history_retention, ec);
        if (ec || (ec = tx.commit())) {
            return log_history_error(ec);
        }
        recorded_generation = generation;
        if (opened + closed + static_cast<std::size_t>(pruned) > 0) {
            spdlog::info("assignment history: {} assignment(s) in force, {} opened, {} closed, "
                         "{} expired period(s) deleted",
                         want.size(), opened, closed, pruned);
        }
        return {};
    }

    std::error_code log_history_error(std::error_code ec) {
        spdlog::error("cannot record the assignment history: {} ({})", ec.message(),
                      store.last_message());
        return ec;
    }

    /// The periods of `agent`'s assignments (mutex held).
    std::vector<store::assignment_row> history_of(const std::string& agent, std::error_code& ec) {
        auto rows = store.assignments_of(agent, ec);
        if (!ec && !agents) {
            for (auto row : store.assignments_of(any_agent, ec)) {
                row.agent = agent;
                rows.push_back(std::move(row));
            }
        }
        return rows;
    }

    /// Splits `batch` into the results the agent was assigned (kept in `batch`) and the
    /// refused ones (mutex held).
    expected<std::vector<rejected_result>> authorize_batch(parsed_batch& batch) {
        std::error_code ec;
        const auto history = history_of(batch.agent, ec);
        if (ec) {
            spdlog::error("cannot read the assignment history: {} ({})", ec.message(),
                          store.last_message());
            return batch_error{error_kind::storage_unavailable,
                               "storage unavailable: " + ec.message(), "", batch.results.size()};
        }
        std::vector<rejected_result> rejected;
        std::vector<parsed_result> kept;
        kept.reserve(batch.results.size());
        for (std::size_t i = 0; i < batch.results.size(); ++i) {
            auto& r = batch.results[i];
            if (auto no = authorize(claim_of(batch.agent, r), history, clock_skew)) {
                rejected.push_back(rejected_result{i, r.id(), no->reason, no->what});
            } else {
                kept.push_back(std::move(r));
            }
        }
        batch.results = std::move(kept);
        return rejected;
    }

    /// Counts and logs refused results.
    void publish_rejected(const std::string& agent, const std::vector<rejected_result>& rejected) {
        if (rejected.empty()) {
            return;
        }
        metrics.count_ingested(agent, metrics::outcome::rejected,
                               static_cast<double>(rejected.size()));
        for (const auto& r : rejected) {
            metrics.count_rejected(agent, r.reason, 1);
        }
        spdlog::warn("ingest: refused {} result(s) of agent {} that are not its assigned work; "
                     "first: result \"{}\": {}",
                     rejected.size(), agent, rejected.front().id, rejected.front().what);
    }

    /// Staleness of every verdict at `now`, in the metrics (mutex held).
    void publish_standing_now(std::int64_t now) {
        const auto set = campaigns.current();
        publish_standing(state, standing_rules(*set, agents), now, metrics);
    }

    /// Drops from a committed batch's paths the verdicts that are not fresh at its time (no
    /// longer in force: a campaign reload raced the upload), so they never show as current;
    /// sets the age of the others (mutex held).
    void drop_stale_paths(batch_outcome& o) {
        const auto set = campaigns.current();
        const standing_rules rules(*set, agents);
        for (auto it = o.paths.begin(); it != o.paths.end();) {
            auto v = state.verdicts().find({o.agent, it->first});
            if (v == state.verdicts().end()) {
                it = o.paths.erase(it);
                continue;
            }
            const auto s = rules.standing(v->second, o.now);
            if (s.in_force) {
                metrics.set_verdict_age(o.agent, it->first,
                                        static_cast<double>(s.freshness.age_seconds));
            }
            it = s.in_force && !s.freshness.stale ? std::next(it) : o.paths.erase(it);
        }
    }

    /// A shared store (PostgreSQL, several replicas): the one replica holding the exporter
    /// lease exports the verdicts, last pings' losses and change counts of the whole store, read
    /// from it, at most every shared_export_period seconds; the others export none (mutex held).
    void export_shared(std::int64_t now) {
        if (!store.try_exporter_lease()) {
            return;
        }
        last_export = now;
        try {
            state.load(store);
        } catch (const std::exception& e) {
            spdlog::error("exporter: {}", e.what());
            return;
        }
        publish_verdicts(state, metrics);
        publish_losses(state, metrics);
        std::error_code ec;
        for (const auto& c : store.change_counts(ec)) {
            metrics.raise_change_total(
                c.agent, c.target, inference::path_name(c.from_path.empty() ? "none" : c.from_path),
                inference::path_name(c.to_path), static_cast<double>(c.count));
        }
        if (ec) {
            spdlog::error("exporter: cannot count change events: {} ({})", ec.message(),
                          store.last_message());
        }
        publish_standing_now(now);
    }

    /// Seconds between two exports of a shared store's verdicts.
    static constexpr std::int64_t shared_export_period = 5;

    std::unique_ptr<store::store> owned_store;
    store::store& store;
    metrics::controller_metrics& metrics;
    config::campaign_source& campaigns;
    std::optional<agent_labels> agents;
    std::int64_t clock_skew;
    std::int64_t history_retention;
    /// When the verdicts of a shared store were last exported.
    std::int64_t last_export = 0;
    /// The campaign generation the assignment history was last recorded for.
    std::optional<std::uint64_t> recorded_generation;
    verdict_state state;
    mutable std::mutex mutex;
};

ingest_service::ingest_service(std::unique_ptr<store::store> db,
                               metrics::controller_metrics& metrics,
                               config::campaign_source& campaigns, const ingest_options& options)
    : impl_(std::make_unique<impl>(std::move(db), metrics, campaigns, options)) {}

ingest_service::~ingest_service() = default;

void ingest_service::recover(std::int64_t now) {
    auto& s = *impl_;
    std::lock_guard lock(s.mutex);
    s.state.load(s.store);
    if (s.store.shared()) {
        publish_datasets(s.state, s.metrics); // every replica says which tables it maps with
        s.export_shared(now);
    } else {
        publish_verdicts(s.state, s.metrics);
        s.publish_standing_now(now);
    }
    if (s.record_assignments(now)) {
        throw std::runtime_error("cannot record the assignment history: " + s.store.last_message());
    }
    std::error_code ec;
    const auto agents = s.store.agents(ec);
    if (ec) {
        throw std::runtime_error("cannot load agents: " + s.store.last_message());
    }
    for (const auto& a : agents) {
        if (!s.agents || s.agents->count(a.name) > 0) {
            s.metrics.set_last_seen(a.name, static_cast<double>(a.last_seen));
        }
    }
}

void ingest_service::install(ingest_tables tables, std::int64_t now) {
    auto& s = *impl_;
    std::lock_guard lock(s.mutex);
    s.state.replace_map(std::move(tables.map));
    const auto before = std::exchange(s.agents, std::move(tables.agents));
    publish_datasets(s.state, s.metrics);
    s.follow_campaigns(now);
    (void)s.record_assignments(now); // the agents in force changed: the history follows
    s.publish_standing_now(now);
    // An agent configured again: its last upload from the store, as at start-up.
    std::error_code ec;
    for (const auto& a : s.store.agents(ec)) {
        const bool now_in = !s.agents || s.agents->count(a.name) > 0;
        const bool was_in = !before || before->count(a.name) > 0;
        if (now_in && !was_in) {
            s.metrics.set_last_seen(a.name, static_cast<double>(a.last_seen));
        }
    }
}

void ingest_service::recover() {
    recover(system_now());
}

void ingest_service::refresh(std::int64_t now) {
    auto& s = *impl_;
    std::unique_lock lock(s.mutex);
    s.follow_campaigns(now);
    if (s.store.shared()) {
        if (now - s.last_export >= impl::shared_export_period || now < s.last_export) {
            s.export_shared(now);
        }
        return;
    }
    // The standing of every verdict, one slice at a time: the page's reads and the uploads
    // wait for one slice, not for every verdict of the store. An upload between two slices
    // publishes its own verdicts; the slices after it see them as it left them.
    verdict_map::key_type from;
    for (;;) {
        const auto set = s.campaigns.current();
        const standing_rules rules(*set, s.agents);
        auto next = publish_standing_slice(s.state, rules, now, s.metrics, from, refresh_slice);
        if (!next) {
            retain_in_force(rules, s.metrics);
            return;
        }
        from = std::move(*next);
        lock.unlock();
        std::this_thread::yield();
        lock.lock();
    }
}

std::error_code ingest_service::record_assignments(std::int64_t now) {
    std::lock_guard lock(impl_->mutex);
    return impl_->record_assignments(now);
}

expected<batch_counts> ingest_service::ingest(const std::string& agent, std::string_view body,
                                              std::int64_t now) {
    auto& s = *impl_;
    auto batch = parse_batch(agent, body);
    if (!batch) {
        publish_refused(agent, batch.error(), s.metrics);
        return batch.error();
    }
    std::lock_guard lock(s.mutex);
    s.follow_campaigns(now);
    const std::size_t count = batch->results.size();
    auto rejected = s.authorize_batch(*batch);
    if (!rejected) {
        publish_refused(agent, rejected.error(), s.metrics);
        return rejected.error();
    }
    s.publish_rejected(agent, *rejected);
    if (batch->results.empty() && count > 0) {
        const auto& first = rejected->front();
        return batch_error{error_kind::not_assigned,
                           "no result of the batch is assigned work of agent \"" + agent +
                               "\"; results[" + std::to_string(first.index) + "]: " + first.what,
                           "results[" + std::to_string(first.index) + "]", count,
                           std::move(*rejected)};
    }
    auto outcome = apply(*batch, s.store, s.state, now);
    if (!outcome) {
        publish_refused(agent, outcome.error(), s.metrics);
        if (!s.store.shared()) {
            publish_verdicts(s.state, s.metrics); // the state was reloaded from the store
            s.publish_standing_now(now);
        }
        return outcome.error();
    }
    if (s.store.shared()) {
        // Verdicts, losses and change counts come from the exporter replica (export_shared),
        // so that Prometheus sees each once whichever replica stored the batch.
        outcome->path_changes.clear();
        outcome->paths.clear();
        outcome->reachable.clear();
        outcome->losses.clear();
    } else {
        s.drop_stale_paths(*outcome);
    }
    publish(*outcome, s.metrics);
    return batch_counts{outcome->stored, outcome->duplicates, outcome->changes,
                        std::move(*rejected)};
}

std::map<ipv4_prefix, ipv4_addr> ingest_service::ping_targets(const std::string& agent) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->state.ping_targets(agent);
}

nlohmann::json ingest_service::paths(std::int64_t now) const {
    std::lock_guard lock(impl_->mutex);
    if (impl_->store.shared()) {
        // Other replicas move verdicts too: answer from the store, not this one's cache.
        try {
            impl_->state.load(impl_->store);
        } catch (const std::exception& e) {
            spdlog::error("paths: {}", e.what());
        }
    }
    const auto set = impl_->campaigns.current();
    const standing_rules rules(*set, impl_->agents);
    return paths_document(impl_->state.verdicts(), impl_->state.map(),
                          [&](const store::verdict_row& row) { return rules.standing(row, now); });
}

nlohmann::json ingest_service::paths() const {
    return paths(system_now());
}

nlohmann::json ingest_service::changes(std::int64_t since, std::size_t limit,
                                       std::error_code& ec) const {
    std::lock_guard lock(impl_->mutex);
    return changes_document(since, impl_->store.changes_since(since, limit, ec),
                            impl_->state.map());
}

nlohmann::json ingest_service::changes(const store::change_filter& filter, bool brief,
                                       std::error_code& ec) const {
    std::lock_guard lock(impl_->mutex);
    auto doc = changes_document(filter.since, impl_->store.changes_matching(filter, ec),
                                impl_->state.map());
    if (brief) {
        for (auto& c : doc["changes"]) {
            c.erase("evidence");
        }
    }
    return doc;
}

std::string ingest_service::matrix(std::int64_t now) const {
    std::lock_guard lock(impl_->mutex);
    const auto set = impl_->campaigns.current();
    const standing_rules rules(*set, impl_->agents);
    return matrix_document(impl_->state.verdicts(), impl_->state.map(),
                           impl_->state.classifier().trackers(), rules, now);
}

nlohmann::json ingest_service::series(const std::string& agent, const ipv4_prefix& target,
                                      std::int64_t from, std::int64_t to, std::size_t limit,
                                      std::error_code& ec) const {
    std::lock_guard lock(impl_->mutex);
    const std::string key = target.to_string();
    store::change_filter filter;
    filter.agent = agent;
    filter.target = key;
    filter.limit = 100000;
    const auto changes = impl_->store.changes_matching(filter, ec);
    if (ec) {
        return nullptr;
    }
    const auto rows = impl_->store.results_between(agent, from, to, limit, ec);
    if (ec) {
        return nullptr;
    }
    std::string current = inference::path_none;
    const auto& verdicts = impl_->state.verdicts();
    if (const auto v = verdicts.find({agent, key}); v != verdicts.end()) {
        current = v->second.path.empty() ? std::string(inference::path_none)
                                         : inference::path_name(v->second.path);
    }
    std::optional<ipv4_addr> ping_to;
    const auto& observed = impl_->state.observed();
    if (const auto o = observed.find({agent, key}); o != observed.end()) {
        ping_to = o->second.ping_target;
    }
    return series_document(agent, target, from, to, rows, changes, current, ping_to);
}

nlohmann::json ingest_service::agents(std::error_code& ec) const {
    std::lock_guard lock(impl_->mutex);
    return agents_document(impl_->store.agents(ec));
}

std::optional<nlohmann::json> ingest_service::graph(const std::string& agent,
                                                    const ipv4_prefix& target,
                                                    std::optional<std::int64_t> at,
                                                    std::error_code& ec) const {
    std::lock_guard lock(impl_->mutex);
    const std::string prefix = target.to_string();
    const auto until = at.value_or(std::numeric_limits<std::int64_t>::max());
    const auto changes =
        impl_->store.changes_of(agent, prefix, std::numeric_limits<std::int64_t>::max(), ec);
    if (ec) {
        return std::nullopt;
    }
    // The path in force at `at`: the new path of the last change until then; before the first
    // change, the path that change left; without changes, the verdict's.
    const auto later = std::find_if(changes.begin(), changes.end(),
                                    [&](const store::change_row& c) { return c.at > until; });
    const auto& verdicts = impl_->state.verdicts();
    const auto v = verdicts.find({agent, prefix});
    const store::verdict_row* verdict = v == verdicts.end() ? nullptr : &v->second;
    std::string current = verdict ? verdict->path : std::string();
    if (at && later != changes.begin()) {
        current = std::prev(later)->to_path;
    } else if (at && later != changes.end()) {
        current = later->from_path;
    }
    const auto sources = path_sources(verdict, changes, until);
    if (sources.empty()) {
        return std::nullopt;
    }
    const auto set = impl_->campaigns.current();
    auto doc = graph_document(
        agent, prefix, at, current, sources,
        [&](const std::string& id) {
            std::error_code load_ec;
            auto row = impl_->store.trace(agent, id, load_ec);
            if (load_ec && !ec) {
                ec = load_ec;
            }
            return row;
        },
        *set, impl_->state.map());
    if (ec) {
        return std::nullopt;
    }
    return doc;
}

std::optional<nlohmann::json> ingest_service::trace(const std::string& agent, const std::string& id,
                                                    std::error_code& ec) const {
    std::lock_guard lock(impl_->mutex);
    auto row = impl_->store.trace(agent, id, ec);
    if (!row) {
        return std::nullopt;
    }
    return trace_document(*row, impl_->state.map());
}

std::int64_t ingest_service::prune(std::int64_t before, std::error_code& ec) {
    std::lock_guard lock(impl_->mutex);
    return impl_->store.prune(before, ec);
}

std::int64_t ingest_service::count_results(std::error_code& ec) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->store.count_results(ec);
}

} // namespace tumen::controller::pipeline
