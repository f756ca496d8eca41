#include "page_handlers.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>

#include "ui_files.hpp"

namespace tumen::controller::api {
namespace {

constexpr std::string_view cookie_name = "tumen_ui_token";
constexpr std::int64_t default_window = 24 * 3600;

response bad_parameter(const request& req, std::string_view name, const std::string& what) {
    return error_response(req, http::status::bad_request, what, name);
}

response storage_error(const request& req, const std::error_code& ec) {
    auto res =
        error_response(req, http::status::service_unavailable, "storage error: " + ec.message());
    res.set(http::field::retry_after, "5");
    return res;
}

/// The value of cookie `name` in a Cookie header (RFC 6265 section 4.2.1).
std::optional<std::string_view> cookie(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        auto semi = header.find(';');
        std::string_view pair = header.substr(0, semi);
        while (!pair.empty() && pair.front() == ' ') {
            pair.remove_prefix(1);
        }
        auto eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) {
            return pair.substr(eq + 1);
        }
        if (semi == std::string_view::npos) {
            break;
        }
        header.remove_prefix(semi + 1);
    }
    return std::nullopt;
}

/// The token a request presents for the page: bearer header, cookie, then `?token=`.
std::optional<std::string> presented_token(const request& req) {
    const std::string_view auth = req[http::field::authorization];
    constexpr std::string_view scheme = "bearer ";
    if (auth.size() > scheme.size()) {
        std::string lower(auth.substr(0, scheme.size()));
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (lower == scheme) {
            std::string_view t = auth.substr(scheme.size());
            while (!t.empty() && t.front() == ' ') {
                t.remove_prefix(1);
            }
            return std::string(t);
        }
    }
    if (auto c = cookie(req[http::field::cookie], cookie_name); c && !c->empty()) {
        return std::string(*c);
    }
    if (auto q = query_param(req.target(), "token"); q && !q->empty()) {
        return q;
    }
    return std::nullopt;
}

/// A token that can go into a cookie as it is (RFC 6265 cookie-octet, conservatively).
bool cookie_safe(std::string_view token) {
    return token.size() <= 256 && std::all_of(token.begin(), token.end(), [](unsigned char c) {
               return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
           });
}

constexpr std::string_view login_page = R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>tumen: token needed</title></head>
<body style="font-family: sans-serif; margin: 3em">
<h1>tumen</h1>
<p id="needs-token">This controller's page needs its <code>ui_token</code> (controller.yaml).</p>
<form method="get" action="/"><label>Token <input type="password" name="token" autofocus></label>
<button type="submit">Open</button></form>
</body></html>
)";

/// A time parameter (Unix seconds or RFC 3339); `fallback` when absent; nullopt when bad.
std::optional<std::optional<std::int64_t>> time_param(const request& req, std::string_view name) {
    auto v = query_param(req.target(), name);
    if (!v) {
        return std::optional<std::int64_t>{};
    }
    auto t = parse_since(*v);
    if (!t) {
        return std::nullopt;
    }
    return std::optional<std::int64_t>{*t};
}

std::string time_error(std::string_view name, const std::string& given) {
    return std::string(name) +
           " must be Unix seconds or an RFC 3339 time like 2017-10-01T09:07:00Z, got \"" + given +
           "\"";
}

/// An agent name as controller.yaml allows it: 1-64 of [A-Za-z0-9._-].
bool valid_agent_name(std::string_view name) {
    return !name.empty() && name.size() <= 64 &&
           std::all_of(name.begin(), name.end(), [](unsigned char c) {
               return std::isalnum(c) || c == '-' || c == '_' || c == '.';
           });
}

} // namespace

bool ui_protected(std::string_view path) {
    return path == "/" || path == "/index.html" || path.substr(0, 4) == "/ui/" ||
           path == "/api/v1/paths" || path == "/api/v1/changes" || path == "/api/v1/agents" ||
           path == "/api/v1/matrix" || path == "/api/v1/series" || path == "/api/v1/graph" ||
           path == "/api/v1/trace";
}

std::optional<response> check_ui_access(const request& req, const context& ctx,
                                        std::string_view path) {
    if (!ctx.config.ui_token || !ui_protected(path)) {
        return std::nullopt;
    }
    const auto token = presented_token(req);
    if (token && ctx.config.ui_token->matches(*token)) {
        return std::nullopt;
    }
    const bool page = path == "/" || path == "/index.html";
    if (page) {
        auto res = text_response(req, http::status::unauthorized, std::string(login_page),
                                 "text/html; charset=utf-8");
        return res;
    }
    auto res =
        error_response(req, http::status::unauthorized,
                       token ? "invalid ui_token"
                             : "this endpoint needs the ui_token (Authorization: Bearer ..., "
                               "the page's cookie or ?token=)");
    res.set(http::field::www_authenticate, token
                                               ? R"(Bearer realm="tumen-ui", error="invalid_token")"
                                               : R"(Bearer realm="tumen-ui")");
    return res;
}

response handle_page(const request& req, const context& ctx, std::string_view path) {
    std::string_view file = path == "/" ? std::string_view("index.html") : path.substr(4);
    if (path == "/index.html") {
        file = "index.html";
    }
    if (file.substr(0, 4) == "lib/") {
        const auto lib = ui::find_library(file.substr(4));
        if (!lib) {
            return error_response(req, http::status::not_found,
                                  "no such library: " + std::string(file.substr(4)));
        }
        std::ifstream in(lib->path, std::ios::binary);
        if (!in) {
            return error_response(req, http::status::not_found,
                                  lib->path + " is missing: install the Debian package " +
                                      lib->package);
        }
        std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        auto res =
            text_response(req, http::status::ok, std::move(body), "text/javascript; charset=utf-8");
        res.set(http::field::cache_control, "max-age=3600");
        return res;
    }
    const auto f = ui::find_embedded(file);
    if (!f) {
        return error_response(req, http::status::not_found, "no such file: " + std::string(path));
    }
    auto res = text_response(req, http::status::ok, std::string(f->body), f->content_type);
    res.set(http::field::cache_control, "no-cache");
    res.set("X-Content-Type-Options", "nosniff");
    if (file == "index.html") {
        // Nothing from elsewhere: scripts, styles and data come from this controller only.
        res.set("Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
        // A token given in the query becomes the page's cookie, so its requests carry it.
        if (ctx.config.ui_token) {
            if (auto q = query_param(req.target(), "token");
                q && cookie_safe(*q) && ctx.config.ui_token->matches(*q)) {
                res.set(http::field::set_cookie, std::string(cookie_name) + "=" + *q +
                                                     "; Path=/; HttpOnly; SameSite=Strict" +
                                                     (ctx.config.tls ? "; Secure" : ""));
            }
        }
    }
    return res;
}

response handle_matrix(const request& req, context& ctx) {
    return text_response(req, http::status::ok, ctx.ingest.matrix(ctx.clock()), "application/json");
}

response handle_series(const request& req, context& ctx) {
    const auto agent = query_param(req.target(), "agent");
    if (!agent || !valid_agent_name(*agent)) {
        return bad_parameter(req, "agent",
                             agent ? "agent must be 1-64 characters of [A-Za-z0-9._-], got \"" +
                                         *agent + "\""
                                   : std::string("agent is required"));
    }
    const auto target_text = query_param(req.target(), "target");
    const auto target = target_text ? ipv4_prefix::parse(*target_text) : std::nullopt;
    if (!target) {
        return bad_parameter(req, "target",
                             target_text ? "target must be a prefix like 198.51.100.0/24, got \"" +
                                               *target_text + "\""
                                         : std::string("target is required"));
    }
    const auto to = time_param(req, "to");
    if (!to) {
        return bad_parameter(req, "to", time_error("to", *query_param(req.target(), "to")));
    }
    const auto from = time_param(req, "from");
    if (!from) {
        return bad_parameter(req, "from", time_error("from", *query_param(req.target(), "from")));
    }
    const std::int64_t to_time = to->value_or(ctx.clock());
    const std::int64_t from_time = from->value_or(to_time - default_window);
    if (from_time > to_time) {
        return bad_parameter(req, "from",
                             "from (" + std::to_string(from_time) + ") is after to (" +
                                 std::to_string(to_time) + ")");
    }
    std::error_code ec;
    auto doc = ctx.ingest.series(*agent, *target, from_time, to_time, 100000, ec);
    if (ec) {
        return storage_error(req, ec);
    }
    return json_response(req, http::status::ok, doc);
}

response handle_changes(const request& req, context& ctx) {
    store::change_filter f;
    for (std::string_view name : {"since", "from"}) {
        const auto t = time_param(req, name);
        if (!t) {
            return bad_parameter(req, name, time_error(name, *query_param(req.target(), name)));
        }
        if (*t) {
            f.since = **t;
        }
    }
    for (std::string_view name : {"until", "to"}) {
        const auto t = time_param(req, name);
        if (!t) {
            return bad_parameter(req, name, time_error(name, *query_param(req.target(), name)));
        }
        if (*t) {
            f.until = **t;
        }
    }
    if (auto l = query_param(req.target(), "limit")) {
        std::size_t v = 0;
        auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), v);
        if (l->empty() || ec != std::errc{} || p != l->data() + l->size() || v == 0 || v > 100000) {
            return bad_parameter(req, "limit",
                                 "limit must be an integer in [1, 100000], got \"" + *l + "\"");
        }
        f.limit = v;
    }
    if (auto a = query_param(req.target(), "agent"); a && !a->empty()) {
        if (!valid_agent_name(*a)) {
            return bad_parameter(req, "agent",
                                 "agent must be 1-64 characters of [A-Za-z0-9._-], got \"" + *a +
                                     "\"");
        }
        f.agent = *a;
    }
    if (auto t = query_param(req.target(), "target"); t && !t->empty()) {
        const auto p = ipv4_prefix::parse(*t);
        if (!p) {
            return bad_parameter(
                req, "target", "target must be a prefix like 198.51.100.0/24, got \"" + *t + "\"");
        }
        f.target = p->to_string();
    }
    if (auto p = query_param(req.target(), "path"); p && !p->empty()) {
        if (p->size() > 128) {
            return bad_parameter(req, "path", "path must be a path name of at most 128 characters");
        }
        f.path = *p == "none" ? std::string() : *p;
    }
    if (auto n = query_param(req.target(), "newest")) {
        if (*n != "0" && *n != "1") {
            return bad_parameter(req, "newest", "newest must be 0 or 1, got \"" + *n + "\"");
        }
        f.newest = *n == "1";
    }
    bool brief = false;
    if (auto b = query_param(req.target(), "brief")) {
        if (*b != "0" && *b != "1") {
            return bad_parameter(req, "brief", "brief must be 0 or 1, got \"" + *b + "\"");
        }
        brief = *b == "1";
    }
    std::error_code ec;
    auto doc = ctx.ingest.changes(f, brief, ec);
    if (ec) {
        return storage_error(req, ec);
    }
    return json_response(req, http::status::ok, doc);
}

} // namespace tumen::controller::api
