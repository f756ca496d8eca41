#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <tumen/probe/engine/engine.hpp>

namespace tumen::probe::engine {

std::optional<ipv4_addr> route_source(ipv4_addr dst) {
    // connect() on a UDP socket only selects a route and a source address; nothing is sent.
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return std::nullopt;
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(codec::default_udp_dst_port);
    sa.sin_addr.s_addr = dst.to_network();
    std::optional<ipv4_addr> out;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa) == 0) {
        sockaddr_in local{};
        socklen_t len = sizeof local;
        if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
            out = ipv4_addr{ntohl(local.sin_addr.s_addr)};
        }
    }
    ::close(fd);
    return out;
}

std::optional<std::string> interface_of(ipv4_addr addr) {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) {
        return std::nullopt;
    }
    std::optional<std::string> out;
    for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
        if (i->ifa_addr == nullptr || i->ifa_addr->sa_family != AF_INET) {
            continue;
        }
        const auto* sin = reinterpret_cast<const sockaddr_in*>(i->ifa_addr);
        if (ntohl(sin->sin_addr.s_addr) == addr.value) {
            out = i->ifa_name;
            break;
        }
    }
    ::freeifaddrs(list);
    return out;
}

} // namespace tumen::probe::engine
