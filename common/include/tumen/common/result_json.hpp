#pragma once
/// @file
/// JSON form of tumen results: RIPE Atlas traceroute/ping compatible plus tumen fields.
/// The exact layout is documented in docs/result-format.md. Parsers never throw: they
/// return a parse_error whose `where` names the offending field (e.g.
/// "result[2].result[0].rtt").
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tumen/common/parse_error.hpp>
#include <tumen/common/result.hpp>

namespace tumen::result {

/// The most hops a trace may carry (one per TTL 1..255).
inline constexpr std::size_t max_hops = 255;
/// The most replies one hop may carry (16 attempts, each with late or duplicate replies).
inline constexpr std::size_t max_replies_per_hop = 64;

/// The largest round-trip time accepted, in ms (an hour: anything above is not a measurement).
inline constexpr double max_rtt_ms = 3'600'000.0;

/// How strict trace/ping parsing is.
struct parse_options {
    /// true (tumen's own JSON): `id`, `agent` and `method` are required. false (RIPE Atlas
    /// results): they may be absent; `agent` then comes from `prb_id` and `id` from
    /// msm_id/prb_id/timestamp.
    bool require_tumen_fields = true;
};

/// Serialises a trace (RTT in ms, `type:"traceroute"`, Atlas `result` array of hops).
nlohmann::json to_json(const trace& t);
/// Serialises a ping (Atlas ping form: sent, rcvd, min, avg, max, result).
nlohmann::json to_json(const ping& p);

/// The same text as to_json(t).dump(), written without building the JSON tree (the probe
/// writes a line per result; see result_json_text.cpp).
std::string to_json_text(const trace& t);
/// The same text as to_json(p).dump().
std::string to_json_text(const ping& p);

/// Parses a traceroute object (tumen JSON, or Atlas with `require_tumen_fields=false`).
/// Rejects wrong types, missing required fields, non-IPv4 addresses, out-of-range numbers,
/// more than max_hops hops or max_replies_per_hop replies, and hops not in increasing TTL
/// order (out of order or repeated) with the field path in the error.
parsed<trace> parse_trace(const nlohmann::json& j, const parse_options& opts = {});
/// Parses a ping object.
parsed<ping> parse_ping(const nlohmann::json& j, const parse_options& opts = {});

/// Parses JSON text then the trace; JSON syntax errors are reported with their byte offset.
parsed<trace> parse_trace_text(std::string_view text, const parse_options& opts = {});
/// Parses JSON text then the ping.
parsed<ping> parse_ping_text(std::string_view text, const parse_options& opts = {});

} // namespace tumen::result
