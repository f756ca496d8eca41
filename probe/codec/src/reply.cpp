#include <tumen/probe/codec/reply.hpp>

#include "bytes.hpp"
#include "checksum.hpp"

namespace tumen::probe::codec {
namespace {

using detail::byte_view;

constexpr std::size_t min_ip_header = 20;
constexpr std::size_t icmp_header = 8;
/// RFC 4884 section 5: the "original datagram" field is at least 128 octets when an
/// extension structure follows; section 5.5: non-compliant routers put the extension at
/// offset 128 without setting the length attribute.
constexpr std::size_t rfc4884_min_original = 128;

decode_result failure(decode_error e) noexcept {
    decode_result r;
    r.error = e;
    return r;
}

/// Parses the quoted probe (RFC 792: IP header + at least 8 octets of the datagram).
/// The L4 fields are read from raw bytes: an 8-byte TCP quote has ports and sequence only.
std::optional<quoted_probe> parse_quote(byte_view q) noexcept {
    if (!q.has(0, min_ip_header) || (q.u8(0) >> 4) != 4) {
        return std::nullopt;
    }
    const std::size_t ihl = std::size_t{q.u8(0) & 0x0fu} * 4;
    if (ihl < min_ip_header || !q.has(ihl, 8)) {
        return std::nullopt; // IHL lie or quote truncated before 8 octets of L4
    }
    quoted_probe p;
    p.ip_length = q.u16(2);
    if (p.ip_length < ihl + 8) {
        return std::nullopt; // the quoted length lies: no probe of ours is that short
    }
    p.tos = q.u8(1);
    p.ip_id = q.u16(4);
    p.ttl = q.u8(8);
    p.protocol = q.u8(9);
    p.src = ipv4_addr{q.u32(12)};
    p.dst = ipv4_addr{q.u32(16)};
    const byte_view l4 = q.from(ihl);
    switch (p.protocol) {
    case 17: // UDP: ports, length, checksum
        p.src_port = l4.u16(0);
        p.dst_port = l4.u16(2);
        p.udp_checksum = l4.u16(6);
        break;
    case 6: // TCP: ports and sequence number are all an 8-byte quote holds
        p.src_port = l4.u16(0);
        p.dst_port = l4.u16(2);
        p.tcp_seq = l4.u32(4);
        break;
    case 1: // ICMP echo: type, code, checksum, identifier, sequence
        p.src_port = l4.u16(0);
        p.icmp_checksum = l4.u16(2);
        p.dst_port = l4.u16(4);
        p.icmp_seq = l4.u16(6);
        break;
    default:
        break; // not one of our protocols: kept for the matcher to reject
    }
    constexpr std::size_t tag_in_l4 = 10; // payload_tag_offset - 20
    if ((p.protocol == 17 || p.protocol == 1) && l4.has(tag_in_l4, 4) &&
        p.ip_length >= ihl + tag_in_l4 + 4) {
        p.payload_tag = l4.u32(tag_in_l4);
    }
    return p;
}

/// Parses an RFC 4884 extension structure; fills r.mpls from RFC 4950 MPLS label stack
/// objects (class-num 1, c-type 1). Returns false when malformed.
bool parse_extensions(byte_view ext, reply& r) noexcept {
    // RFC 4884 section 7: version (4 bits) = 2, reserved (12 bits), checksum (16 bits)
    // over the whole structure; an all-zero checksum means none was transmitted.
    if (!ext.has(0, 4) || (ext.u8(0) >> 4) != 2) {
        return false;
    }
    if (ext.u16(2) != 0 && !detail::verifies(ext.span())) {
        return false;
    }
    std::size_t off = 4;
    while (off < ext.size()) {
        // RFC 4884 section 7.1: object length (16 bits, includes this 4-byte header),
        // class-num (8 bits), c-type (8 bits), payload.
        if (!ext.has(off, 4)) {
            return false;
        }
        const std::size_t len = ext.u16(off);
        if (len < 4 || !ext.has(off, len)) {
            return false;
        }
        const std::uint8_t class_num = ext.u8(off + 2);
        const std::uint8_t c_type = ext.u8(off + 3);
        if (class_num == 1 && c_type == 1) {
            // RFC 4950 section 2: entries of label (20), TC/EXP (3), S (1), TTL (8).
            if ((len - 4) % 4 != 0) {
                return false;
            }
            for (std::size_t e = off + 4; e < off + len; e += 4) {
                const std::uint32_t v = ext.u32(e);
                result::mpls_entry m;
                m.label = v >> 12;
                m.tc = static_cast<std::uint8_t>((v >> 9) & 0x7u);
                m.bottom = ((v >> 8) & 0x1u) != 0;
                m.ttl = static_cast<std::uint8_t>(v & 0xffu);
                r.mpls.push_back(m);
            }
        }
        off += len;
    }
    return true;
}

void decode_icmp_error(byte_view icmp, reply& r, decode_result& out) {
    const byte_view payload = icmp.from(icmp_header);
    // RFC 4884 section 5.1: the length attribute (octet 5 of the ICMP header for types 3,
    // 11 and 12) gives the original datagram's length in 32-bit words; 0 = not set.
    const std::size_t length_words = icmp.u8(5);
    byte_view quote = payload;
    byte_view ext;
    bool has_ext = false;
    if (length_words != 0) {
        const std::size_t qlen = length_words * 4;
        if (qlen > payload.size()) {
            out.warning = decode_error::bad_extension; // the length attribute lies
        } else {
            quote = payload.sub(0, qlen);
            ext = payload.from(qlen);
            has_ext = ext.size() != 0; // the length may be set without any extension
        }
    } else if (payload.size() > rfc4884_min_original && payload.has(0, 4) &&
               payload.u16(2) <= rfc4884_min_original) {
        // RFC 4884 section 5.5: a non-compliant router appended an extension at offset 128
        // without setting the length; bytes past the quoted datagram's own length there
        // can only be an extension structure.
        quote = payload.sub(0, rfc4884_min_original);
        ext = payload.from(rfc4884_min_original);
        has_ext = true;
    }
    r.quote = parse_quote(quote);
    if (!r.quote) {
        out.error = decode_error::bad_quote;
        return;
    }
    if (has_ext) {
        if (parse_extensions(ext, r)) {
            r.has_extensions = true;
        } else {
            r.mpls.clear();
            out.warning = decode_error::bad_extension;
        }
    }
    out.value = std::move(r);
}

void decode_icmp(byte_view icmp, reply& r, decode_result& out) {
    if (!icmp.has(0, icmp_header)) {
        out.error = decode_error::truncated;
        return;
    }
    r.icmp_type = icmp.u8(0);
    r.icmp_code = icmp.u8(1);
    if ((r.icmp_type == 0 || r.icmp_type == 3 || r.icmp_type == 11) &&
        !detail::verifies(icmp.span())) {
        out.error = decode_error::bad_checksum; // RFC 792: over the whole ICMP message
        return;
    }
    switch (r.icmp_type) {
    case 0: // echo reply (RFC 792)
        r.kind = reply_kind::echo_reply;
        r.echo_id = icmp.u16(4);
        r.echo_seq = icmp.u16(6);
        if (icmp.has(10, 4)) {
            r.echo_tag = icmp.u32(10); // data bytes 2-5: the probe's tag
        }
        out.value = std::move(r);
        return;
    case 3:  // destination unreachable
    case 11: // time exceeded
        r.kind = r.icmp_type == 3 ? reply_kind::dest_unreachable : reply_kind::time_exceeded;
        decode_icmp_error(icmp, r, out);
        return;
    default:
        out.error = decode_error::not_a_reply;
        return;
    }
}

void decode_tcp(byte_view tcp, reply& r, decode_result& out) {
    if (!tcp.has(0, 20)) {
        out.error = decode_error::truncated;
        return;
    }
    const std::size_t data_offset = static_cast<std::size_t>(tcp.u8(12) >> 4) * 4;
    if (data_offset < 20) {
        out.error = decode_error::not_a_reply; // not a valid TCP header (RFC 793 3.1)
        return;
    }
    if (!tcp.has(0, data_offset)) {
        out.error = decode_error::truncated;
        return;
    }
    const std::uint8_t flags = tcp.u8(13);
    constexpr std::uint8_t syn = 0x02, rst = 0x04, ack = 0x10;
    if ((flags & rst) != 0) {
        r.kind = reply_kind::tcp_rst;
    } else if ((flags & (syn | ack)) == (syn | ack)) {
        r.kind = reply_kind::tcp_synack;
    } else {
        out.error = decode_error::not_a_reply;
        return;
    }
    r.tcp_src_port = tcp.u16(0);
    r.tcp_dst_port = tcp.u16(2);
    r.tcp_ack = tcp.u32(8);
    out.value = std::move(r);
}

} // namespace

const char* to_string(decode_error e) noexcept {
    switch (e) {
    case decode_error::truncated:
        return "truncated";
    case decode_error::bad_ip_header:
        return "bad_ip_header";
    case decode_error::not_a_reply:
        return "not_a_reply";
    case decode_error::bad_quote:
        return "bad_quote";
    case decode_error::bad_extension:
        return "bad_extension";
    case decode_error::bad_checksum:
        return "bad_checksum";
    }
    return "unknown";
}

decode_result decode_reply(std::span<const std::uint8_t> ip_packet,
                           std::chrono::nanoseconds timestamp) noexcept {
    const byte_view p{ip_packet};
    if (!p.has(0, min_ip_header)) {
        return failure(decode_error::truncated);
    }
    if ((p.u8(0) >> 4) != 4) {
        return failure(decode_error::bad_ip_header);
    }
    const std::size_t ihl = std::size_t{p.u8(0) & 0x0fu} * 4; // options when IHL > 5
    if (ihl < min_ip_header) {
        return failure(decode_error::bad_ip_header);
    }
    if (!p.has(0, ihl)) {
        return failure(decode_error::truncated);
    }
    const std::size_t total = p.u16(2);
    if (total < ihl) {
        return failure(decode_error::bad_ip_header);
    }
    if (total > p.size()) {
        return failure(decode_error::truncated);
    }
    if (!detail::verifies(p.sub(0, ihl).span())) {
        return failure(decode_error::bad_ip_header); // RFC 791 header checksum
    }
    if ((p.u16(6) & 0x3fffu) != 0) {
        return failure(decode_error::not_a_reply); // a fragment (MF set or offset != 0)
    }
    // Bytes past the total length (e.g. Ethernet minimum-frame padding) are ignored.
    const byte_view l4 = p.sub(ihl, total - ihl);

    decode_result out;
    out.error = decode_error::not_a_reply;
    try {
        reply r;
        r.from = ipv4_addr{p.u32(12)};
        r.to = ipv4_addr{p.u32(16)};
        r.ttl = p.u8(8);
        r.size = static_cast<std::uint16_t>(total);
        r.timestamp = timestamp;
        switch (p.u8(9)) {
        case 1:
            decode_icmp(l4, r, out);
            break;
        case 6:
            decode_tcp(l4, r, out);
            break;
        default:
            out.error = decode_error::not_a_reply;
            break;
        }
    } catch (...) {
        // Only std::bad_alloc from the MPLS vector can get here.
        out.value.reset();
        out.error = decode_error::bad_extension;
    }
    return out;
}

} // namespace tumen::probe::codec
