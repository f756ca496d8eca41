#pragma once
/// @file
/// The stored form of what an (agent, target prefix)'s traces and pings measured
/// (inference::pair_latency): the JSON text of the verdicts table's `latency` column (schema
/// v3), written in the transaction of every result that moves it, pings included, and read
/// back at start-up and under the pair's lock when another replica moved it. One writer and
/// one parser.
#include <optional>
#include <string>
#include <string_view>

#include <tumen/controller/inference/latency.hpp>

namespace tumen::controller::pipeline {

/// The JSON text of `l`: {"observed": path or null, "paths": {path: {"traces", "pings",
/// "sent", "lost", "end_to_end", "border"}}}, each RTT summary as [count, sum, min, max, last].
std::string latency_to_json(const inference::pair_latency& l);

/// Reads a text latency_to_json wrote; an empty text (rows stored before schema v3) is an
/// empty pair_latency; nullopt when the text is damaged. Never throws.
std::optional<inference::pair_latency> latency_from_json(std::string_view text);

} // namespace tumen::controller::pipeline
