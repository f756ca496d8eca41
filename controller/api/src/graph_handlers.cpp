#include "graph_handlers.hpp"

namespace tumen::controller::api {
namespace {

/// The longest agent name, trace id or target text accepted in a query.
constexpr std::size_t max_param_length = 256;

/// A required query parameter, or the 400 that names it.
std::optional<std::string> required(const request& req, std::string_view key,
                                    std::optional<response>& error) {
    auto v = query_param(req.target(), key);
    if (!v || v->empty()) {
        error = error_response(req, http::status::bad_request,
                               "missing query parameter " + std::string(key) +
                                   " (or it is empty or badly percent-encoded)",
                               key);
        return std::nullopt;
    }
    if (v->size() > max_param_length) {
        error = error_response(req, http::status::bad_request,
                               "query parameter " + std::string(key) + " is longer than " +
                                   std::to_string(max_param_length) + " bytes",
                               key);
        return std::nullopt;
    }
    return v;
}

response storage_error(const request& req, const std::error_code& ec) {
    return error_response(req, http::status::service_unavailable, "storage error: " + ec.message());
}

} // namespace

response handle_graph(const request& req, context& ctx) {
    std::optional<response> error;
    const auto agent = required(req, "agent", error);
    if (!agent) {
        return std::move(*error);
    }
    const auto target_text = required(req, "target", error);
    if (!target_text) {
        return std::move(*error);
    }
    const auto target = ipv4_prefix::parse(*target_text, true);
    if (!target) {
        return error_response(req, http::status::bad_request,
                              "target must be an IPv4 prefix with its host bits zero, like "
                              "198.51.100.0/24, got \"" +
                                  *target_text + "\"",
                              "target");
    }
    std::optional<std::int64_t> at;
    if (auto a = query_param(req.target(), "at")) {
        at = parse_since(*a);
        if (!at) {
            return error_response(req, http::status::bad_request,
                                  "at must be Unix seconds or an RFC 3339 time like "
                                  "2017-10-01T09:07:00Z, got \"" +
                                      *a + "\"",
                                  "at");
        }
    }
    std::error_code ec;
    auto doc = ctx.ingest.graph(*agent, *target, at, ec);
    if (ec) {
        return storage_error(req, ec);
    }
    if (!doc) {
        return error_response(req, http::status::not_found,
                              "no path known for agent \"" + *agent + "\" and target " +
                                  target->to_string() +
                                  (at ? " at or before " + std::to_string(*at) : std::string()));
    }
    return json_response(req, http::status::ok, *doc);
}

response handle_trace(const request& req, context& ctx) {
    std::optional<response> error;
    const auto agent = required(req, "agent", error);
    if (!agent) {
        return std::move(*error);
    }
    const auto id = required(req, "id", error);
    if (!id) {
        return std::move(*error);
    }
    std::error_code ec;
    auto doc = ctx.ingest.trace(*agent, *id, ec);
    if (ec) {
        return storage_error(req, ec);
    }
    if (!doc) {
        return error_response(req, http::status::not_found,
                              "no stored traceroute \"" + *id + "\" of agent \"" + *agent + "\"");
    }
    return json_response(req, http::status::ok, *doc);
}

} // namespace tumen::controller::api
