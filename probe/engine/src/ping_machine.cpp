#include <tumen/probe/engine/ping_machine.hpp>

namespace tumen::probe::engine {

ping_machine::ping_machine(const ping_request& request, clock::time_point now)
    : count_(request.count)
    , interval_(request.interval)
    , ttl_(request.ttl)
    , next_at_(now) {
    result_.id = request.id;
    result_.campaign = request.campaign;
    result_.dst = request.dst;
    result_.method = to_string(request.method);
    result_.rtts_ms.assign(request.count, std::nullopt);
}

std::uint32_t ping_machine::take(clock::time_point now) {
    next_at_ = now + interval_;
    ++result_.sent;
    ++open_;
    return next_++;
}

void ping_machine::on_reply(std::uint32_t seq, double rtt_ms, bool from_destination) {
    if (from_destination && seq < result_.rtts_ms.size() && !result_.rtts_ms[seq]) {
        result_.rtts_ms[seq] = rtt_ms;
        ++result_.received;
    }
    close_one();
}

} // namespace tumen::probe::engine

namespace tumen::probe::engine {

const char* to_string(ping_method m) noexcept {
    switch (m) {
    case ping_method::icmp:
        return "icmp";
    case ping_method::tcp_syn:
        return "tcp-syn";
    case ping_method::udp:
        return "udp";
    }
    return "icmp";
}

std::optional<ping_method> parse_ping_method(std::string_view text) noexcept {
    if (text == "icmp") {
        return ping_method::icmp;
    }
    if (text == "tcp-syn") {
        return ping_method::tcp_syn;
    }
    if (text == "udp") {
        return ping_method::udp;
    }
    return std::nullopt;
}

} // namespace tumen::probe::engine
