#pragma once
/// @file
/// The lookup key of an outstanding probe, the same whether it is made from the probe we
/// sent or from a reply's reply_key: a table of outstanding probes indexed by it finds the
/// probe a reply answers in one lookup per method (codec::check() then confirms it).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <tumen/probe/codec/matcher.hpp>
#include <tumen/probe/codec/probe_spec.hpp>
#include <tumen/probe/codec/wire.hpp>

namespace tumen::probe::codec {

/// A probe's flow and identity, normalised so that the fields a method cannot recover from
/// a reply are zero (icmp-paris: no destination port; classic udp: the identity is the
/// destination port itself).
struct probe_key {
    std::uint32_t dst = 0;
    std::uint16_t src_port = 0;
    std::uint16_t dst_port = 0;
    std::uint16_t ident = 0;
    std::uint8_t kind = 0; ///< the method
    friend bool operator==(const probe_key&, const probe_key&) = default;
};

/// Hash of a probe_key (splitmix64 mixing of its fields). Inline: one per table lookup.
struct probe_key_hash {
    static std::uint64_t mix(std::uint64_t x) noexcept { // splitmix64 finaliser
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebULL;
        x ^= x >> 31;
        return x;
    }
    std::size_t operator()(const probe_key& k) const noexcept {
        const std::uint64_t a =
            (std::uint64_t{k.dst} << 32) | (std::uint64_t{k.src_port} << 16) | k.dst_port;
        const std::uint64_t b = (std::uint64_t{k.ident} << 8) | k.kind;
        return static_cast<std::size_t>(mix(a ^ mix(b)));
    }
};

/// The key of a probe of method `m` with these fields (`dst_port` as on the wire),
/// normalised as probe_key says.
inline probe_key normalise_key(method m, ipv4_addr dst, std::uint16_t src_port,
                               std::uint16_t dst_port, std::uint16_t ident) noexcept {
    probe_key k;
    k.kind = static_cast<std::uint8_t>(m);
    k.dst = dst.value;
    k.src_port = src_port;
    k.dst_port = m == method::icmp_paris ? 0 : dst_port;
    k.ident = m == method::udp ? 0 : ident;
    return k;
}

/// The key of the probe `s` describes (with its destination port on the wire: classic udp
/// sends to dst_port + ident).
probe_key key_of_probe(const probe_spec& s) noexcept;

/// The key of the probe a reply names (`k` from key_of(reply, method, base)).
inline probe_key key_of_reply(const reply_key& k) noexcept {
    return normalise_key(k.kind, k.dst, k.src_port, k.dst_port, k.ident);
}

/// A glance at an IPv4 packet's headers: its source address, identification field and
/// whether it has the shape of a probe we send (UDP; TCP SYN without ACK; ICMP echo request,
/// RFC 792 type 8) rather than that of a reply (ICMP errors and echo replies, TCP SYN-ACK or
/// RST). The shape, not the source address, tells our own probes from replies: a reply can
/// come from our own address (a ping of 127.0.0.1). A truncated transport header is not
/// probe-shaped.
struct ipv4_peek {
    ipv4_addr src;
    std::uint16_t id = 0;
    bool probe_shaped = false;
};

/// True when the IPv4 packet `ip` has the shape of one of our probes (see ipv4_peek).
inline bool probe_shaped(std::span<const std::uint8_t> ip) noexcept {
    constexpr std::uint8_t proto_icmp = 1, proto_tcp = 6, proto_udp = 17;
    constexpr std::uint8_t icmp_echo_request = 8;          // RFC 792
    constexpr std::uint8_t tcp_syn = 0x02, tcp_ack = 0x10; // RFC 9293 control bits
    if (ip.size() < 20) {
        return false;
    }
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    switch (ip[9]) {
    case proto_udp:
        return true;
    case proto_icmp:
        return ip.size() > ihl && ip[ihl] == icmp_echo_request;
    case proto_tcp:
        return ip.size() > ihl + 13 && (ip[ihl + 13] & (tcp_syn | tcp_ack)) == tcp_syn;
    default:
        return false;
    }
}

/// Reads the ipv4_peek of `ip`; nullopt when it is shorter than a header (20 bytes).
inline std::optional<ipv4_peek> peek_ipv4(std::span<const std::uint8_t> ip) noexcept {
    if (ip.size() < 20) {
        return std::nullopt;
    }
    return ipv4_peek{ipv4_addr{be32(ip, 12)}, be16(ip, 4), probe_shaped(ip)};
}

} // namespace tumen::probe::codec
