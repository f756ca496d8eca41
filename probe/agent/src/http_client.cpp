#include <charconv>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

#include <tumen/probe/agent/backoff.hpp>
#include <tumen/probe/agent/http_client.hpp>

namespace tumen::probe::agent {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct http_client::tls_state {
    asio::ssl::context ctx{asio::ssl::context::tls_client};
};

http_client::http_client(asio::any_io_executor ex, controller_url url,
                         const std::filesystem::path& ca_file, std::chrono::milliseconds timeout,
                         std::size_t max_response_bytes)
    : ex_(std::move(ex))
    , url_(std::move(url))
    , timeout_(timeout)
    , max_response_bytes_(max_response_bytes) {
    if (url_.tls) {
        tls_ = std::make_unique<tls_state>();
        boost::system::error_code ec;
        tls_->ctx.set_options(asio::ssl::context::default_workarounds |
                                  asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 |
                                  asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1,
                              ec);
        if (ca_file.empty()) {
            tls_->ctx.set_default_verify_paths(ec);
        } else {
            tls_->ctx.load_verify_file(ca_file.string(), ec);
        }
        if (ec) {
            throw std::system_error(
                ec, "cannot load CA certificates" +
                        (ca_file.empty() ? std::string() : " from " + ca_file.string()));
        }
        tls_->ctx.set_verify_mode(asio::ssl::verify_peer);
    }
}

http_client::~http_client() = default;

namespace {

/// Writes the request and reads the response on a connected (and handshaken) stream.
template <class Stream, class Lowest>
asio::awaitable<void> exchange(Stream& stream, Lowest& lowest, http::request<http::string_body>& m,
                               std::chrono::milliseconds timeout, std::size_t limit,
                               http_response& out) {
    beast::error_code ec;
    auto tok = asio::redirect_error(asio::use_awaitable, ec);
    lowest.expires_after(timeout);
    co_await http::async_write(stream, m, tok);
    if (ec) {
        out.ec = ec;
        out.timed_out = ec == beast::error::timeout || ec == asio::error::operation_aborted;
        out.error_step = "write";
        co_return;
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(limit);
    lowest.expires_after(timeout);
    co_await http::async_read(stream, buffer, parser, tok);
    if (ec) {
        out.ec = ec;
        out.timed_out = ec == beast::error::timeout || ec == asio::error::operation_aborted;
        out.error_step = "read";
        co_return;
    }
    auto& res = parser.get();
    out.status = res.result_int();
    out.body = std::move(res.body());
    if (auto it = res.find(http::field::etag); it != res.end()) {
        out.etag = std::string(it->value());
    }
    if (auto it = res.find(http::field::retry_after); it != res.end()) {
        out.retry_after = parse_retry_after(it->value());
    }
}

} // namespace

asio::awaitable<http_response> http_client::request(http_request req) {
    http_response out;
    beast::error_code ec;
    auto tok = asio::redirect_error(asio::use_awaitable, ec);

    // Endpoints: an address literal needs no resolver.
    std::vector<tcp::endpoint> endpoints;
    if (auto addr = asio::ip::make_address(url_.host, ec); !ec) {
        endpoints.emplace_back(addr, url_.port);
    } else {
        ec = {};
        tcp::resolver resolver(ex_);
        asio::steady_timer guard(ex_);
        guard.expires_after(timeout_);
        guard.async_wait([&resolver](const boost::system::error_code& e) {
            if (!e) {
                resolver.cancel();
            }
        });
        auto results = co_await resolver.async_resolve(url_.host, std::to_string(url_.port), tok);
        guard.cancel();
        if (ec) {
            out.ec = ec;
            out.timed_out = ec == beast::error::timeout || ec == asio::error::operation_aborted;
            out.error_step = "resolve";
            co_return out;
        }
        for (const auto& r : results) {
            if (r.endpoint().address().is_v4()) {
                endpoints.push_back(r.endpoint());
            }
        }
        if (endpoints.empty()) {
            out.ec = std::make_error_code(std::errc::address_not_available);
            out.error_step = "resolve";
            co_return out;
        }
    }

    http::request<http::string_body> m{req.method == "POST" ? http::verb::post : http::verb::get,
                                       url_.base_path + req.target, 11};
    m.set(http::field::host, url_.host + ":" + std::to_string(url_.port));
    m.set(http::field::user_agent, "tumen-agent");
    m.set(http::field::connection, "close");
    for (auto& [k, v] : req.headers) {
        m.set(k, v);
    }
    if (!req.body.empty() || m.method() == http::verb::post) {
        if (!req.content_type.empty()) {
            m.set(http::field::content_type, req.content_type);
        }
        m.body() = std::move(req.body);
    }
    m.prepare_payload();

    if (!tls_) {
        beast::tcp_stream stream(ex_);
        stream.expires_after(timeout_);
        co_await stream.async_connect(endpoints, tok);
        if (ec) {
            out.ec = ec;
            out.timed_out = ec == beast::error::timeout || ec == asio::error::operation_aborted;
            out.error_step = "connect";
            co_return out;
        }
        co_await exchange(stream, stream, m, timeout_, max_response_bytes_, out);
        stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        co_return out;
    }

    beast::ssl_stream<beast::tcp_stream> stream(ex_, tls_->ctx);
    {
        // SNI only for names (RFC 6066 section 3: literal addresses are not permitted).
        boost::system::error_code not_address;
        (void)asio::ip::make_address(url_.host, not_address);
        if (not_address) {
            SSL_set_tlsext_host_name(stream.native_handle(), url_.host.c_str());
        }
    }
    stream.set_verify_callback(asio::ssl::host_name_verification(url_.host));
    auto& lowest = beast::get_lowest_layer(stream);
    lowest.expires_after(timeout_);
    co_await lowest.async_connect(endpoints, tok);
    if (ec) {
        out.ec = ec;
        out.timed_out = ec == beast::error::timeout || ec == asio::error::operation_aborted;
        out.error_step = "connect";
        co_return out;
    }
    lowest.expires_after(timeout_);
    co_await stream.async_handshake(asio::ssl::stream_base::client, tok);
    if (ec) {
        out.ec = ec;
        out.timed_out = ec == beast::error::timeout || ec == asio::error::operation_aborted;
        out.error_step = "tls handshake";
        co_return out;
    }
    co_await exchange(stream, lowest, m, timeout_, max_response_bytes_, out);
    lowest.socket().shutdown(tcp::socket::shutdown_both, ec);
    co_return out;
}

} // namespace tumen::probe::agent
