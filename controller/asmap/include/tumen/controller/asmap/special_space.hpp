#pragma once
/// @file
/// Special-purpose IPv4 space (RFC 6890 registry), built into every AS map.
#include <cstdint>

#include <tumen/common/ipv4.hpp>

namespace tumen::controller::asmap {

/// Special-purpose IPv4 space (RFC 6890 registry). 198.18.0.0/15 (RFC 2544 benchmarking)
/// and the RFC 5737 documentation ranges are deliberately NOT special: the lab uses them as
/// public space.
enum class special_space : std::uint8_t {
    none,         ///< ordinary (public) address
    private_use,  ///< RFC 1918: 10/8, 172.16/12, 192.168/16
    shared,       ///< RFC 6598: 100.64/10 (carrier-grade NAT)
    loopback,     ///< RFC 1122: 127/8
    link_local,   ///< RFC 3927: 169.254/16
    this_network, ///< RFC 1122: 0/8
    multicast,    ///< RFC 5771: 224/4
    reserved,     ///< RFC 1112: 240/4 (incl. 255.255.255.255)
};
/// "private", "shared", ... ; "public" for none.
const char* to_string(special_space s) noexcept;
/// Classifies `a` against the special-purpose ranges above.
special_space special_space_of(ipv4_addr a) noexcept;

} // namespace tumen::controller::asmap
