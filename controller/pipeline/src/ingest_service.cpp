#include <mutex>

#include <tumen/controller/pipeline/apply.hpp>
#include <tumen/controller/pipeline/batch.hpp>
#include <tumen/controller/pipeline/ingest_service.hpp>
#include <tumen/controller/pipeline/publish.hpp>
#include <tumen/controller/pipeline/verdict_state.hpp>

#include "documents.hpp"
#include "load_maps.hpp"

namespace tumen::controller::pipeline {

struct ingest_service::impl {
    impl(store::store db, metrics::controller_metrics& m, config::campaign_source& c,
         const ingest_options& o)
        : store(std::move(db))
        , metrics(m)
        , campaigns(c)
        , state(load_maps(o), c.current(), c.generation(), o.hysteresis, o.max_paths_per_target) {}

    /// Rebuilds the classifier when the campaigns in force changed, keeping every tracker.
    void follow_campaigns() {
        const auto generation = campaigns.generation();
        if (generation != state.generation()) {
            state.follow(campaigns.current(), generation);
        }
    }

    store::store store;
    metrics::controller_metrics& metrics;
    config::campaign_source& campaigns;
    verdict_state state;
    mutable std::mutex mutex;
};

ingest_service::ingest_service(store::store db, metrics::controller_metrics& metrics,
                               config::campaign_source& campaigns, const ingest_options& options)
    : impl_(std::make_unique<impl>(std::move(db), metrics, campaigns, options)) {}

ingest_service::~ingest_service() = default;

void ingest_service::recover() {
    std::lock_guard lock(impl_->mutex);
    impl_->state.load(impl_->store);
    publish_verdicts(impl_->state, impl_->metrics);
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
        return outcome.error();
    }
    publish(*outcome, s.metrics);
    return batch_counts{outcome->stored, outcome->duplicates, outcome->changes};
}

std::map<ipv4_prefix, ipv4_addr> ingest_service::ping_targets(const std::string& agent) const {
    std::lock_guard lock(impl_->mutex);
    return impl_->state.ping_targets(agent);
}

nlohmann::json ingest_service::paths() const {
    std::lock_guard lock(impl_->mutex);
    return paths_document(impl_->state.verdicts(), impl_->state.map());
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
