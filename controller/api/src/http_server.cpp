#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <type_traits>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include <tumen/controller/api/http_server.hpp>

#include "log_throttle.hpp"

namespace tumen::controller::api {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;

using plain_stream = beast::tcp_stream;
using tls_stream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::size_t header_limit = 16 * 1024;
/// After a refusal (401 from the header, 413), the server reads and discards what the client
/// still sends before closing ("lingering close"), so the client reads the response instead
/// of a connection reset. It discards at most the body the client announced (capped at the
/// body limit), or this much when it announced none (chunked), and for at most
/// `lingering_time` in all: a refused client never costs more than one body's bandwidth.
constexpr std::uint64_t unannounced_drain = 1u << 20;
constexpr std::chrono::seconds lingering_time{10};

struct shared {
    explicit shared(server_options o)
        : options(std::move(o)) {
        set(live_limits{options.body_limit, options.max_connections, options.idle_timeout,
                        options.header_timeout});
    }

    /// The limits in force (http_server::set_limits changes them while running).
    void set(const live_limits& l) const {
        body_limit.store(l.body_limit, std::memory_order_relaxed);
        max_connections.store(l.max_connections, std::memory_order_relaxed);
        idle_seconds.store(l.idle_timeout.count(), std::memory_order_relaxed);
        header_seconds.store(l.header_timeout.count(), std::memory_order_relaxed);
    }
    std::size_t body_limit_now() const { return body_limit.load(std::memory_order_relaxed); }
    std::size_t max_connections_now() const {
        return max_connections.load(std::memory_order_relaxed);
    }
    std::chrono::seconds idle_timeout() const {
        return std::chrono::seconds(idle_seconds.load(std::memory_order_relaxed));
    }
    std::chrono::seconds header_timeout() const {
        return std::chrono::seconds(header_seconds.load(std::memory_order_relaxed));
    }

    server_options options; ///< the fixed settings (the live limits are below)
    http_server::handler handler;
    /// Sessions alive (incremented by the listener, decremented by a session's destructor).
    mutable std::atomic<std::size_t> open_connections{0};
    mutable std::atomic<std::size_t> body_limit{0};
    mutable std::atomic<std::size_t> max_connections{0};
    mutable std::atomic<std::chrono::seconds::rep> idle_seconds{0};
    mutable std::atomic<std::chrono::seconds::rep> header_seconds{0};
};

/// Holds one of the server's connection slots for a session's lifetime.
class connection_slot {
public:
    explicit connection_slot(const shared& s)
        : state_(s) {}
    ~connection_slot() { state_.open_connections.fetch_sub(1, std::memory_order_relaxed); }
    connection_slot(const connection_slot&) = delete;
    connection_slot& operator=(const connection_slot&) = delete;

private:
    const shared& state_;
};

/// One connection: read a request, call the handler, write the response, repeat while
/// keep-alive. All its handlers run on its strand.
template <class Stream>
class session : public std::enable_shared_from_this<session<Stream>> {
public:
    static constexpr bool is_tls = std::is_same_v<Stream, tls_stream>;

    template <class... Args>
    explicit session(std::shared_ptr<const shared> state, Args&&... args)
        : state_(std::move(state))
        , slot_(*state_)
        , stream_(std::forward<Args>(args)...) {}

    void run() {
        // Start on the connection's strand.
        asio::dispatch(stream_.get_executor(),
                       beast::bind_front_handler(&session::on_run, this->shared_from_this()));
    }

private:
    void on_run() {
        if constexpr (is_tls) {
            beast::get_lowest_layer(stream_).expires_after(state_->header_timeout());
            stream_.async_handshake(
                ssl::stream_base::server,
                beast::bind_front_handler(&session::on_handshake, this->shared_from_this()));
        } else {
            do_read();
        }
    }

    void on_handshake(beast::error_code ec) {
        if (ec) {
            spdlog::debug("TLS handshake failed: {}", ec.message());
            return;
        }
        do_read();
    }

    void do_read() {
        parser_.emplace();
        parser_->header_limit(header_limit);
        body_limit_ = state_->body_limit_now(); // this request's limit, even across a reload
        parser_->body_limit(body_limit_);
        if (first_request_ || buffer_.size() > 0) {
            // The first request is timed from the accept, a pipelined one from now.
            first_request_ = false;
            return read_header();
        }
        // Keep-alive: wait up to the idle timeout for the next request's first bytes, then
        // give its header the (shorter) header timeout.
        beast::get_lowest_layer(stream_).expires_after(state_->idle_timeout());
        stream_.async_read_some(
            buffer_.prepare(header_limit),
            [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                self->buffer_.commit(n);
                if (ec) {
                    return self->on_read_error(ec);
                }
                self->read_header();
            });
    }

    void read_header() {
        beast::get_lowest_layer(stream_).expires_after(state_->header_timeout());
        http::async_read_header(
            stream_, buffer_, *parser_,
            beast::bind_front_handler(&session::on_header, this->shared_from_this()));
    }

    void on_header(beast::error_code ec, std::size_t) {
        if (ec) {
            return on_read_error(ec);
        }
        auto& req = parser_->get();
        if (state_->options.check_header) {
            if (auto refused = state_->options.check_header(req)) {
                // Refused from the header alone: the body is discarded, never stored.
                refused->keep_alive(false);
                return write(std::move(*refused), true, drain_budget(parser_->content_length()));
            }
        }
        if (auto len = parser_->content_length(); len && *len > body_limit_) {
            return too_large(*len, drain_budget(len));
        }
        // RFC 7231 section 5.1.1: answer 100-continue before the client sends the body.
        if (beast::iequals(req[http::field::expect], "100-continue")) {
            auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                           req.version());
            http::async_write(
                stream_, *cont,
                [self = this->shared_from_this(), cont](beast::error_code wec, std::size_t) {
                    if (wec) {
                        return self->do_close();
                    }
                    self->read_body();
                });
            return;
        }
        read_body();
    }

    void read_body() {
        beast::get_lowest_layer(stream_).expires_after(state_->idle_timeout());
        http::async_read(stream_, buffer_, *parser_,
                         beast::bind_front_handler(&session::on_read, this->shared_from_this()));
    }

    void on_read_error(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
            ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            ec == asio::error::eof) {
            return do_close();
        }
        if (ec == http::error::body_limit) {
            return too_large(0, unannounced_drain);
        }
        if (ec.category() == http::make_error_code(http::error::bad_target).category()) {
            // A malformed request: say what Beast rejected, then close (the stream position
            // is unknown after a parse error).
            request dummy;
            dummy.version(11);
            auto res = error_response(dummy,
                                      ec == http::error::header_limit
                                          ? http::status::request_header_fields_too_large
                                          : http::status::bad_request,
                                      "malformed HTTP request: " + ec.message());
            res.keep_alive(false);
            return write(std::move(res), true, unannounced_drain);
        }
        spdlog::debug("read failed: {}", ec.message());
        do_close();
    }

    /// How much of a refused request's body to discard before closing: what is left of the
    /// announced body, capped at the body limit; `unannounced_drain` when none was announced.
    std::uint64_t drain_budget(const boost::optional<std::uint64_t>& announced) const {
        if (!announced) {
            return unannounced_drain;
        }
        return std::min<std::uint64_t>(*announced, body_limit_);
    }

    void too_large(std::uint64_t length, std::uint64_t drain) {
        request dummy;
        dummy.version(11);
        auto res = error_response(
            dummy, http::status::payload_too_large,
            (length > 0 ? "body of " + std::to_string(length) + " bytes" : std::string("body")) +
                " exceeds the limit of " + std::to_string(body_limit_) + " bytes");
        res.keep_alive(false);
        write(std::move(res), true, drain);
    }

    void on_read(beast::error_code ec, std::size_t) {
        if (ec) {
            return on_read_error(ec);
        }
        request req = parser_->release();
        response res;
        try {
            res = state_->handler(req);
        } catch (const std::exception& e) {
            spdlog::error("handler failed on {} {}: {}", std::string(req.method_string()),
                          std::string(req.target()), e.what());
            res = error_response(req, http::status::internal_server_error, "internal error");
        }
        write(std::move(res), false);
    }

    /// Writes `res`; with `drain_after`, then discards at most `drain` bytes and closes.
    void write(response res, bool drain_after, std::uint64_t drain = 0) {
        auto msg = std::make_shared<response>(std::move(res));
        msg->prepare_payload();
        const bool close = msg->need_eof();
        beast::get_lowest_layer(stream_).expires_after(state_->idle_timeout());
        http::async_write(stream_, *msg,
                          [self = this->shared_from_this(), msg, close, drain_after,
                           drain](beast::error_code ec, std::size_t) {
                              if (ec) {
                                  return self->do_close();
                              }
                              if (drain_after) {
                                  return self->start_drain(drain);
                              }
                              if (close) {
                                  return self->do_close();
                              }
                              self->do_read();
                          });
    }

    /// Lingering close: stop sending, then discard what the client still sends.
    void start_drain(std::uint64_t budget) {
        if constexpr (is_tls) {
            do_close();
        } else {
            beast::error_code ec;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
            // What the parser already holds counts against the budget.
            const std::uint64_t held = buffer_.size();
            drain_left_ = budget > held ? budget - held : 0;
            // One deadline for the whole lingering close, not one per read.
            stream_.expires_after(lingering_time);
            do_drain();
        }
    }

    void do_drain() {
        if constexpr (!is_tls) {
            if (drain_left_ == 0) {
                beast::error_code ignored;
                stream_.socket().close(ignored);
                return;
            }
            const auto want =
                static_cast<std::size_t>(std::min<std::uint64_t>(drain_left_, drain_buf_.size()));
            stream_.async_read_some(
                asio::buffer(drain_buf_.data(), want),
                [self = this->shared_from_this()](beast::error_code ec, std::size_t n) {
                    self->drain_left_ -= std::min<std::uint64_t>(n, self->drain_left_);
                    if (ec) {
                        beast::error_code ignored;
                        self->stream_.socket().close(ignored);
                        return;
                    }
                    self->do_drain();
                });
        }
    }

    void do_close() {
        if constexpr (is_tls) {
            beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
            stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
                beast::error_code ignored;
                beast::get_lowest_layer(self->stream_).socket().close(ignored);
            });
        } else {
            beast::error_code ec;
            stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
            stream_.socket().close(ec);
        }
    }

    std::shared_ptr<const shared> state_;
    connection_slot slot_;
    Stream stream_;
    bool first_request_ = true;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::size_t body_limit_ = 0;
    std::array<char, 16384> drain_buf_{};
    std::uint64_t drain_left_ = 0;
};

} // namespace

struct http_server::listener : std::enable_shared_from_this<http_server::listener> {
    listener(asio::io_context& io, std::shared_ptr<const shared> s)
        : io_(io)
        , state_(std::move(s))
        , acceptor_(asio::make_strand(io))
        , retry_timer_(acceptor_.get_executor())
        , error_log_(state_->options.accept_log_period)
        , refused_log_(state_->options.accept_log_period) {}

    /// The bytes of the 503 that refuses a connection over the cap.
    static std::string busy_response(std::size_t max_connections) {
        request dummy;
        dummy.version(11);
        auto res = error_response(
            dummy, http::status::service_unavailable,
            "too many open connections (max_connections: " + std::to_string(max_connections) + ")");
        res.set(http::field::retry_after, "5");
        res.keep_alive(false);
        res.prepare_payload();
        std::ostringstream out;
        out << res;
        return out.str();
    }

    void accept() {
        acceptor_.async_accept(asio::make_strand(io_),
                               beast::bind_front_handler(&listener::on_accept, shared_from_this()));
    }

    void on_accept(beast::error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
            return;
        }
        if (ec) {
            return on_accept_error(ec);
        }
        backoff_ = {};
        if (state_->open_connections.load(std::memory_order_relaxed) >=
            state_->max_connections_now()) {
            refuse(std::move(socket));
        } else {
            state_->open_connections.fetch_add(1, std::memory_order_relaxed);
            beast::error_code nd;
            socket.set_option(tcp::no_delay(true), nd);
            if (state_->options.tls) {
                std::make_shared<session<tls_stream>>(state_, std::move(socket),
                                                      *state_->options.tls)
                    ->run();
            } else {
                std::make_shared<session<plain_stream>>(state_, std::move(socket))->run();
            }
        }
        accept();
    }

    /// EMFILE, ENFILE, ENOBUFS, ...: the pending connection stays queued and the acceptor
    /// stays readable, so accepting again at once would spin. Wait (doubling while the errors
    /// last), and log at most once per period.
    void on_accept_error(beast::error_code ec) {
        if (auto skipped = error_log_.occur(log_throttle::clock::now())) {
            spdlog::warn(
                "accept failed: {}{}; retrying after a pause (max_connections: {})", ec.message(),
                *skipped > 0 ? " (" + std::to_string(*skipped) + " more since the last message)"
                             : std::string(),
                state_->max_connections_now());
        }
        if (ec == asio::error::connection_aborted) {
            return accept(); // that connection is gone; the next one may be fine
        }
        backoff_ = backoff_.count() == 0
                       ? state_->options.accept_backoff
                       : std::min(backoff_ * 2, state_->options.accept_backoff_max);
        retry_timer_.expires_after(backoff_);
        retry_timer_.async_wait([self = shared_from_this()](beast::error_code wec) {
            if (wec || !self->acceptor_.is_open()) {
                return;
            }
            self->accept();
        });
    }

    /// Over max_connections: a best-effort 503 (the socket is fresh, the send buffer empty),
    /// then close.
    void refuse(tcp::socket socket) {
        const auto max = state_->max_connections_now();
        if (busy_.empty() || busy_max_ != max) { // built once per value of the cap
            busy_ = busy_response(max);
            busy_max_ = max;
        }
        beast::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(asio::buffer(busy_), ignored);
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        socket.close(ignored);
        if (auto skipped = refused_log_.occur(log_throttle::clock::now())) {
            spdlog::warn("refused a connection: {} open (max_connections){}", max,
                         *skipped > 0 ? ", " + std::to_string(*skipped) + " more refused since"
                                      : std::string());
        }
    }

    asio::io_context& io_;
    std::shared_ptr<const shared> state_;
    tcp::acceptor acceptor_;
    asio::steady_timer retry_timer_;
    std::chrono::milliseconds backoff_{0};
    log_throttle error_log_;
    log_throttle refused_log_;
    std::string busy_;
    std::size_t busy_max_ = 0;
};

std::shared_ptr<ssl::context> make_tls_context(const std::string& cert_file,
                                               const std::string& key_file) {
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                     ssl::context::single_dh_use);
    beast::error_code ec;
    ctx->use_certificate_chain_file(cert_file, ec);
    if (ec) {
        throw std::runtime_error("TLS certificate " + cert_file + ": " + ec.message());
    }
    ctx->use_private_key_file(key_file, ssl::context::pem, ec);
    if (ec) {
        throw std::runtime_error("TLS key " + key_file + ": " + ec.message());
    }
    return ctx;
}

http_server::http_server(asio::io_context& io, server_options options, handler h)
    : io_(io)
    , options_(std::move(options))
    , handler_(std::move(h)) {}

http_server::~http_server() {
    stop();
}

void http_server::start(std::error_code& ec) {
    ec.clear();
    beast::error_code bec;
    auto addr = asio::ip::make_address(options_.address, bec);
    if (bec) {
        ec = bec;
        return;
    }
    auto state = std::make_shared<shared>(options_);
    state->handler = handler_;
    auto l = std::make_shared<listener>(io_, state);
    tcp::endpoint ep(addr, options_.port);
    if (l->acceptor_.open(ep.protocol(), bec), bec) {
        ec = bec;
        return;
    }
    if (l->acceptor_.set_option(asio::socket_base::reuse_address(true), bec), bec) {
        ec = bec;
        return;
    }
    if (l->acceptor_.bind(ep, bec), bec) {
        ec = bec;
        return;
    }
    if (l->acceptor_.listen(asio::socket_base::max_listen_connections, bec), bec) {
        ec = bec;
        return;
    }
    port_ = l->acceptor_.local_endpoint(bec).port();
    {
        std::lock_guard lock(listener_mutex_);
        listener_ = l;
    }
    l->accept();
}

void http_server::set_limits(const live_limits& limits) {
    std::lock_guard lock(listener_mutex_);
    options_.body_limit = limits.body_limit;
    options_.max_connections = limits.max_connections;
    options_.idle_timeout = limits.idle_timeout;
    options_.header_timeout = limits.header_timeout;
    if (listener_) {
        listener_->state_->set(limits);
    }
}

void http_server::stop() {
    std::lock_guard lock(listener_mutex_);
    if (listener_) {
        auto l = listener_;
        asio::post(l->acceptor_.get_executor(), [l] {
            beast::error_code ec;
            l->acceptor_.close(ec);
            l->retry_timer_.cancel();
        });
        listener_.reset();
    }
}

} // namespace tumen::controller::api
