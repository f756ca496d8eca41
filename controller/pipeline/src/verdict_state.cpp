#include <stdexcept>

#include <spdlog/spdlog.h>

#include <tumen/controller/inference/tracker_snapshot.hpp>
#include <tumen/controller/pipeline/verdict_state.hpp>

namespace tumen::controller::pipeline {

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

void verdict_state::follow(std::shared_ptr<const campaign::campaign_set> campaigns,
                           std::uint64_t generation) {
    if (generation == generation_) {
        return;
    }
    auto next = std::make_unique<inference::classifier>(*campaigns, map_, hysteresis_, max_paths_);
    for (const auto& [key, tracker] : classifier_->trackers()) {
        next->restore(key, tracker.snapshot());
    }
    classifier_ = std::move(next); // the old classifier referred to campaigns_: drop it first
    campaigns_ = std::move(campaigns);
    generation_ = generation;
}

void verdict_state::load(store::store& db) {
    std::error_code ec;
    auto rows = db.load_verdicts(ec);
    if (ec) {
        throw std::runtime_error("cannot load verdicts: " + db.last_message());
    }
    classifier_ =
        std::make_unique<inference::classifier>(*campaigns_, map_, hysteresis_, max_paths_);
    verdicts_.clear();
    for (auto& row : rows) {
        auto prefix = ipv4_prefix::parse(row.target, true);
        auto snap = inference::snapshot_from_json(row.tracker_json);
        if (!prefix || !snap) {
            spdlog::warn("stored verdict {} x {} is damaged; starting it afresh", row.agent,
                         row.target);
            continue;
        }
        classifier_->restore(inference::track_key{row.agent, *prefix}, *snap);
        verdicts_[{row.agent, row.target}] = std::move(row);
    }
}

} // namespace tumen::controller::pipeline
