#pragma once
/// @file
/// The controller's page and the read-only endpoints it reads (docs/api.md, "The page"):
/// GET / and /ui/... (files built into the binary, libraries from Debian packages),
/// GET /api/v1/matrix and GET /api/v1/series, and the optional `ui_token` that protects them
/// and the other read-only endpoints.
#include <optional>
#include <string_view>

#include <tumen/controller/api/handlers.hpp>

namespace tumen::controller::api {

/// Whether `path` is the page or one of the read-only endpoints that `ui_token` protects.
bool ui_protected(std::string_view path);
/// With `ui_token` configured: nullopt when the request presents it (Authorization: Bearer,
/// the cookie `tumen_ui_token` or the query parameter `token`), else the 401 (an HTML form for
/// the page, the JSON error for an endpoint). Without: nullopt.
std::optional<response> check_ui_access(const request& req, const context& ctx,
                                        std::string_view path);
/// GET / (index.html) and GET /ui/<file>, /ui/lib/<library>.
response handle_page(const request& req, const context& ctx, std::string_view path);
/// GET /api/v1/matrix.
response handle_matrix(const request& req, context& ctx);
/// GET /api/v1/series?agent=&target=&from=&to=.
response handle_series(const request& req, context& ctx);
/// GET /api/v1/changes?since=&until=&agent=&target=&path=&limit=&brief=.
response handle_changes(const request& req, context& ctx);

} // namespace tumen::controller::api
