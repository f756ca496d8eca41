#include <chrono>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <tumen/controller/pipeline/apply.hpp>
#include <tumen/controller/pipeline/batch.hpp>
#include <tumen/controller/pipeline/ingest_service.hpp>
#include <tumen/controller/pipeline/publish.hpp>
#include <tumen/controller/pipeline/standing.hpp>
#include <tumen/controller/pipeline/verdict_state.hpp>

#include "documents.hpp"
#include "load_maps.hpp"

namespace tumen::controller::pipeline {
namespace {

std::int64_t system_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

} // namespace

ingest_tables load_ingest_tables(const ingest_options& options) {
    return ingest_tables{load_maps(options, map_lines::strict), options.agents};
}

struct ingest_service::impl {
    impl(store::store db, metrics::controller_metrics& m, config::campaign_source& c,
         const ingest_options& o)
        : store(std::move(db))
        , metrics(m)
        , campaigns(c)
        , agents(o.agents)
        , state(load_maps(o), c.current(), c.generation(), o.hysteresis, o.max_paths_per_target) {}

    /// Rebuilds the classifier when the campaigns in force changed, keeping every tracker.
    void follow_campaigns() {
        const auto generation = campaigns.generation();
        if (generation != state.generation()) {
            state.follow(campaigns.current(), generation);
        }
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

    store::store store;
    metrics::controller_metrics& metrics;
    config::campaign_source& campaigns;
    std::optional<agent_labels> agents;
    verdict_state state;
    mutable std::mutex mutex;
};

ingest_service::ingest_service(store::store db, metrics::controller_metrics& metrics,
                               config::campaign_source& campaigns, const ingest_options& options)
    : impl_(std::make_unique<impl>(std::move(db), metrics, campaigns, options)) {}

ingest_service::~ingest_service() = default;

void ingest_service::recover(std::int64_t now) {
    auto& s = *impl_;
    std::lock_guard lock(s.mutex);
    s.state.load(s.store);
    publish_verdicts(s.state, s.metrics);
    s.publish_standing_now(now);
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
    s.follow_campaigns();
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
    std::lock_guard lock(impl_->mutex);
    impl_->follow_campaigns();
    impl_->publish_standing_now(now);
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
    s.follow_campaigns();
    auto outcome = apply(*batch, s.store, s.state, now);
    if (!outcome) {
        publish_refused(agent, outcome.error(), s.metrics);
        publish_verdicts(s.state, s.metrics); // the state was reloaded from the store
        s.publish_standing_now(now);
        return outcome.error();
    }
    s.drop_stale_paths(*outcome);
    publish(*outcome, s.metrics);
    return batch_counts{outcome->stored, outcome->duplicates, outcome->changes};
}

std::map<ipv4_prefix, ipv4_addr> ingest_service::ping_targets(const std::string& agent) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->state.ping_targets(agent);
}

nlohmann::json ingest_service::paths(std::int64_t now) const {
    std::lock_guard lock(impl_->mutex);
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

nlohmann::json ingest_service::agents(std::error_code& ec) const {
    std::lock_guard lock(impl_->mutex);
    return agents_document(impl_->store.agents(ec));
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
