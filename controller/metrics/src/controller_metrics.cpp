#include <sstream>

#include <prometheus/text_serializer.h>

#include <tumen/controller/metrics/controller_metrics.hpp>

namespace tumen::controller::metrics {
namespace {

prometheus::Histogram::BucketBoundaries rtt_buckets() {
    return {0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07,
            0.08,  0.1,    0.15,  0.2,  0.3,  0.5,  0.75, 1.0,  2.0,  5.0};
}

/// Quantiles of the RTT summaries: the median within rtt_window_rank_error of its rank, and
/// the 5th and 95th percentiles.
prometheus::Summary::Quantiles rtt_quantiles() {
    return {{0.05, 0.01}, {0.5, rtt_window_rank_error}, {0.95, 0.01}};
}

} // namespace

controller_metrics::controller_metrics()
    : registry_(std::make_shared<prometheus::Registry>())
    , border_path_(prometheus::BuildGauge()
                       .Name("tumen_border_path")
                       .Help("1 for the current border path of an agent x target prefix, 0 for "
                             "paths seen before")
                       .Register(*registry_))
    , changes_(prometheus::BuildCounter()
                   .Name("tumen_path_changes_total")
                   .Help("Confirmed border path changes per agent x target prefix")
                   .Register(*registry_))
    , rtt_(prometheus::BuildHistogram()
               .Name("tumen_rtt_seconds")
               .Help("End-to-end round-trip time to the target, by the path each trace observed "
                     "(pings: the latest trace of agent x target)")
               .Register(*registry_))
    , border_rtt_(prometheus::BuildHistogram()
                      .Name("tumen_border_rtt_seconds")
                      .Help("Round-trip time to the border hop, by border path")
                      .Register(*registry_))
    , loss_(prometheus::BuildGauge()
                .Name("tumen_loss_ratio")
                .Help("Share of ping probes lost in the last ping result (0..1)")
                .Register(*registry_))
    , rtt_window_(prometheus::BuildSummary()
                      .Name("tumen_rtt_window_seconds")
                      .Help("End-to-end round-trip time to the target over the last 10 minutes "
                            "(quantiles 0.05, 0.5, 0.95), by the path each trace observed")
                      .Register(*registry_))
    , border_rtt_window_(prometheus::BuildSummary()
                             .Name("tumen_border_rtt_window_seconds")
                             .Help("Round-trip time to the border hop over the last 10 minutes "
                                   "(quantiles 0.05, 0.5, 0.95), by border path")
                             .Register(*registry_))
    , path_loss_(prometheus::BuildGauge()
                     .Name("tumen_path_loss_ratio")
                     .Help("Share of ping probes lost in the last ping result (0..1), by the "
                           "path the latest trace observed")
                     .Register(*registry_))
    , share_(prometheus::BuildGauge()
                 .Name("tumen_path_share_ratio")
                 .Help("Share of the agents reporting on a target prefix whose current border "
                       "path is `path`")
                 .Register(*registry_))
    , last_seen_(prometheus::BuildGauge()
                     .Name("tumen_agent_last_seen_timestamp_seconds")
                     .Help("Unix time of the last accepted upload from an agent")
                     .Register(*registry_))
    , ingested_(prometheus::BuildCounter()
                    .Name("tumen_results_ingested_total")
                    .Help("Results received, by agent and outcome (stored, duplicate, rejected, "
                          "failed)")
                    .Register(*registry_))
    , reloads_(prometheus::BuildCounter()
                   .Name("tumen_campaign_reloads_total")
                   .Help("Campaign reload attempts by result (ok, error)")
                   .Register(*registry_))
    , config_reloads_(prometheus::BuildCounter()
                          .Name("tumen_config_reloads_total")
                          .Help("Reloads of the whole configuration (SIGHUP) by result (ok, "
                                "error: the previous configuration stays in force)")
                          .Register(*registry_))
    , dataset_info_(prometheus::BuildGauge()
                        .Name("tumen_dataset_info")
                        .Help("1 for each AS-map data set loaded; version is "
                              "<file name>@<date or undated>#<first 12 hex of its SHA-256>")
                        .Register(*registry_))
    , verdict_age_(prometheus::BuildGauge()
                       .Name("tumen_verdict_age_seconds")
                       .Help("Seconds since the last observation of an agent x target prefix; "
                             "beyond the campaign's stale_after its tumen_border_path series are "
                             "gone")
                       .Register(*registry_)) {}

void controller_metrics::set_border_path(const std::string& agent, const std::string& target,
                                         const std::string& path) {
    std::lock_guard lock(mutex_);
    auto& paths = paths_[{agent, target}];
    if (paths.find(path) == paths.end()) {
        paths[path] = &border_path_.Add({{"agent", agent}, {"target", target}, {"path", path}});
    }
    for (auto& [name, gauge] : paths) {
        gauge->Set(name == path ? 1.0 : 0.0);
    }
    auto& shown = current_[target];
    auto [it, added] = shown.try_emplace(agent, path);
    const bool moved = added || it->second != path;
    if (moved) {
        if (!added) {
            count_path(target, it->second, false);
            it->second = path;
        }
        count_path(target, path, true);
    }
    auto& shares = shares_[target];
    const bool new_share = shares.find(path) == shares.end();
    if (new_share) {
        shares[path] = &share_.Add({{"target", target}, {"path", path}});
    }
    if (moved || new_share) { // otherwise every share of the target is as it was
        update_shares(target);
    }
}

void controller_metrics::count_path(const std::string& target, const std::string& path, bool in) {
    auto& counts = counts_[target];
    if (in) {
        ++counts[path];
        return;
    }
    if (auto it = counts.find(path); it != counts.end() && --it->second == 0) {
        counts.erase(it);
    }
    if (counts.empty()) {
        counts_.erase(target);
    }
}

void controller_metrics::update_shares(const std::string& target) {
    auto agents = current_.find(target);
    auto shares = shares_.find(target);
    if (shares == shares_.end()) {
        return;
    }
    if (agents == current_.end() || agents->second.empty()) {
        for (auto& [name, gauge] : shares->second) {
            share_.Remove(gauge);
        }
        shares_.erase(shares);
        if (agents != current_.end()) {
            current_.erase(agents);
        }
        counts_.erase(target);
        return;
    }
    static const std::map<std::string, std::size_t> none;
    const auto counted = counts_.find(target);
    const auto& counts = counted == counts_.end() ? none : counted->second;
    const double total = static_cast<double>(agents->second.size());
    for (auto& [name, gauge] : shares->second) {
        auto it = counts.find(name);
        gauge->Set(it == counts.end() ? 0.0 : static_cast<double>(it->second) / total);
    }
}

void controller_metrics::clear_border_path_locked(const std::string& agent,
                                                  const std::string& target) {
    if (auto it = paths_.find({agent, target}); it != paths_.end()) {
        for (auto& [name, gauge] : it->second) {
            border_path_.Remove(gauge);
        }
        paths_.erase(it);
    }
    if (auto it = current_.find(target); it != current_.end()) {
        if (auto shown = it->second.find(agent); shown != it->second.end()) {
            const auto path = std::move(shown->second);
            it->second.erase(shown);
            count_path(target, path, false);
            update_shares(target);
        }
    }
}

void controller_metrics::clear_border_path(const std::string& agent, const std::string& target) {
    std::lock_guard lock(mutex_);
    clear_border_path_locked(agent, target);
}

void controller_metrics::set_verdict_age(const std::string& agent, const std::string& target,
                                         double seconds) {
    std::lock_guard lock(mutex_);
    auto& g = ages_[{agent, target}];
    if (g == nullptr) {
        g = &verdict_age_.Add({{"agent", agent}, {"target", target}});
    }
    g->Set(seconds);
}

void controller_metrics::retain(
    const std::function<bool(const std::string&, const std::string&)>& keep_pair,
    const std::function<bool(const std::string&)>& keep_agent) {
    std::lock_guard lock(mutex_);
    std::vector<key2> gone;
    for (const auto& [key, paths] : paths_) {
        if (!keep_pair(key.first, key.second)) {
            gone.push_back(key);
        }
    }
    for (const auto& [target, agents] : current_) {
        for (const auto& [agent, path] : agents) {
            if (!keep_pair(agent, target)) {
                gone.emplace_back(agent, target);
            }
        }
    }
    for (const auto& [agent, target] : gone) {
        clear_border_path_locked(agent, target);
    }
    auto drop = [&](auto& series, auto& family, auto keep) {
        for (auto it = series.begin(); it != series.end();) {
            if (keep(it->first)) {
                ++it;
                continue;
            }
            family.Remove(it->second);
            it = series.erase(it);
        }
    };
    auto keep3 = [&](const key3& k) { return keep_pair(std::get<0>(k), std::get<1>(k)); };
    auto keep2 = [&](const key2& k) { return keep_pair(k.first, k.second); };
    drop(rtt_series_, rtt_, keep3);
    drop(border_rtt_series_, border_rtt_, keep3);
    drop(rtt_window_series_, rtt_window_, keep3);
    drop(border_rtt_window_series_, border_rtt_window_, keep3);
    drop(path_losses_, path_loss_, keep3);
    drop(ages_, verdict_age_, keep2);
    drop(losses_, loss_, keep2);
    drop(reachable_series_, reachable_, keep2);
    drop(last_seen_series_, last_seen_, keep_agent);
}

void controller_metrics::count_change(const std::string& agent, const std::string& target,
                                      const std::string& from, const std::string& to) {
    changes_.Add({{"agent", agent}, {"target", target}, {"from", from}, {"to", to}}).Increment();
}

prometheus::Histogram& controller_metrics::rtt_histogram(bool border, const std::string& agent,
                                                         const std::string& target,
                                                         const std::string& path) {
    // Family::Add builds a label map and the bucket list on every call; the ingest path
    // observes two RTTs per result, so the series are looked up once and kept.
    std::lock_guard lock(mutex_);
    auto& cache = border ? border_rtt_series_ : rtt_series_;
    auto key = std::make_tuple(agent, target, path);
    if (auto it = cache.find(key); it != cache.end()) {
        return *it->second;
    }
    auto& family = border ? border_rtt_ : rtt_;
    auto& h = family.Add({{"agent", agent}, {"target", target}, {"path", path}}, rtt_buckets());
    cache.emplace(std::move(key), &h);
    return h;
}

prometheus::Summary& controller_metrics::rtt_window(bool border, const std::string& agent,
                                                    const std::string& target,
                                                    const std::string& path) {
    std::lock_guard lock(mutex_);
    auto& cache = border ? border_rtt_window_series_ : rtt_window_series_;
    auto key = std::make_tuple(agent, target, path);
    if (auto it = cache.find(key); it != cache.end()) {
        return *it->second;
    }
    auto& family = border ? border_rtt_window_ : rtt_window_;
    auto& s = family.Add({{"agent", agent}, {"target", target}, {"path", path}}, rtt_quantiles(),
                         std::chrono::duration_cast<std::chrono::milliseconds>(rtt_window_max_age),
                         rtt_window_age_buckets);
    cache.emplace(std::move(key), &s);
    return s;
}

void controller_metrics::observe_rtt(const std::string& agent, const std::string& target,
                                     const std::string& path, double seconds) {
    rtt_histogram(false, agent, target, path).Observe(seconds);
    rtt_window(false, agent, target, path).Observe(seconds);
}

void controller_metrics::observe_border_rtt(const std::string& agent, const std::string& target,
                                            const std::string& path, double seconds) {
    rtt_histogram(true, agent, target, path).Observe(seconds);
    rtt_window(true, agent, target, path).Observe(seconds);
}

void controller_metrics::set_loss(const std::string& agent, const std::string& target,
                                  double ratio) {
    std::lock_guard lock(mutex_); // retain() may remove the series
    auto& g = loss_.Add({{"agent", agent}, {"target", target}});
    g.Set(ratio);
    losses_[{agent, target}] = &g;
}

void controller_metrics::set_path_loss(const std::string& agent, const std::string& target,
                                       const std::string& path, double ratio) {
    std::lock_guard lock(mutex_); // retain() may remove the series
    auto& g = path_loss_.Add({{"agent", agent}, {"target", target}, {"path", path}});
    g.Set(ratio);
    path_losses_[{agent, target, path}] = &g;
}

void controller_metrics::set_last_seen(const std::string& agent, double unix_seconds) {
    std::lock_guard lock(mutex_); // retain() may remove the series
    auto& g = last_seen_.Add({{"agent", agent}});
    g.Set(unix_seconds);
    last_seen_series_[agent] = &g;
}

void controller_metrics::count_ingested(const std::string& agent, const char* outcome_name,
                                        double n) {
    ingested_.Add({{"agent", agent}, {"outcome", outcome_name}}).Increment(n);
}

void controller_metrics::count_reload(bool ok) {
    reloads_.Add({{"result", ok ? "ok" : "error"}}).Increment();
}

void controller_metrics::count_config_reload(bool ok) {
    config_reloads_.Add({{"result", ok ? "ok" : "error"}}).Increment();
}

void controller_metrics::set_datasets(
    const std::vector<std::pair<std::string, std::string>>& kind_versions) {
    std::lock_guard lock(mutex_);
    std::map<key2, prometheus::Gauge*> now;
    for (const auto& [kind, version] : kind_versions) {
        auto it = datasets_.find({kind, version});
        if (it != datasets_.end()) {
            now.insert(datasets_.extract(it));
            continue;
        }
        auto& g = dataset_info_.Add({{"kind", kind}, {"version", version}});
        g.Set(1);
        now[{kind, version}] = &g;
    }
    for (const auto& [key, gauge] : datasets_) {
        dataset_info_.Remove(gauge);
    }
    datasets_ = std::move(now);
}

double controller_metrics::ingested(const std::string& agent, const char* outcome_name) const {
    // Family::Add returns the existing metric for known labels; it is internally locked.
    return ingested_.Add({{"agent", agent}, {"outcome", outcome_name}}).Value();
}

std::string controller_metrics::render() const {
    auto families = registry_->Collect();
    auto process = process_.Collect();
    families.insert(families.end(), process.begin(), process.end());
    std::ostringstream out;
    prometheus::TextSerializer{}.Serialize(out, families);
    return out.str();
}

} // namespace tumen::controller::metrics
