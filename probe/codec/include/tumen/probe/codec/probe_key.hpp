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

/// The source address and identification field of an IPv4 packet, read from its header
/// without decoding the rest; nullopt when it is shorter than a header (20 bytes).
struct ipv4_peek {
    ipv4_addr src;
    std::uint16_t id = 0;
};
inline std::optional<ipv4_peek> peek_ipv4(std::span<const std::uint8_t> ip) noexcept {
    if (ip.size() < 20) {
        return std::nullopt;
    }
    return ipv4_peek{ipv4_addr{be32(ip, 12)}, be16(ip, 4)};
}

} // namespace tumen::probe::codec
