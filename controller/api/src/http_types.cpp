#include <tumen/controller/api/http_types.hpp>

namespace tumen::controller::api {

response text_response(const request& req, http::status status, std::string body,
                       std::string_view content_type) {
    response res{status, req.version()};
    res.set(http::field::server, "tumen-controller");
    res.set(http::field::content_type, content_type);
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

response json_response(const request& req, http::status status, const nlohmann::json& body) {
    return text_response(req, status,
                         body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                         "application/json");
}

response error_response(const request& req, http::status status, std::string_view what,
                        std::string_view where) {
    nlohmann::json body{{"status", static_cast<unsigned>(status)}, {"error", what}};
    if (!where.empty()) {
        body["where"] = where;
    }
    return json_response(req, status, body);
}

} // namespace tumen::controller::api
