#pragma once
/// @file
/// The controller API as plain functions: `handle(request, context)` routes a parsed request
/// and returns the response without touching a socket, so every endpoint is unit-testable
/// (tests/controller/api/handlers_test.cpp). The Beast server (http_server.hpp) only
/// reads requests, calls handle() and writes responses.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/api/http_types.hpp>
#include <tumen/controller/api/upload_rate_limiter.hpp>
#include <tumen/controller/config/campaign_source.hpp>
#include <tumen/controller/config/server_config.hpp>
#include <tumen/controller/metrics/controller_metrics.hpp>
#include <tumen/controller/pipeline/ingest_service.hpp>

namespace tumen::controller::api {

using config::agent_entry;
using config::campaign_source;
using config::server_config;
using metrics::controller_metrics;
using pipeline::ingest_service;

/// What the handlers work with.
struct context {
    const server_config& config;
    ingest_service& ingest;
    campaign_source& campaigns;
    controller_metrics& metrics;
    /// Current Unix time in seconds (replaceable in tests).
    std::function<std::int64_t()> clock;
    /// The per-agent upload rate limit applied by check_header(); null: no limit.
    upload_rate_limiter* uploads = nullptr;
};

/// Routes and handles one request:
/// POST /api/v1/results, GET /api/v1/agents/{id}/assignment, GET /api/v1/paths,
/// GET /api/v1/changes?since=&until=&agent=&target=&path=, GET /api/v1/agents,
/// GET /api/v1/matrix, GET /api/v1/series, GET / and /ui/... (the page),
/// GET /api/v1/graph?agent=&target=[&at=], GET /api/v1/trace?agent=&id= (graph_handlers.hpp),
/// GET /healthz, GET /metrics. With `ui_token` configured, the page and the read-only API
/// need it.
response handle(const request& req, context& ctx);

/// Checks a request from its header alone, before the body is read (the server's
/// check_header): a POST /api/v1/results without a valid agent token gets its 401 here, so an
/// outsider's body is never read into memory; an agent over its upload rate (ctx.uploads)
/// gets 429 with Retry-After (whole seconds) and tumen_uploads_throttled_total{agent} counts
/// it. nullopt: read the body and call handle().
std::optional<response> check_header(const request& req, context& ctx);

/// Result of checking the Authorization header.
struct auth_result {
    const agent_entry* agent = nullptr; ///< the authenticated agent, or nullptr
    bool token_present = false;         ///< a Bearer token was given (wrong) vs. none at all
};
/// Finds the agent whose token hash matches the request's `Authorization: Bearer` token
/// (RFC 6750 section 2.1); constant-time comparison per agent. With `only` set, checks that
/// agent only.
auth_result authenticate(const request& req, const server_config& config,
                         const agent_entry* only = nullptr);

/// Parses a `since` value: Unix seconds ("1506848820") or RFC 3339
/// ("2017-10-01T09:07:00Z", "2017-10-01T12:07:00+03:00", fractions ignored).
std::optional<std::int64_t> parse_since(std::string_view text);

/// Splits "/path?a=1&b=2" and percent-decodes (RFC 3986 section 2.1) the value of `key`;
/// nullopt when absent or badly encoded.
std::optional<std::string> query_param(std::string_view target, std::string_view key);

/// The assignment document of `agent`: every work item of the campaigns it takes part in, for
/// each campaign's current round (round = now / interval), with a version (the ETag value)
/// that changes only when the work changes, and `valid_until` (the next round boundary).
/// Ping items of a prefix in `ping_to` go to its address (chosen from the traces). Work items
/// carry `hysteresis` (controller.yaml's K) for the agent's watch confirmations.
nlohmann::json assignment_document(const campaign::campaign_set& set, const agent_entry& agent,
                                   std::int64_t now,
                                   const std::map<ipv4_prefix, ipv4_addr>& ping_to = {},
                                   std::uint32_t hysteresis = campaign::default_hysteresis);

} // namespace tumen::controller::api
