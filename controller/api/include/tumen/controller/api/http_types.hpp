#pragma once
/// @file
/// The HTTP message types of the controller API (Boost.Beast, string bodies) and helpers to
/// build JSON responses and error responses with the API's error format
/// (`{"error": "...", "where": "...", "status": N}`, see docs/api.md).
#include <string>
#include <string_view>

#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include <tumen/common/asio.hpp>

namespace tumen::controller::api {

namespace http = boost::beast::http;

/// A request as the server hands it to handle().
using request = http::request<http::string_body>;
/// A response as handle() returns it.
using response = http::response<http::string_body>;

/// A response with a JSON body (Content-Type: application/json).
response json_response(const request& req, http::status status, const nlohmann::json& body);
/// An error response: `what` and, if not empty, `where` (a field path like
/// "results[3].result[0].hop").
response error_response(const request& req, http::status status, std::string_view what,
                        std::string_view where = {});
/// A text response (e.g. /metrics, /healthz).
response text_response(const request& req, http::status status, std::string body,
                       std::string_view content_type = "text/plain; charset=utf-8");

} // namespace tumen::controller::api
