#pragma once
// A tiny HTTP server on 127.0.0.1 for uploader/assignment tests: Beast, coroutines, one
// request per connection. The handler decides status, body and an optional delay.
#include <chrono>
#include <functional>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <tumen/common/asio.hpp>

namespace tumen::test {

struct canned_response {
    canned_response(unsigned s = 200, std::string b = "{}", std::chrono::milliseconds d = {},
                    std::vector<std::pair<std::string, std::string>> h = {})
        : status(s)
        , body(std::move(b))
        , delay(d)
        , headers(std::move(h)) {}
    unsigned status = 200;
    std::string body = "{}";
    std::chrono::milliseconds delay{0};
    std::vector<std::pair<std::string, std::string>> headers;
};

class http_server {
public:
    using request = boost::beast::http::request<boost::beast::http::string_body>;
    using handler = std::function<canned_response(const request&)>;

    http_server(boost::asio::io_context& io, handler h)
        : io_(io)
        , acceptor_(io, {boost::asio::ip::make_address("127.0.0.1"), 0})
        , handler_(std::move(h)) {
        boost::asio::co_spawn(io_, accept_loop(), boost::asio::detached);
    }
    unsigned short port() const { return acceptor_.local_endpoint().port(); }
    void close() {
        boost::system::error_code ec;
        acceptor_.close(ec);
    }

private:
    boost::asio::awaitable<void> accept_loop() {
        for (;;) {
            boost::system::error_code ec;
            auto sock = co_await acceptor_.async_accept(
                boost::asio::redirect_error(boost::asio::use_awaitable, ec));
            if (ec) {
                co_return;
            }
            boost::asio::co_spawn(io_, serve(std::move(sock)), boost::asio::detached);
        }
    }
    boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket sock) {
        namespace http = boost::beast::http;
        boost::system::error_code ec;
        auto tok = boost::asio::redirect_error(boost::asio::use_awaitable, ec);
        boost::beast::flat_buffer buf;
        request req;
        co_await http::async_read(sock, buf, req, tok);
        if (ec) {
            co_return;
        }
        auto c = handler_(req);
        if (c.delay.count() > 0) {
            boost::asio::steady_timer t(io_);
            t.expires_after(c.delay);
            co_await t.async_wait(tok);
        }
        http::response<http::string_body> res{static_cast<http::status>(c.status), 11};
        res.set(http::field::content_type, "application/json");
        for (auto& [k, v] : c.headers) {
            res.set(k, v);
        }
        res.body() = c.body;
        res.prepare_payload();
        co_await http::async_write(sock, res, tok);
        sock.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }

    boost::asio::io_context& io_;
    boost::asio::ip::tcp::acceptor acceptor_;
    handler handler_;
};

} // namespace tumen::test
