#include "next_hop.hpp"

#include <algorithm>
#include <cstring>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace tumen::probe::engine {
namespace {

/// An unresolved neighbour is asked again this soon (the kernel resolves it meanwhile, on
/// the raw socket's first packets).
constexpr auto unresolved_retry = std::chrono::milliseconds(10);

/// An fd closed at scope exit.
struct scoped_fd {
    int fd;
    ~scoped_fd() {
        if (fd >= 0) {
            ::close(fd);
        }
    }
};

void add_attr(nlmsghdr& h, std::size_t capacity, unsigned short type, const void* data,
              std::size_t len) {
    const std::size_t at = NLMSG_ALIGN(h.nlmsg_len);
    if (at + RTA_LENGTH(len) > capacity) {
        return;
    }
    auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&h) + at);
    rta->rta_type = type;
    rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
    std::memcpy(RTA_DATA(rta), data, len);
    h.nlmsg_len = static_cast<std::uint32_t>(at + RTA_ALIGN(rta->rta_len));
}

/// The neighbour entry of `via` on `ifindex` (SIOCGARP), when the interface is Ethernet and
/// the entry complete.
std::optional<link_destination> neighbour(int ifindex, ipv4_addr via) {
    scoped_fd s{::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
    if (s.fd < 0) {
        return std::nullopt;
    }
    char name[IF_NAMESIZE] = {};
    if (::if_indextoname(static_cast<unsigned>(ifindex), name) == nullptr) {
        return std::nullopt;
    }
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    if (::ioctl(s.fd, SIOCGIFHWADDR, &ifr) != 0 || ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER) {
        return std::nullopt;
    }
    arpreq req{};
    auto* pa = reinterpret_cast<sockaddr_in*>(&req.arp_pa);
    pa->sin_family = AF_INET;
    pa->sin_addr.s_addr = via.to_network();
    std::memcpy(req.arp_dev, name, sizeof name);
    if (::ioctl(s.fd, SIOCGARP, &req) != 0 || (req.arp_flags & ATF_COM) == 0) {
        return std::nullopt;
    }
    link_destination out;
    out.ifindex = ifindex;
    std::memcpy(out.mac.data(), req.arp_ha.sa_data, out.mac.size());
    return out;
}

} // namespace

std::optional<next_hop_cache::route> next_hop_cache::ask_kernel(ipv4_addr dst,
                                                                clock::time_point now) const {
    scoped_fd s{::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)};
    if (s.fd < 0) {
        return std::nullopt;
    }
    alignas(nlmsghdr) char request[256] = {};
    auto& h = *reinterpret_cast<nlmsghdr*>(request);
    h.nlmsg_len = NLMSG_LENGTH(sizeof(rtmsg));
    h.nlmsg_type = RTM_GETROUTE;
    h.nlmsg_flags = NLM_F_REQUEST;
    h.nlmsg_seq = 1;
    auto* rt = static_cast<rtmsg*>(NLMSG_DATA(&h));
    rt->rtm_family = AF_INET;
    rt->rtm_dst_len = 32;
    // RTM_F_FIB_MATCH (Linux 4.13): the FIB entry that matched, with its prefix length.
    rt->rtm_flags = RTM_F_FIB_MATCH;
    const std::uint32_t d = dst.to_network();
    add_attr(h, sizeof request, RTA_DST, &d, sizeof d);
    if (src_.value != 0) {
        rt->rtm_src_len = 32;
        const std::uint32_t sv = src_.to_network();
        add_attr(h, sizeof request, RTA_SRC, &sv, sizeof sv);
    }
    if (::send(s.fd, request, h.nlmsg_len, 0) < 0) {
        return std::nullopt;
    }
    alignas(nlmsghdr) char reply[8192];
    const auto n = ::recv(s.fd, reply, sizeof reply, 0);
    if (n <= 0) {
        return std::nullopt;
    }
    auto len = static_cast<unsigned>(n);
    for (auto* m = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(m, len); m = NLMSG_NEXT(m, len)) {
        if (m->nlmsg_type != RTM_NEWROUTE) {
            continue;
        }
        const auto* r = static_cast<const rtmsg*>(NLMSG_DATA(m));
        if (r->rtm_type != RTN_UNICAST) {
            return std::nullopt; // local, blackhole, unreachable...: the raw socket's business
        }
        route out;
        out.checked = now;
        ipv4_addr network{0};
        int attr_len = static_cast<int>(RTM_PAYLOAD(m));
        for (auto* a = RTM_RTA(r); RTA_OK(a, attr_len); a = RTA_NEXT(a, attr_len)) {
            if (RTA_PAYLOAD(a) < 4 && a->rta_type != RTA_OIF) {
                continue;
            }
            std::uint32_t v = 0;
            std::memcpy(&v, RTA_DATA(a), sizeof v);
            if (a->rta_type == RTA_DST) {
                network = ipv4_addr{ntohl(v)};
            } else if (a->rta_type == RTA_GATEWAY) {
                out.via = ipv4_addr{ntohl(v)};
            } else if (a->rta_type == RTA_OIF) {
                out.ifindex = static_cast<int>(v);
            }
        }
        out.prefix = ipv4_prefix{network, r->rtm_dst_len};
        if (out.ifindex == 0 || !out.prefix.contains(dst)) {
            return std::nullopt; // multipath or an answer we do not understand
        }
        return out;
    }
    return std::nullopt;
}

std::optional<link_destination> next_hop_cache::lookup(ipv4_addr dst, clock::time_point now) {
    for (auto& r : routes_) {
        if (!r.prefix.contains(dst)) {
            continue;
        }
        if (r.via.value == 0 && r.prefix.length < 32) {
            break; // on link: each destination is its own neighbour, ask for a host entry
        }
        const auto age = now - r.checked;
        if (age < (r.link ? max_age_ : unresolved_retry)) {
            return r.link;
        }
        r.link = neighbour(r.ifindex, r.via);
        r.checked = now;
        return r.link;
    }
    auto r = ask_kernel(dst, now);
    if (!r) {
        return std::nullopt;
    }
    if (r->via.value == 0) {
        // On link: cache the destination itself as a /32 with itself as the next hop.
        r->prefix = ipv4_prefix{dst, 32};
        r->via = dst;
    }
    r->link = neighbour(r->ifindex, r->via);
    // Replace an entry for the same prefix; keep the most specific first.
    std::erase_if(routes_, [&](const route& o) {
        return o.prefix.network == r->prefix.network && o.prefix.length == r->prefix.length;
    });
    const auto at = std::find_if(routes_.begin(), routes_.end(), [&](const route& o) {
        return o.prefix.length < r->prefix.length;
    });
    const auto link = r->link;
    routes_.insert(at, std::move(*r));
    return link;
}

} // namespace tumen::probe::engine
