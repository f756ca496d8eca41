#include <stdexcept>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <tumen/controller/inference/tracker_snapshot.hpp>
#include <tumen/controller/pipeline/verdict_state.hpp>

#include "latency_row.hpp"

namespace tumen::controller::pipeline {
namespace {

/// The observation of the latest trace as its stored evidence (store_rows.cpp) records it;
/// nullopt when the evidence does not say (rows of earlier versions have no ping target).
std::optional<observed_trace> observed_of(const ipv4_prefix& target, const std::string& evidence) {
    auto j = nlohmann::json::parse(evidence, nullptr, false);
    if (!j.is_object() || !j.contains("observed_path") || !j["observed_path"].is_string()) {
        return std::nullopt;
    }
    observed_trace o{target, inference::path_name(j["observed_path"].get<std::string>()), {}};
    if (auto p = j.find("ping_target"); p != j.end() && p->is_string()) {
        o.ping_target = ipv4_addr::parse(p->get<std::string>());
    }
    return o;
}

} // namespace

verdict_state::verdict_state(asmap::as_map map,
                             std::shared_ptr<const campaign::campaign_set> campaigns,
                             std::uint64_t generation, std::uint32_t hysteresis,
                             std::uint32_t max_paths)
    : map_(std::move(map))
    , campaigns_(std::move(campaigns))
    , generation_(generation)
    , hysteresis_(hysteresis)
    , max_paths_(max_paths)
    , classifier_(
          std::make_unique<inference::classifier>(*campaigns_, map_, hysteresis_, max_paths_)) {}

std::unique_ptr<inference::classifier>
verdict_state::rebuild(const inference::classifier* from) const {
    auto next = std::make_unique<inference::classifier>(*campaigns_, map_, hysteresis_, max_paths_);
    if (from != nullptr) {
        for (const auto& [key, tracker] : from->trackers()) {
            next->restore(key, tracker.snapshot());
            next->restore_latency(key, from->latency_of(key));
        }
    }
    return next;
}

void verdict_state::follow(std::shared_ptr<const campaign::campaign_set> campaigns,
                           std::uint64_t generation) {
    if (generation == generation_) {
        return;
    }
    auto old = std::move(classifier_);
    // The old classifier refers to the old campaigns: keep them until it is gone.
    auto old_campaigns = std::exchange(campaigns_, std::move(campaigns));
    classifier_ = rebuild(old.get());
    old.reset();
    generation_ = generation;
}

void verdict_state::replace_map(asmap::as_map map) {
    // The classifier refers to map_: take its trackers out before the map changes.
    struct kept_pair {
        inference::track_key key;
        inference::path_tracker_snapshot snapshot;
        inference::pair_latency latency;
    };
    std::vector<kept_pair> kept;
    for (const auto& [key, tracker] : classifier_->trackers()) {
        kept.push_back({key, tracker.snapshot(), classifier_->latency_of(key)});
    }
    classifier_.reset();
    map_ = std::move(map);
    classifier_ = rebuild(nullptr);
    for (auto& k : kept) {
        classifier_->restore(k.key, std::move(k.snapshot));
        classifier_->restore_latency(k.key, std::move(k.latency));
    }
}

void verdict_state::load(store::store& db) {
    std::error_code ec;
    auto rows = db.load_verdicts(ec);
    if (ec) {
        throw std::runtime_error("cannot load verdicts: " + db.last_message());
    }
    classifier_ = rebuild(nullptr);
    verdicts_.clear();
    observed_.clear();
    losses_.clear();
    for (auto& row : rows) {
        auto prefix = ipv4_prefix::parse(row.target, true);
        auto snap = inference::snapshot_from_json(row.tracker_json);
        last_loss loss;
        auto latency = latency_from_json(row.latency_json, &loss);
        if (!prefix || !snap || !latency) {
            spdlog::warn("stored verdict {} x {} is damaged; starting it afresh", row.agent,
                         row.target);
            continue;
        }
        const inference::track_key key{row.agent, *prefix};
        classifier_->restore(key, *snap);
        classifier_->restore_latency(key, std::move(*latency));
        if (auto o = observed_of(*prefix, row.evidence_json)) {
            observed_[{row.agent, row.target}] = std::move(*o);
        }
        set_loss({row.agent, row.target}, std::move(loss));
        verdicts_[{row.agent, row.target}] = std::move(row);
    }
}

bool verdict_state::refresh(const store::verdict_row& row) {
    auto prefix = ipv4_prefix::parse(row.target, true);
    auto snap = inference::snapshot_from_json(row.tracker_json);
    last_loss loss;
    auto latency = latency_from_json(row.latency_json, &loss);
    if (!prefix || !snap || !latency) {
        spdlog::warn("stored verdict {} x {} is damaged; keeping this replica's state", row.agent,
                     row.target);
        return false;
    }
    const inference::track_key key{row.agent, *prefix};
    classifier_->restore(key, std::move(*snap));
    classifier_->restore_latency(key, std::move(*latency));
    if (auto o = observed_of(*prefix, row.evidence_json)) {
        observed_[{row.agent, row.target}] = std::move(*o);
    }
    set_loss({row.agent, row.target}, std::move(loss));
    verdicts_[{row.agent, row.target}] = row;
    return true;
}

void verdict_state::set_loss(const loss_map::key_type& key, last_loss loss) {
    if (loss.ratio) {
        losses_[key] = std::move(loss);
    } else {
        losses_.erase(key);
    }
}

std::optional<std::string> verdict_state::target_pinged(const std::string& agent,
                                                        ipv4_addr dst) const {
    for (auto it = observed_.lower_bound({agent, ""});
         it != observed_.end() && it->first.first == agent; ++it) {
        if (it->second.ping_target == dst) {
            return it->first.second;
        }
    }
    return std::nullopt;
}

std::map<ipv4_prefix, ipv4_addr> verdict_state::ping_targets(const std::string& agent) const {
    std::map<ipv4_prefix, ipv4_addr> out;
    for (auto it = observed_.lower_bound({agent, ""});
         it != observed_.end() && it->first.first == agent; ++it) {
        if (it->second.ping_target) {
            out[it->second.target] = *it->second.ping_target;
        }
    }
    return out;
}

} // namespace tumen::controller::pipeline
