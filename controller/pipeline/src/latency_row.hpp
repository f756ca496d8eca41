#pragma once
/// @file
/// The stored form of what an (agent, target prefix)'s traces and pings measured
/// (inference::pair_latency): the JSON text of the verdicts table's `latency` column (schema
/// v3), written in the transaction of every result that moves it, pings included, and read
/// back at start-up and under the pair's lock when another replica moved it. One writer and
/// one parser. It also keeps the loss of the pair's last ping (last_loss), which the exporter
/// replica of a shared store publishes as tumen_loss_ratio and tumen_path_loss_ratio.
#include <optional>
#include <string>
#include <string_view>

#include <tumen/controller/inference/latency.hpp>
#include <tumen/controller/pipeline/verdict_state.hpp>

namespace tumen::controller::pipeline {

/// The JSON text of `l` and `loss`: {"observed": path or null, "paths": {path: {"traces",
/// "pings", "sent", "lost", "end_to_end", "border"}}, "loss": {"last": ratio, "paths": {path
/// name: ratio}}}, each RTT summary as [count, sum, min, max, last]; "loss" only when a ping
/// set it.
std::string latency_to_json(const inference::pair_latency& l, const last_loss& loss = {});

/// Reads a text latency_to_json wrote; an empty text (rows stored before schema v3) is an
/// empty pair_latency; nullopt when the text is damaged. Never throws.
/// When `loss` is not null, it receives the last ping's loss the text keeps: empty when it has
/// none (rows of the previous v3 release, or no ping yet) or that part is damaged.
std::optional<inference::pair_latency> latency_from_json(std::string_view text,
                                                         last_loss* loss = nullptr);

/// Only the last ping's loss of a text latency_to_json wrote (as latency_from_json gives it;
/// empty for a damaged text). Never throws.
last_loss loss_from_json(std::string_view text);

} // namespace tumen::controller::pipeline
