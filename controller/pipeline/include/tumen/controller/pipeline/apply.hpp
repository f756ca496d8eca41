#pragma once
/// @file
/// The second step of ingest: apply() stores a parsed batch and runs inference on it, in one
/// store transaction: results (idempotent on result id: a stored id is a duplicate,
/// acknowledged but not counted again), their hops mapped to ASes, border inference,
/// hysteresis, verdicts and change events. It returns what the batch did, for publish().
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <tumen/controller/pipeline/batch.hpp>
#include <tumen/controller/pipeline/error.hpp>
#include <tumen/controller/pipeline/verdict_state.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::pipeline {

/// One RTT observation for the metrics (path names as in the metric labels): a trace's under
/// the path it observed, a ping's under the path the latest trace of its agent x target
/// observed (verdict_state::observed), never the confirmed path.
struct rtt_sample {
    std::string target, path;
    double seconds = 0;
    bool border = false; ///< RTT to the border hop, else end-to-end
};
/// The loss ratio of one ping.
struct loss_sample {
    std::string target;
    double ratio = 0;
    std::string path; ///< the path the latest trace of agent x target observed
};
/// A confirmed change, by path names.
struct path_change {
    std::string target, from, to;
};

/// What a committed batch did.
struct batch_outcome {
    std::string agent;
    std::int64_t now = 0; ///< time of receipt (Unix seconds)
    std::size_t stored = 0;
    std::size_t duplicates = 0;
    std::size_t changes = 0; ///< change events this batch caused
    std::vector<rtt_sample> rtts;
    std::vector<loss_sample> losses;
    std::vector<path_change> path_changes;
    std::map<std::string, std::string> paths;   ///< target -> current path name, where moved
    std::map<std::string, bool> reachable;      ///< target -> reachable, every target touched
    std::vector<store::change_row> change_rows; ///< the stored change events
};

/// Stores and infers `batch` received at `now`, all or nothing. On a storage error nothing
/// of the batch stays: the transaction rolls back and `state` is reloaded from `db`; the
/// error is error_kind::storage_unavailable. A batch the store aborted as a deadlock or
/// serialization failure (store::is_conflict: two replicas locked pairs in opposite orders)
/// runs again on the reloaded state, up to 3 times in all. Never throws.
expected<batch_outcome> apply(const parsed_batch& batch, store::store& db, verdict_state& state,
                              std::int64_t now);

} // namespace tumen::controller::pipeline
