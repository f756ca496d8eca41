#pragma once
/// @file
/// The last step of ingest: publish() shows a committed batch in the metrics and the log.
/// Metrics change only after the store committed, so they never count what was rolled back.
#include <string>

#include <tumen/controller/metrics/controller_metrics.hpp>
#include <tumen/controller/pipeline/apply.hpp>
#include <tumen/controller/pipeline/error.hpp>
#include <tumen/controller/pipeline/verdict_state.hpp>

namespace tumen::controller::pipeline {

/// Counts, last-seen time, RTTs, losses, changes, border paths and reachability
/// (tumen_target_reachable) of a committed batch; logs
/// each change event.
void publish(const batch_outcome& outcome, metrics::controller_metrics& m);

/// Counts the results of a refused batch (outcome "rejected" for an invalid batch or one
/// with another agent's result, "failed" for a storage error).
void publish_refused(const std::string& agent, const batch_error& error,
                     metrics::controller_metrics& m);

/// The border path and reachability of every verdict in `state` and the data sets of its AS map
/// (tumen_dataset_info) (start-up, and after a reload).
void publish_verdicts(const verdict_state& state, metrics::controller_metrics& m);

/// The last ping's loss of every verdict in `state` (tumen_loss_ratio, tumen_path_loss_ratio),
/// as a single controller's pings set them: the exporter replica of a shared store publishes
/// them from the rows, the replica that stored the ping does not.
void publish_losses(const verdict_state& state, metrics::controller_metrics& m);

/// tumen_dataset_info of the data sets of `state`'s AS map only (after a reload of the map).
void publish_datasets(const verdict_state& state, metrics::controller_metrics& m);

} // namespace tumen::controller::pipeline
