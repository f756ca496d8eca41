#include <tumen/probe/codec/probe_spec.hpp>

namespace tumen::probe::codec {

std::uint8_t ip_protocol(method m) noexcept {
    switch (m) {
    case method::icmp_paris:
    case method::ping:
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
