#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <limits>
#include <openssl/evp.h>

#include <tumen/common/protocol/assignment.hpp>
#include <tumen/common/protocol/batch.hpp>
#include <tumen/controller/api/handlers.hpp>
#include <tumen/controller/api/ingest_status.hpp>
#include <tumen/controller/inference/ping_target.hpp>

#include "graph_handlers.hpp"
#include "page_handlers.hpp"

namespace tumen::controller::api {
namespace {

constexpr std::string_view results_path = "/api/v1/results";
constexpr std::string_view agents_prefix = "/api/v1/agents/";
constexpr std::string_view assignment_suffix = "/assignment";

std::string_view path_of(std::string_view target) {
    auto q = target.find('?');
    return q == std::string_view::npos ? target : target.substr(0, q);
}

/// RFC 6750 section 3: a missing token gets a bare challenge, a wrong one error=invalid_token.
response unauthorized(const request& req, bool token_present, std::string_view what,
                      std::string_view where = {}) {
    auto res = error_response(req, http::status::unauthorized, what, where);
    res.set(http::field::www_authenticate, token_present
                                               ? R"(Bearer realm="tumen", error="invalid_token")"
                                               : R"(Bearer realm="tumen")");
    return res;
}

/// The 401 of a results upload whose token names no agent.
response no_agent_token(const request& req, bool token_present) {
    return unauthorized(req, token_present,
                        token_present ? "invalid bearer token"
                                      : "missing bearer token (Authorization: Bearer ...)");
}

response method_not_allowed(const request& req, std::string_view allow) {
    auto res = error_response(req, http::status::method_not_allowed,
                              "method " + std::string(req.method_string()) + " not allowed");
    res.set(http::field::allow, allow);
    return res;
}

bool is_json_content_type(std::string_view ct) {
    auto semi = ct.find(';');
    std::string_view base = ct.substr(0, semi);
    while (!base.empty() && base.back() == ' ') {
        base.remove_suffix(1);
    }
    std::string lower(base);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower == "application/json";
}

std::string hex_sha256(std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    if (EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr) != 1) {
        return "0";
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < 16 && i < len; ++i) {
        out.push_back(digits[md[i] >> 4]);
        out.push_back(digits[md[i] & 0xf]);
    }
    return out;
}

/// RFC 7232 section 3.2: If-None-Match is "*" or a list of entity tags (weak ones match
/// too under the weak comparison used for GET).
bool etag_matches(std::string_view header, std::string_view etag) {
    if (header == "*") {
        return true;
    }
    std::size_t pos = 0;
    while (pos < header.size()) {
        auto comma = header.find(',', pos);
        std::string_view item = header.substr(
            pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos);
        while (!item.empty() && item.front() == ' ') {
            item.remove_prefix(1);
        }
        while (!item.empty() && item.back() == ' ') {
            item.remove_suffix(1);
        }
        if (item.substr(0, 2) == "W/") {
            item.remove_prefix(2);
        }
        if (item == etag) {
            return true;
        }
        if (comma == std::string_view::npos) {
            break;
        }
        pos = comma + 1;
    }
    return false;
}

/// The reply's `rejected` list (common/protocol/batch.hpp).
nlohmann::json rejected_list(const std::vector<pipeline::rejected_result>& rejected) {
    std::vector<protocol::rejected_entry> entries;
    entries.reserve(rejected.size());
    for (const auto& r : rejected) {
        entries.push_back(protocol::rejected_entry{r.index, r.id, r.reason, r.what});
    }
    return protocol::rejected_json(entries);
}

/// A refused batch: 401 with an invalid_token challenge for another agent's result, 403 with
/// the reason of each result when none is the agent's assigned work, 503 with Retry-After
/// when storage is unavailable (RFC 7231 section 7.1.3).
response ingest_error_response(const request& req, const pipeline::batch_error& error) {
    const auto status = status_of(error.kind);
    if (status == http::status::unauthorized) {
        return unauthorized(req, true, error.what, error.where);
    }
    if (!error.rejected.empty()) {
        nlohmann::json body{{"status", static_cast<unsigned>(status)},
                            {"error", error.what},
                            {"rejected", rejected_list(error.rejected)}};
        if (!error.where.empty()) {
            body["where"] = error.where;
        }
        return json_response(req, status, body);
    }
    auto res = error_response(req, status, error.what, error.where);
    if (status == http::status::service_unavailable) {
        res.set(http::field::retry_after, "5");
    }
    return res;
}

response handle_results(const request& req, context& ctx) {
    if (req.method() != http::verb::post) {
        return method_not_allowed(req, "POST");
    }
    auto auth = authenticate(req, ctx.config);
    if (auth.agent == nullptr) {
        return no_agent_token(req, auth.token_present);
    }
    if (req.body().size() > ctx.config.body_limit) {
        return error_response(req, http::status::payload_too_large,
                              "body of " + std::to_string(req.body().size()) +
                                  " bytes exceeds the limit of " +
                                  std::to_string(ctx.config.body_limit));
    }
    auto ct = req[http::field::content_type];
    if (!is_json_content_type(ct)) {
        return error_response(req, http::status::unsupported_media_type,
                              "Content-Type must be application/json, got \"" + std::string(ct) +
                                  "\"");
    }
    const auto result = ctx.ingest.ingest(auth.agent->name, req.body(), ctx.clock());
    if (!result) {
        return ingest_error_response(req, result.error());
    }
    return json_response(req, http::status::ok,
                         {{"stored", result->stored},
                          {"duplicates", result->duplicates},
                          {"changes", result->changes},
                          {"rejected", rejected_list(result->rejected)}});
}

response handle_assignment(const request& req, context& ctx, std::string_view agent_name) {
    if (req.method() != http::verb::get) {
        return method_not_allowed(req, "GET");
    }
    const agent_entry* agent = ctx.config.find_agent(agent_name);
    auto auth = authenticate(req, ctx.config, agent);
    if (agent == nullptr || auth.agent == nullptr) {
        return unauthorized(req, auth.token_present,
                            !auth.token_present ? "missing bearer token (Authorization: Bearer ...)"
                            : agent == nullptr ? "unknown agent \"" + std::string(agent_name) + "\""
                                               : "token is not valid for agent \"" +
                                                     std::string(agent_name) + "\"");
    }
    auto set = ctx.campaigns.current();
    auto doc = assignment_document(*set, *agent, ctx.clock(), ctx.ingest.ping_targets(agent->name),
                                   ctx.config.hysteresis);
    const std::string etag = "\"" + doc["version"].get<std::string>() + "\"";
    auto inm = req[http::field::if_none_match];
    if (!inm.empty() && etag_matches(inm, etag)) {
        response res{http::status::not_modified, req.version()};
        res.set(http::field::server, "tumen-controller");
        res.set(http::field::etag, etag);
        res.keep_alive(req.keep_alive());
        return res;
    }
    auto res = json_response(req, http::status::ok, doc);
    res.set(http::field::etag, etag);
    return res;
}

} // namespace

std::optional<response> check_header(const request& req, context& ctx) {
    if (path_of(req.target()) != results_path || req.method() != http::verb::post) {
        return std::nullopt;
    }
    auto auth = authenticate(req, ctx.config);
    if (auth.agent == nullptr) {
        return no_agent_token(req, auth.token_present);
    }
    if (ctx.uploads == nullptr) {
        return std::nullopt;
    }
    const auto wait = ctx.uploads->admit(auth.agent->name, upload_rate_limiter::clock::now());
    if (!wait) {
        return std::nullopt;
    }
    ctx.metrics.count_throttled(auth.agent->name);
    const auto rate = ctx.uploads->rate();
    char per_second[32];
    std::snprintf(per_second, sizeof per_second, "%g", rate.per_second);
    auto res = error_response(req, http::status::too_many_requests,
                              "agent \"" + auth.agent->name +
                                  "\" is over its upload rate (upload_rate: " + per_second +
                                  std::string(" per second, burst ") + std::to_string(rate.burst) +
                                  "); retry after " + std::to_string(wait->count()) + " s");
    res.set(http::field::retry_after, std::to_string(wait->count()));
    return res;
}

auth_result authenticate(const request& req, const server_config& config, const agent_entry* only) {
    auth_result r;
    auto header = req[http::field::authorization];
    // RFC 6750 section 2.1: credentials = "Bearer" 1*SP b64token; the scheme is
    // case-insensitive (RFC 7235 section 2.1).
    constexpr std::string_view scheme = "bearer ";
    if (header.size() <= scheme.size()) {
        return r;
    }
    std::string lower(header.substr(0, scheme.size()));
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower != scheme) {
        return r;
    }
    std::string_view token = header.substr(scheme.size());
    while (!token.empty() && token.front() == ' ') {
        token.remove_prefix(1);
    }
    while (!token.empty() && token.back() == ' ') {
        token.remove_suffix(1);
    }
    if (token.empty()) {
        return r;
    }
    r.token_present = true;
    if (only != nullptr) {
        if (only->token.matches(token)) {
            r.agent = only;
        }
        return r;
    }
    for (const auto& a : config.agents) {
        if (a.token.matches(token)) {
            r.agent = &a;
            break;
        }
    }
    return r;
}

std::optional<std::string> query_param(std::string_view target, std::string_view key) {
    auto q = target.find('?');
    if (q == std::string_view::npos) {
        return std::nullopt;
    }
    std::string_view query = target.substr(q + 1);
    while (!query.empty()) {
        auto amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        auto eq = pair.find('=');
        std::string_view k = pair.substr(0, eq);
        if (k == key) {
            std::string_view v =
                eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
            std::string out;
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (v[i] == '%') {
                    if (i + 2 >= v.size()) {
                        return std::nullopt;
                    }
                    unsigned value = 0;
                    auto [p, ec] = std::from_chars(v.data() + i + 1, v.data() + i + 3, value, 16);
                    if (ec != std::errc{} || p != v.data() + i + 3) {
                        return std::nullopt;
                    }
                    out.push_back(static_cast<char>(value));
                    i += 2;
                } else {
                    out.push_back(v[i]);
                }
            }
            return out;
        }
        if (amp == std::string_view::npos) {
            break;
        }
        query.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

namespace {

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') {
            return false;
        }
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

} // namespace

std::optional<std::int64_t> parse_since(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::int64_t v = 0;
        auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc{} || p != text.data() + text.size()) {
            return std::nullopt;
        }
        return v;
    }
    // RFC 3339 section 5.6: date-time = full-date "T" full-time
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
        !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
        (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, hour) ||
        text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
        !digits(text, 17, 2, second)) {
        return std::nullopt;
    }
    static constexpr int month_days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1 || day > month_days[month - 1] || hour > 23 ||
        minute > 59 || second > 60) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            ++pos;
        }
        if (pos == start) {
            return std::nullopt;
        }
    }
    std::int64_t offset = 0;
    if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
        ++pos;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
        int oh = 0, om = 0;
        if (!digits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
            !digits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
            return std::nullopt;
        }
        offset = (oh * 3600 + om * 60) * (text[pos] == '+' ? 1 : -1);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) {
        return std::nullopt;
    }
    const std::int64_t days =
        days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    return days * 86400 + hour * 3600 + minute * 60 + std::min(second, 59) - offset;
}

nlohmann::json assignment_document(const campaign::campaign_set& set, const agent_entry& agent,
                                   std::int64_t now,
                                   const std::map<ipv4_prefix, ipv4_addr>& ping_to,
                                   std::uint32_t hysteresis) {
    protocol::assignment doc;
    doc.agent = agent.name;
    for (const auto& c : set.campaigns) {
        if (!c.agents.matches(agent.name, agent.labels)) {
            continue;
        }
        const campaign::round_clock clock(c.params.interval);
        const std::uint64_t round = clock.round_at(now);
        campaign::campaign_set one;
        one.campaigns.push_back(c);
        auto work = campaign::compute_work(one, agent.name, agent.labels, round);
        inference::point_pings(work, ping_to);
        for (auto& w : work) {
            w.hysteresis = hysteresis;
            doc.work.push_back(std::move(w));
        }
        doc.campaigns.push_back({c.name, round});
        doc.valid_until =
            std::min(doc.valid_until.value_or(clock.end_of(round)), clock.end_of(round));
    }
    doc.version = hex_sha256(protocol::content_json(doc).dump());
    return protocol::to_json(doc);
}

response handle(const request& req, context& ctx) {
    const std::string_view target = req.target();
    const std::string_view path = path_of(target);
    if (path == results_path) {
        return handle_results(req, ctx);
    }
    if (path.substr(0, agents_prefix.size()) == agents_prefix &&
        path.size() > agents_prefix.size() + assignment_suffix.size() &&
        path.substr(path.size() - assignment_suffix.size()) == assignment_suffix) {
        std::string_view name = path.substr(
            agents_prefix.size(), path.size() - agents_prefix.size() - assignment_suffix.size());
        if (name.find('/') == std::string_view::npos) {
            return handle_assignment(req, ctx, name);
        }
    }
    if (auto refused = check_ui_access(req, ctx, path)) {
        return std::move(*refused);
    }
    const bool get = req.method() == http::verb::get;
    if (path == "/" || path == "/index.html" || path.substr(0, 4) == "/ui/") {
        if (!get) {
            return method_not_allowed(req, "GET");
        }
        return handle_page(req, ctx, path);
    }
    if (path == "/api/v1/matrix") {
        if (!get) {
            return method_not_allowed(req, "GET");
        }
        return handle_matrix(req, ctx);
    }
    if (path == "/api/v1/series") {
        if (!get) {
            return method_not_allowed(req, "GET");
        }
        return handle_series(req, ctx);
    }
    if (path == "/api/v1/paths") {
        if (!get) {
            return method_not_allowed(req, "GET");
        }
        return json_response(req, http::status::ok, ctx.ingest.paths(ctx.clock()));
    }
    if (path == "/api/v1/changes") {
        if (!get) {
            return method_not_allowed(req, "GET");
        }
        return handle_changes(req, ctx);
    }
    if (path == "/api/v1/agents") {
        if (!get) {
            return method_not_allowed(req, "GET");
        }
        std::error_code ec;
        auto doc = ctx.ingest.agents(ec);
        if (ec) {
            return error_response(req, http::status::service_unavailable,
                                  "storage error: " + ec.message());
        }
        return json_response(req, http::status::ok, doc);
    }
    if (path == "/api/v1/graph" || path == "/api/v1/trace") {
        if (!get) {
            return method_not_allowed(req, "GET");
        }
        return path == "/api/v1/graph" ? handle_graph(req, ctx) : handle_trace(req, ctx);
    }
    if (path == "/healthz") {
        if (!get) {
            return method_not_allowed(req, "GET");
        }
        return json_response(req, http::status::ok,
                             {{"status", "ok"},
                              {"campaigns", ctx.campaigns.current()->campaigns.size()},
                              {"campaign_generation", ctx.campaigns.generation()}});
    }
    if (path == "/metrics") {
        if (!get) {
            return method_not_allowed(req, "GET");
        }
        return text_response(req, http::status::ok, ctx.metrics.render(),
                             "text/plain; version=0.0.4; charset=utf-8");
    }
    return error_response(req, http::status::not_found, "no such endpoint: " + std::string(path));
}

} // namespace tumen::controller::api
