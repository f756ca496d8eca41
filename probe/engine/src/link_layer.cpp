#include <pcap/dlt.h>

#include <tumen/probe/codec/wire.hpp>
#include <tumen/probe/engine/link_layer.hpp>

namespace tumen::probe::engine {
namespace {

constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_vlan = 0x8100; // IEEE 802.1Q
constexpr std::uint16_t ethertype_qinq = 0x88a8; // IEEE 802.1ad
constexpr std::uint16_t sll_outgoing = 4;        // PACKET_OUTGOING (linux/if_packet.h)
constexpr std::uint16_t sll_host = 0;            // PACKET_HOST

using codec::be16;

link_direction sll_direction(std::uint16_t pkttype) noexcept {
    if (pkttype == sll_outgoing) {
        return link_direction::outgoing;
    }
    return pkttype == sll_host ? link_direction::incoming : link_direction::unknown;
}

std::optional<link_payload> ip_if_v4(std::span<const std::uint8_t> ip,
                                     link_direction dir) noexcept {
    if (ip.empty() || (ip[0] >> 4) != 4) {
        return std::nullopt;
    }
    return link_payload{ip, dir};
}

} // namespace

bool supported_link_type(int dlt) noexcept {
    switch (dlt) {
    case DLT_EN10MB:
    case DLT_LINUX_SLL:
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
#endif
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_NULL:
    case DLT_LOOP:
        return true;
    default:
        return false;
    }
}

std::optional<link_payload> ipv4_payload(int dlt, std::span<const std::uint8_t> frame) noexcept {
    switch (dlt) {
    case DLT_EN10MB: {
        std::size_t off = 12;
        for (int tags = 0; tags <= 2; ++tags) {
            if (frame.size() < off + 2) {
                return std::nullopt;
            }
            const auto type = be16(frame, off);
            if (type == ethertype_vlan || type == ethertype_qinq) {
                off += 4;
                continue;
            }
            if (type != ethertype_ipv4) {
                return std::nullopt;
            }
            return ip_if_v4(frame.subspan(off + 2), link_direction::unknown);
        }
        return std::nullopt;
    }
    case DLT_LINUX_SLL: {
        // 16 bytes: packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2).
        if (frame.size() < 16 || be16(frame, 14) != ethertype_ipv4) {
            return std::nullopt;
        }
        return ip_if_v4(frame.subspan(16), sll_direction(be16(frame, 0)));
    }
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2: {
        // 20 bytes: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) addr len(1)
        // addr(8).
        if (frame.size() < 20 || be16(frame, 0) != ethertype_ipv4) {
            return std::nullopt;
        }
        return ip_if_v4(frame.subspan(20), sll_direction(frame[10]));
    }
#endif
    case DLT_RAW:
    case DLT_IPV4:
        return ip_if_v4(frame, link_direction::unknown);
    case DLT_NULL:
    case DLT_LOOP: {
        // 4-byte address family in host (DLT_NULL) or network (DLT_LOOP) order; AF_INET = 2.
        if (frame.size() < 4) {
            return std::nullopt;
        }
        const bool v4 = (frame[0] == 2 && frame[1] == 0 && frame[2] == 0 && frame[3] == 0) ||
                        (frame[0] == 0 && frame[1] == 0 && frame[2] == 0 && frame[3] == 2);
        if (!v4) {
            return std::nullopt;
        }
        return ip_if_v4(frame.subspan(4), link_direction::unknown);
    }
    default:
        return std::nullopt;
    }
}

} // namespace tumen::probe::engine
