#include <tumen/controller/api/ingest_status.hpp>

namespace tumen::controller::api {

http::status status_of(pipeline::error_kind kind) noexcept {
    switch (kind) {
    case pipeline::error_kind::invalid:
        return http::status::bad_request;
    case pipeline::error_kind::other_agent:
        return http::status::unauthorized;
    case pipeline::error_kind::not_assigned:
        return http::status::forbidden;
    case pipeline::error_kind::storage_unavailable:
        return http::status::service_unavailable;
    }
    return http::status::internal_server_error;
}

} // namespace tumen::controller::api
