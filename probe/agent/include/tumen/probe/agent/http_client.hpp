#pragma once
/// @file
/// A small HTTP/1.1 client for the controller API on Boost.Beast: plain TCP or TLS (verified
/// against a configured CA bundle or the system store, with host name / IP checks and SNI).
/// Every step (resolve, connect, handshake, write, read) has a timeout; failures are
/// reported as error codes, never exceptions. One connection per request.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <tumen/common/asio.hpp>
#include <tumen/probe/agent/agent_config.hpp>

#ifndef BOOST_ASIO_HAS_CO_AWAIT
#error "tumen_probe_agent needs C++20 coroutines in Boost.Asio (GCC >= 10 with -std=c++20)"
#endif

namespace tumen::probe::agent {

/// One request.
struct http_request {
    std::string method = "GET"; ///< "GET" or "POST"
    std::string target;         ///< path and query, appended to the URL's base path
    std::string body;
    std::string content_type;                                 ///< for a body
    std::vector<std::pair<std::string, std::string>> headers; ///< extra header fields
};

/// The outcome of one request: either `ec` is set (network error, timeout, TLS failure,
/// malformed response) or `status` holds the HTTP status.
struct http_response {
    std::error_code ec;
    std::string error_step; ///< which step failed ("connect", "read", ...), for logs
    bool timed_out = false; ///< `ec` is a step exceeding the timeout
    unsigned status = 0;
    std::string body;
    std::string etag;                                ///< ETag header, if any
    std::optional<std::chrono::seconds> retry_after; ///< Retry-After in seconds, if any
};

/// HTTP client bound to one controller URL.
class http_client {
public:
    /// `ca_file` empty: the system's default CA paths. Throws std::system_error when the
    /// CA file cannot be loaded (a start-up edge).
    http_client(boost::asio::any_io_executor ex, controller_url url,
                const std::filesystem::path& ca_file, std::chrono::milliseconds timeout,
                std::size_t max_response_bytes = 16u << 20);
    ~http_client();
    http_client(const http_client&) = delete;
    http_client& operator=(const http_client&) = delete;

    /// Performs one request on a fresh connection.
    boost::asio::awaitable<http_response> request(http_request req);

    /// The URL requests go to.
    const controller_url& url() const noexcept { return url_; }
    /// Changes the per-step timeout (config reload).
    void set_timeout(std::chrono::milliseconds t) noexcept { timeout_ = t; }

private:
    struct tls_state;
    boost::asio::any_io_executor ex_;
    controller_url url_;
    std::chrono::milliseconds timeout_;
    std::size_t max_response_bytes_;
    std::unique_ptr<tls_state> tls_;
};

} // namespace tumen::probe::agent
