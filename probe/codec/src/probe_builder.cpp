#include <exception>

#include <tins/icmp.h>
#include <tins/ip.h>
#include <tins/ip_address.h>
#include <tins/rawpdu.h>
#include <tins/tcp.h>
#include <tins/udp.h>

#include <tumen/probe/codec/probe_builder.hpp>
#include <tumen/probe/codec/probe_template.hpp>

#include "bytes.hpp"
#include "checksum.hpp"

namespace tumen::probe::codec {
namespace {

using detail::byte_view;
using detail::finish;
using detail::fold;
using detail::put16;
using detail::put32;
using detail::sum_words;

constexpr std::size_t ip_header_len = 20;
constexpr std::uint16_t icmp_echo_request = 0x0800; // type 8, code 0 (RFC 792)

std::error_code invalid() {
    return std::make_error_code(std::errc::invalid_argument);
}

/// Sum of the UDP/TCP pseudo-header (RFC 768, RFC 793 section 3.1).
std::uint64_t pseudo_header_sum(ipv4_addr src, ipv4_addr dst, std::uint8_t protocol,
                                std::uint16_t l4_length) noexcept {
    return std::uint64_t{src.value >> 16} + (src.value & 0xffffu) + (dst.value >> 16) +
           (dst.value & 0xffffu) + protocol + l4_length;
}

std::uint16_t total_length(const probe_spec& s) noexcept {
    return s.length != 0 ? s.length : default_length(s.kind);
}

/// The classic udp checksum before the RFC 768 zero substitution: pseudo-header, header with
/// a zero checksum, a payload of zeros except the tag.
std::uint16_t classic_udp_checksum(const probe_spec& s, std::uint16_t l4_length) noexcept {
    std::uint64_t sum = pseudo_header_sum(s.src, s.dst, 17, l4_length) + s.src_port +
                        static_cast<std::uint16_t>(s.dst_port + s.ident) + l4_length;
    if (carries_payload_tag(s)) {
        sum += (s.tag >> 16) + (s.tag & 0xffffu);
    }
    const std::uint16_t c = finish(sum);
    return c == 0 ? 0xffff : c; // RFC 768: a computed 0 is sent as all ones
}

} // namespace

bool carries_payload_tag(const probe_spec& s) noexcept {
    return s.kind != method::tcp_syn && total_length(s) >= payload_tag_offset + 4;
}

std::uint16_t udp_checksum(const probe_spec& s) noexcept {
    const std::uint16_t length = total_length(s);
    return length < ip_header_len
               ? 0
               : classic_udp_checksum(s, static_cast<std::uint16_t>(length - ip_header_len));
}

std::uint16_t default_length(method m) noexcept {
    return m == method::tcp_syn ? 40 : 44;
}

std::uint16_t min_length(method m) noexcept {
    switch (m) {
    case method::udp_paris:
    case method::icmp_paris:
    case method::ping:
        return 30;
    case method::udp:
        return 28;
    case method::tcp_syn:
        return 40;
    }
    return 40;
}

std::uint16_t icmp_paris_checksum(std::uint16_t identifier) noexcept {
    // type/code word + identifier + (sequence + ~sequence = 0xffff); the rest is zero.
    return finish(std::uint64_t{icmp_echo_request} + identifier + 0xffffu);
}

std::error_code build_probe(const probe_spec& s, std::vector<std::uint8_t>& out) {
    out.clear();
    probe_template t;
    if (auto ec = probe_template::make(s, t)) {
        return ec;
    }
    return t.fill(s, out);
}

std::error_code probe_template::make(const probe_spec& s, probe_template& out) {
    out.bytes_.clear();
    if (s.src.value == 0 || s.dst.value == 0) {
        return invalid();
    }
    const std::uint16_t length = total_length(s);
    if (length < min_length(s.kind)) {
        return invalid();
    }
    try {
        Tins::IP ip(Tins::IPv4Address(s.dst.to_network()), Tins::IPv4Address(s.src.to_network()));
        ip.tos(0);
        ip.flags(Tins::IP::Flags(0)); // DF clear: routers may fragment, as for traceroute
        const std::size_t l4_header = s.kind == method::tcp_syn ? 20 : 8;
        const std::size_t payload = length - ip_header_len - l4_header;
        Tins::PDU* l4 = nullptr;
        switch (s.kind) {
        case method::udp_paris:
        case method::udp:
            l4 = new Tins::UDP(s.dst_port, s.src_port); // the destination port is patched (udp)
            break;
        case method::icmp_paris:
        case method::ping: {
            auto* icmp = new Tins::ICMP(Tins::ICMP::ECHO_REQUEST);
            icmp->id(s.src_port);
            icmp->sequence(0);
            l4 = icmp;
            break;
        }
        case method::tcp_syn: {
            auto* tcp = new Tins::TCP(s.dst_port, s.src_port);
            tcp->flags(Tins::TCP::SYN);
            tcp->window(0xffff);
            l4 = tcp;
            break;
        }
        }
        if (payload > 0) {
            l4->inner_pdu(new Tins::RawPDU(std::vector<std::uint8_t>(payload, 0)));
        }
        ip.inner_pdu(l4);
        out.bytes_ = ip.serialize();
    } catch (const std::exception&) {
        return invalid(); // libtins refused the fields (it throws on bad input)
    }
    if (out.bytes_.size() != length) {
        out.bytes_.clear();
        return invalid();
    }
    // libtins wrote its own IP id, TTL and checksums: per-probe fields, zeroed here and
    // written by fill().
    const std::span<std::uint8_t> pkt{out.bytes_};
    put16(pkt, 4, 0);
    pkt[8] = 0;
    put16(pkt, 10, 0);
    const std::span<std::uint8_t> l4 = pkt.subspan(ip_header_len);
    switch (s.kind) {
    case method::udp_paris:
    case method::udp:
        put16(l4, 6, 0);
        break;
    case method::icmp_paris:
    case method::ping:
        put16(l4, 2, 0);
        break;
    case method::tcp_syn:
        put16(l4, 16, 0);
        break;
    }
    out.kind_ = s.kind;
    return {};
}

// The per-probe patch is hand-written: serialising the libtins PDUs for every probe costs
// several times the whole patch (bench/probe/probe_build.cpp prints both per probe), and the
// identity encodings below (compensation words, keyed checksums) are fields libtins does
// not know; tests/probe/codec/builder_test.cpp checks the result against the hex fixtures
// and against libtins' own checksums.
std::error_code probe_template::fill(const probe_spec& s, std::vector<std::uint8_t>& out) const {
    out.clear();
    if (bytes_.empty() || s.kind != kind_ || s.ttl == 0) {
        return invalid();
    }
    if (s.kind == method::udp_paris && s.ident > max_udp_paris_ident) {
        return invalid();
    }
    if (s.kind == method::udp && std::uint32_t{s.dst_port} + s.ident > 0xffffu) {
        return invalid();
    }
    out.assign(bytes_.begin(), bytes_.end());
    const std::span<std::uint8_t> pkt{out};
    // The addresses too: one template serves every destination of a flow (the checksums
    // below are computed over them).
    put32(pkt, 12, s.src.value);
    put32(pkt, 16, s.dst.value);
    put16(pkt, 4, s.ip_id);
    pkt[8] = s.ttl;
    put16(pkt, 10, finish(sum_words(pkt.first(ip_header_len))));
    const std::span<std::uint8_t> l4 = pkt.subspan(ip_header_len);
    const auto l4_length = static_cast<std::uint16_t>(l4.size());
    constexpr std::size_t tag_in_l4 = payload_tag_offset - ip_header_len;
    if (carries_payload_tag(s)) {
        put32(l4, tag_in_l4, s.tag);
    }

    switch (s.kind) {
    case method::udp_paris:
    case method::udp: {
        if (s.kind == method::udp) {
            put16(l4, 2, static_cast<std::uint16_t>(s.dst_port + s.ident));
            put16(l4, 6, classic_udp_checksum(s, l4_length)); // 0 is sent as 0xffff
        } else {
            const std::uint64_t sum = sum_words(l4, pseudo_header_sum(s.src, s.dst, 17, l4_length));
            // Choose the payload word P so that sum + T + P == 0xffff (one's complement),
            // i.e. the packet verifies with checksum field T (RFC 1071, RFC 1624).
            const std::uint16_t target = udp_paris_checksum(s.ident);
            const auto pad = static_cast<std::uint16_t>(~fold(sum + target));
            put16(l4, 8, pad);
            put16(l4, 6, target);
        }
        break;
    }
    case method::icmp_paris:
    case method::ping: {
        put16(l4, 6, s.ident); // sequence number
        // Compensation: sequence + this word + tag words == 0xffff, a constant checksum.
        const std::uint64_t varying =
            std::uint64_t{s.ident} +
            (carries_payload_tag(s) ? (s.tag >> 16) + (s.tag & 0xffffu) : 0u);
        put16(l4, 8, static_cast<std::uint16_t>(~fold(varying)));
        put16(l4, 2, finish(sum_words(l4)));
        break;
    }
    case method::tcp_syn:
        put32(l4, 4, tcp_syn_sequence(s.ident, s.tag));
        put16(l4, 16, finish(sum_words(l4, pseudo_header_sum(s.src, s.dst, 6, l4_length))));
        break;
    }
    return {};
}

std::optional<flow_key> flow_of(std::span<const std::uint8_t> ip_packet) noexcept {
    const byte_view p{ip_packet};
    if (!p.has(0, ip_header_len) || (p.u8(0) >> 4) != 4) {
        return std::nullopt;
    }
    const std::size_t ihl = std::size_t{p.u8(0) & 0x0fu} * 4;
    const std::size_t total = p.u16(2);
    if (ihl < ip_header_len || total < ihl || total > p.size()) {
        return std::nullopt;
    }
    const byte_view l4 = p.sub(ihl, total - ihl);
    flow_key k;
    k.src = ipv4_addr{p.u32(12)};
    k.dst = ipv4_addr{p.u32(16)};
    k.protocol = p.u8(9);
    switch (k.protocol) {
    case 1:
        if (!l4.has(0, 8)) {
            return std::nullopt;
        }
        k.src_port = l4.u16(0); // type<<8 | code
        k.l4_checksum = l4.u16(2);
        k.dst_port = l4.u16(4); // identifier
        return k;
    case 6:
    case 17:
        if (!l4.has(0, 8)) {
            return std::nullopt;
        }
        k.src_port = l4.u16(0);
        k.dst_port = l4.u16(2);
        return k;
    default:
        return std::nullopt;
    }
}

flow_key flow_of(const probe_spec& s) noexcept {
    flow_key k;
    k.src = s.src;
    k.dst = s.dst;
    k.protocol = ip_protocol(s.kind);
    switch (s.kind) {
    case method::icmp_paris:
    case method::ping:
        k.src_port = icmp_echo_request;
        k.dst_port = s.src_port;
        k.l4_checksum = icmp_paris_checksum(s.src_port);
        break;
    case method::udp:
        k.src_port = s.src_port;
        k.dst_port = static_cast<std::uint16_t>(s.dst_port + s.ident);
        break;
    case method::udp_paris:
    case method::tcp_syn:
        k.src_port = s.src_port;
        k.dst_port = s.dst_port;
        break;
    }
    return k;
}

} // namespace tumen::probe::codec
