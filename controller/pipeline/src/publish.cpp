#include <spdlog/spdlog.h>

#include <tumen/controller/pipeline/publish.hpp>

namespace tumen::controller::pipeline {

void publish(const batch_outcome& o, metrics::controller_metrics& m) {
    namespace outcome = metrics::outcome;
    m.count_ingested(o.agent, outcome::stored, static_cast<double>(o.stored));
    m.count_ingested(o.agent, outcome::duplicate, static_cast<double>(o.duplicates));
    m.set_last_seen(o.agent, static_cast<double>(o.now));
    for (const auto& r : o.rtts) {
        if (r.border) {
            m.observe_border_rtt(o.agent, r.target, r.path, r.seconds);
        } else {
            m.observe_rtt(o.agent, r.target, r.path, r.seconds);
        }
    }
    for (const auto& l : o.losses) {
        m.set_loss(o.agent, l.target, l.ratio);
        m.set_path_loss(o.agent, l.target, l.path, l.ratio);
    }
    for (const auto& c : o.path_changes) {
        m.count_change(o.agent, c.target, c.from, c.to);
    }
    for (const auto& [target, path] : o.paths) {
        m.set_border_path(o.agent, target, path);
    }
    for (const auto& [target, reachable] : o.reachable) {
        m.set_target_reachable(o.agent, target, reachable);
    }
    for (const auto& c : o.change_rows) {
        spdlog::info("path change: agent {} target {}: {} -> {} at {}", c.agent, c.target,
                     c.from_path.empty() ? "none" : c.from_path, c.to_path, c.at);
    }
}

void publish_refused(const std::string& agent, const batch_error& error,
                     metrics::controller_metrics& m) {
    const char* name = error.kind == error_kind::storage_unavailable ? metrics::outcome::failed
                                                                     : metrics::outcome::rejected;
    m.count_ingested(agent, name, static_cast<double>(error.results));
}

void publish_datasets(const verdict_state& state, metrics::controller_metrics& m) {
    std::vector<std::pair<std::string, std::string>> datasets;
    for (const auto& d : state.map().datasets()) {
        datasets.emplace_back(d.kind, d.version());
    }
    m.set_datasets(datasets);
}

void publish_verdicts(const verdict_state& state, metrics::controller_metrics& m) {
    publish_datasets(state, m);
    for (const auto& [key, row] : state.verdicts()) {
        if (!row.path.empty()) {
            m.set_border_path(row.agent, row.target, inference::path_name(row.path));
        }
    }
    for (const auto& [key, tracker] : state.classifier().trackers()) {
        m.set_target_reachable(key.agent, key.target.to_string(), tracker.reachable());
    }
}

void publish_losses(const verdict_state& state, metrics::controller_metrics& m) {
    for (const auto& [key, loss] : state.losses()) {
        if (loss.ratio) {
            m.set_loss(key.first, key.second, *loss.ratio);
        }
        for (const auto& [path, ratio] : loss.by_path) {
            m.set_path_loss(key.first, key.second, path, ratio);
        }
    }
}

} // namespace tumen::controller::pipeline
