#include <tumen/controller/asmap/special_space.hpp>

namespace tumen::controller::asmap {
namespace {

struct special_range {
    std::uint32_t network;
    std::uint32_t mask;
    special_space kind;
};
// RFC 6890 special-purpose registry, minus 198.18.0.0/15 and RFC 5737 (used as public
// space by the lab). Order: most specific first is not needed (no overlaps).
constexpr special_range special_ranges[] = {
    {0x0a000000u, 0xff000000u, special_space::private_use},  // 10/8      RFC 1918
    {0xac100000u, 0xfff00000u, special_space::private_use},  // 172.16/12 RFC 1918
    {0xc0a80000u, 0xffff0000u, special_space::private_use},  // 192.168/16 RFC 1918
    {0x64400000u, 0xffc00000u, special_space::shared},       // 100.64/10 RFC 6598
    {0x7f000000u, 0xff000000u, special_space::loopback},     // 127/8     RFC 1122
    {0xa9fe0000u, 0xffff0000u, special_space::link_local},   // 169.254/16 RFC 3927
    {0x00000000u, 0xff000000u, special_space::this_network}, // 0/8       RFC 1122
    {0xe0000000u, 0xf0000000u, special_space::multicast},    // 224/4     RFC 5771
    {0xf0000000u, 0xf0000000u, special_space::reserved},     // 240/4     RFC 1112
};

/// First octets that some special range covers: most addresses are rejected with one bit
/// test instead of a walk over every range (bench_classify runs this once per hop).
struct first_octets {
    std::uint64_t bits[4] = {};
    constexpr first_octets() {
        for (const auto& r : special_ranges) {
            const std::uint32_t first = r.network >> 24;
            const std::uint32_t last = (r.network | ~r.mask) >> 24;
            for (std::uint32_t o = first; o <= last; ++o) {
                bits[o / 64] |= std::uint64_t{1} << (o % 64);
            }
        }
    }
    constexpr bool has(std::uint32_t octet) const noexcept {
        return (bits[octet / 64] >> (octet % 64) & 1) != 0;
    }
};
constexpr first_octets special_first_octets;

} // namespace

const char* to_string(special_space s) noexcept {
    switch (s) {
    case special_space::none:
        return "public";
    case special_space::private_use:
        return "private";
    case special_space::shared:
        return "shared";
    case special_space::loopback:
        return "loopback";
    case special_space::link_local:
        return "link-local";
    case special_space::this_network:
        return "this-network";
    case special_space::multicast:
        return "multicast";
    case special_space::reserved:
        return "reserved";
    }
    return "public";
}

special_space special_space_of(ipv4_addr a) noexcept {
    if (!special_first_octets.has(a.value >> 24)) {
        return special_space::none;
    }
    for (const auto& r : special_ranges) {
        if ((a.value & r.mask) == r.network) {
            return r.kind;
        }
    }
    return special_space::none;
}

} // namespace tumen::controller::asmap
