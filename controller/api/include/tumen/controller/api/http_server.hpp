#pragma once
/// @file
/// The controller's HTTP(S) server: Boost.Beast over Asio, one io_context run by a few
/// threads, one strand per connection, HTTP/1.1 keep-alive, per-request body limit (413),
/// idle timeout, header timeout, connection cap, optional TLS (OpenSSL via asio::ssl::stream).
/// It reads a request's header first, lets a header check refuse it (e.g. 401) before the body
/// is read, then hands the whole request to a plain handler function; every I/O step reports
/// through error_code. Accept errors (EMFILE, ENFILE, ...) back off and are logged at most
/// once per period.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>

#include <boost/asio/ssl/context.hpp>

#include <tumen/common/asio.hpp>
#include <tumen/controller/api/http_types.hpp>

namespace tumen::controller::api {

/// Listener settings.
struct server_options {
    std::string address = "127.0.0.1";
    std::uint16_t port = 0;            ///< 0: ephemeral
    std::size_t body_limit = 8u << 20; ///< request bodies larger get 413
    std::chrono::seconds idle_timeout{60};
    /// Limit for the TLS handshake and a request's header, from the first byte of the request
    /// (a connection's first request: from the accept).
    std::chrono::seconds header_timeout{5};
    /// Open connections at most; beyond, a new connection gets 503 and is closed.
    std::size_t max_connections = 1024;
    /// After an accept error such as EMFILE, wait this long before accepting again (doubling
    /// up to accept_backoff_max while the errors last).
    std::chrono::milliseconds accept_backoff{50};
    std::chrono::milliseconds accept_backoff_max{1000};
    /// Accept errors are logged at most once per period (with a count of those not logged).
    std::chrono::seconds accept_log_period{10};
    /// Checks a request's header before its body is read: a response refuses the request (sent
    /// with Connection: close, the body discarded unread), nullopt lets it through. The
    /// request passed has an empty body. Null: no check.
    std::function<std::optional<response>(const request&)> check_header;
    /// TLS context (HTTPS); null: plain HTTP.
    std::shared_ptr<boost::asio::ssl::context> tls;
};

/// The limits of server_options that a running server can change (a configuration reload,
/// http_server::set_limits): each connection accepted and each request read from then on
/// gets the new values.
struct live_limits {
    std::size_t body_limit = 8u << 20;
    std::size_t max_connections = 1024;
    std::chrono::seconds idle_timeout{60};
    std::chrono::seconds header_timeout{5};
};

/// Loads a PEM certificate chain and private key into a TLS server context (TLS 1.2+).
/// Throws std::runtime_error naming the file on failure (start-up).
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                            const std::string& key_file);

/// Accepts connections and serves requests with `handler`.
class http_server {
public:
    /// The request handler (runs on an I/O thread, in the connection's strand).
    using handler = std::function<response(const request&)>;

    http_server(boost::asio::io_context& io, server_options options, handler h);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    /// Binds, listens and starts accepting; `ec` on failure (address in use, ...).
    void start(std::error_code& ec);
    /// Stops accepting (open connections finish their current request).
    void stop();
    /// Changes the live limits (before or after start()). Thread-safe.
    void set_limits(const live_limits& limits);
    /// The bound port (after start()).
    std::uint16_t port() const noexcept { return port_; }

private:
    struct listener;
    boost::asio::io_context& io_;
    server_options options_;
    handler handler_;
    std::mutex listener_mutex_; ///< guards listener_ and options_ against set_limits()
    std::shared_ptr<listener> listener_;
    std::uint16_t port_ = 0;
};

} // namespace tumen::controller::api
