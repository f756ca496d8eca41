#pragma once
// Where an IPv4 packet to a destination leaves, at the link layer: the interface and the
// next hop's Ethernet address, for sending probes on a packet socket (packet_socket.hpp).
// The kernel's own FIB answers the route (rtnetlink RTM_GETROUTE with RTM_F_FIB_MATCH, so
// one answer covers the route's whole prefix); its neighbour table the address (SIOCGARP).
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include <tumen/common/ipv4.hpp>

namespace tumen::probe::engine {

/// The link-layer destination of a packet: output interface and next hop's MAC address.
struct link_destination {
    int ifindex = 0;
    std::array<std::uint8_t, 6> mac{};
};

/// Routes and neighbours looked up once and kept for `max_age`, by route prefix.
class next_hop_cache {
public:
    using clock = std::chrono::steady_clock;

    /// `src`: the probes' source address (the route lookup's source, for policy rules).
    explicit next_hop_cache(ipv4_addr src,
                            clock::duration max_age = std::chrono::seconds(1)) noexcept
        : src_(src)
        , max_age_(max_age) {}

    /// The link-layer destination of a packet to `dst`, or nullopt when it does not leave by
    /// an Ethernet interface or its next hop has no resolved neighbour entry yet (the caller
    /// sends it on the raw IP socket, and the kernel resolves the neighbour).
    std::optional<link_destination> lookup(ipv4_addr dst, clock::time_point now);

private:
    struct route {
        ipv4_prefix prefix;
        ipv4_addr via; ///< gateway, or 0 when on link
        int ifindex = 0;
        std::optional<link_destination> link; ///< nullopt: not Ethernet or not resolved
        clock::time_point checked;
    };
    std::optional<route> ask_kernel(ipv4_addr dst, clock::time_point now) const;

    ipv4_addr src_;
    clock::duration max_age_;
    std::vector<route> routes_; ///< most specific first
};

} // namespace tumen::probe::engine
