#pragma once
// Private: the read-only path-graph endpoints, routed by handle() (handlers.cpp).
#include <tumen/controller/api/handlers.hpp>

namespace tumen::controller::api {

/// GET /api/v1/graph?agent=A&target=PREFIX[&at=TIME]: the path graph of (A, PREFIX).
/// 400 naming the parameter that is missing or bad, 404 when no path of (A, PREFIX) is known,
/// 503 on a storage error.
response handle_graph(const request& req, context& ctx);

/// GET /api/v1/trace?agent=A&id=ID: the stored hops of A's traceroute ID. 400 naming the
/// missing parameter, 404 when unknown, 503 on a storage error.
response handle_trace(const request& req, context& ctx);

} // namespace tumen::controller::api
