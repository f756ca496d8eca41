#pragma once
/// @file
/// The inference state ingest keeps between batches: the AS map, the campaigns in force,
/// the classifier with one hysteresis tracker per agent x campaign target prefix, and a
/// mirror of the store's verdicts table. Not thread-safe (ingest_service holds a lock).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/inference/classifier.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::pipeline {

/// (agent, target prefix) -> the current verdict row.
using verdict_map = std::map<std::pair<std::string, std::string>, store::verdict_row>;

/// What the latest trace of an (agent, target prefix) observed: pings, which have no path of
/// their own, are recorded under its path, and go to its ping target (ping_target.hpp).
struct observed_trace {
    ipv4_prefix target;
    std::string path;                     ///< path name, as in the metric labels
    std::optional<ipv4_addr> ping_target; ///< where pings go; none: the campaign's address
};
/// (agent, target prefix) -> its latest trace's observation.
using observed_map = std::map<std::pair<std::string, std::string>, observed_trace>;

/// The loss of an (agent, target)'s last ping, as a single controller's gauges show it; kept
/// in its verdict row (latency_row.hpp) for the exporter replica of a shared store.
struct last_loss {
    std::optional<double> ratio;           ///< the last ping's (tumen_loss_ratio)
    std::map<std::string, double> by_path; ///< path name -> the last ping's under it
                                           ///< (tumen_path_loss_ratio)
    friend bool operator==(const last_loss&, const last_loss&) = default;
};
/// (agent, target prefix) -> the loss of its last ping since it has a verdict row.
using loss_map = std::map<std::pair<std::string, std::string>, last_loss>;

/// Trackers and verdicts, rebuilt from the store at start-up and after a failed commit.
class verdict_state {
public:
    /// Empty trackers on `campaigns` (in force as `generation`), K = `hysteresis`, at most
    /// `max_paths` named paths per agent x target prefix.
    verdict_state(asmap::as_map map, std::shared_ptr<const campaign::campaign_set> campaigns,
                  std::uint64_t generation, std::uint32_t hysteresis,
                  std::uint32_t max_paths = inference::default_max_paths_per_target);

    /// Rebuilds the classifier on new campaigns, keeping every tracker.
    void follow(std::shared_ptr<const campaign::campaign_set> campaigns, std::uint64_t generation);
    /// Puts a new AS map in force (a reload of the pfx2as, iptoasn, IXP or AS-names files):
    /// rebuilds the classifier on it, keeping every tracker and verdict, so the traces that
    /// follow are mapped with the new table.
    void replace_map(asmap::as_map map);
    /// Replaces trackers and verdicts with the stored ones; a damaged row is logged and
    /// started afresh. Throws std::runtime_error when the store cannot be read.
    void load(store::store& db);
    /// Replaces the tracker, verdict and observation of (row.agent, row.target) with the
    /// stored `row` (another replica moved it); false when the row is damaged (then the
    /// cached state stays).
    bool refresh(const store::verdict_row& row);

    /// The campaign generation the classifier was built on.
    std::uint64_t generation() const noexcept { return generation_; }
    const asmap::as_map& map() const noexcept { return map_; }
    inference::classifier& classifier() noexcept { return *classifier_; }
    const inference::classifier& classifier() const noexcept { return *classifier_; }
    verdict_map& verdicts() noexcept { return verdicts_; }
    const verdict_map& verdicts() const noexcept { return verdicts_; }
    /// The latest trace's path and ping target per (agent, target prefix); restored by load()
    /// from the verdicts' evidence.
    observed_map& observed() noexcept { return observed_; }
    const observed_map& observed() const noexcept { return observed_; }
    /// The last ping's loss per (agent, target prefix) with a verdict row; restored by load()
    /// and refresh() from the rows.
    loss_map& losses() noexcept { return losses_; }
    const loss_map& losses() const noexcept { return losses_; }
    /// The target prefix (as text) of a ping by `agent` to `dst` outside every campaign target:
    /// the one whose ping target is `dst`, if any.
    std::optional<std::string> target_pinged(const std::string& agent, ipv4_addr dst) const;
    /// The ping targets of `agent`, by target prefix (the assignment).
    std::map<ipv4_prefix, ipv4_addr> ping_targets(const std::string& agent) const;

private:
    /// Keeps `loss` for `key`, or forgets the key when no ping set it.
    void set_loss(const loss_map::key_type& key, last_loss loss);
    /// A classifier on campaigns_ and map_ with the trackers of `from` (may be null).
    std::unique_ptr<inference::classifier> rebuild(const inference::classifier* from) const;

    asmap::as_map map_;
    std::shared_ptr<const campaign::campaign_set> campaigns_;
    std::uint64_t generation_ = 0;
    std::uint32_t hysteresis_ = 3;
    std::uint32_t max_paths_ = inference::default_max_paths_per_target;
    std::unique_ptr<inference::classifier> classifier_; ///< refers to campaigns_ and map_
    verdict_map verdicts_;
    observed_map observed_;
    loss_map losses_;
};

} // namespace tumen::controller::pipeline
