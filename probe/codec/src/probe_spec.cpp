#include <tumen/probe/codec/probe_spec.hpp>

namespace tumen::probe::codec {

const char* to_string(method m) noexcept {
    switch (m) {
    case method::udp_paris:
        return "udp-paris";
    case method::icmp_paris:
        return "icmp-paris";
    case method::tcp_syn:
        return "tcp-syn";
    case method::udp:
        return "udp";
    }
    return "unknown";
}

std::optional<method> parse_method(std::string_view text) noexcept {
    for (method m : {method::udp_paris, method::icmp_paris, method::tcp_syn, method::udp}) {
        if (text == to_string(m)) {
            return m;
        }
    }
    return std::nullopt;
}

std::uint8_t ip_protocol(method m) noexcept {
    switch (m) {
    case method::icmp_paris:
        return 1;
    case method::tcp_syn:
        return 6;
    case method::udp_paris:
    case method::udp:
        return 17;
    }
    return 0;
}

std::uint16_t default_dst_port(method m) noexcept {
    return m == method::tcp_syn ? default_tcp_dst_port : default_udp_dst_port;
}

} // namespace tumen::probe::codec
