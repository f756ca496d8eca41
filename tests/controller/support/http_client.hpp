#pragma once
// A small synchronous Beast HTTP/1.1 client over 127.0.0.1 for the API tests and the ingest
// benchmark: one keep-alive connection, reconnecting when the server closed it.
#include <optional>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <tumen/common/asio.hpp>

namespace tumen::test {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

/// A response, or the error that prevented it.
struct http_reply {
    boost::system::error_code ec;
    bhttp::response<bhttp::string_body> res;
};

class http_client {
public:
    explicit http_client(std::uint16_t port)
        : port_(port) {}

    /// Sends one request (reconnecting if needed) and reads the response.
    http_reply send(bhttp::verb method, const std::string& target, const std::string& body = {},
                    const std::string& token = {},
                    const std::string& content_type = "application/json") {
        http_reply out;
        bhttp::request<bhttp::string_body> req{method, target, 11};
        req.set(bhttp::field::host, "127.0.0.1");
        req.keep_alive(true);
        if (!token.empty()) {
            req.set(bhttp::field::authorization, "Bearer " + token);
        }
        if (!body.empty() || method == bhttp::verb::post) {
            req.set(bhttp::field::content_type, content_type);
            req.body() = body;
        }
        req.prepare_payload();
        for (int attempt = 0; attempt < 2; ++attempt) {
            if (!stream_ && (out.ec = connect())) {
                return out;
            }
            bhttp::write(*stream_, req, out.ec);
            if (!out.ec) {
                beast::flat_buffer buf;
                bhttp::response_parser<bhttp::string_body> parser;
                parser.body_limit(1u << 30);
                bhttp::read(*stream_, buf, parser, out.ec);
                if (!out.ec) {
                    out.res = parser.release();
                    if (out.res.need_eof()) {
                        stream_.reset();
                    }
                    return out;
                }
            }
            stream_.reset();
            // A keep-alive connection the server already closed: retry once on a new one.
            if (out.ec != bhttp::error::end_of_stream && out.ec != boost::asio::error::eof &&
                out.ec != boost::asio::error::connection_reset &&
                out.ec != boost::asio::error::broken_pipe) {
                return out;
            }
        }
        return out;
    }

    /// Sends raw bytes on a fresh connection and reads one response (malformed requests).
    http_reply send_raw(const std::string& bytes) {
        http_reply out;
        stream_.reset();
        if ((out.ec = connect())) {
            return out;
        }
        boost::asio::write(stream_->socket(), boost::asio::buffer(bytes), out.ec);
        if (!out.ec) {
            beast::flat_buffer buf;
            bhttp::read(*stream_, buf, out.res, out.ec);
        }
        stream_.reset();
        return out;
    }

private:
    boost::system::error_code connect() {
        stream_.emplace(io_);
        boost::system::error_code ec;
        stream_->socket().connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
        if (ec) {
            stream_.reset();
        } else {
            stream_->socket().set_option(boost::asio::ip::tcp::no_delay(true), ec);
            ec.clear();
        }
        return ec;
    }

    boost::asio::io_context io_;
    std::uint16_t port_;
    std::optional<beast::tcp_stream> stream_;
};

} // namespace tumen::test
