#include <tumen/probe/codec/matcher.hpp>
#include <tumen/probe/codec/probe_builder.hpp>

namespace tumen::probe::codec {
namespace {

constexpr std::uint16_t icmp_echo_request = 0x0800; // type 8, code 0

bool is_icmp_error(reply_kind k) noexcept {
    return k == reply_kind::time_exceeded || k == reply_kind::dest_unreachable;
}

/// The tag bits a quote holds, against the probe's: true when the probe carried a payload
/// tag and the quote shows it (RFC 1812 section 4.3.2.3 routers quote as much as fits in
/// 576 bytes) with the value we sent; false when absent or different.
bool quoted_tag_matches(const probe_spec& sent, const quoted_probe& q) noexcept {
    return carries_payload_tag(sent) && q.payload_tag && *q.payload_tag == sent.tag;
}

/// The quote of an ICMP error against the probe we sent. Every keyed bit the quote holds must
/// match: the IP identification (never rewritten on the path, RFC 791), the ident (UDP
/// checksum, echo sequence, low half of the TCP sequence), the tag (payload when quoted, upper
/// half of the TCP sequence). NAT detection follows dublin-traceroute: compare the quoted
/// fields with the sent ones. A NAT that does not translate the quote back shows our probe with
/// its public source address (and, for NAPT, port or ICMP identifier); one that rewrote the
/// address also rewrote the UDP checksum (RFC 3022 section 4.2), so a quote whose checksum
/// differs is ours only when the IP id and the payload tag, which NATs do not touch, are
/// quoted and match (the ident, in the checksum, is then unverifiable: the tag stands in).
match_result check_quote(const probe_spec& sent, const quoted_probe& q) noexcept {
    match_result out;
    if (q.protocol != ip_protocol(sent.kind) || q.dst != sent.dst || q.ip_id != sent.ip_id) {
        return out;
    }
    if (carries_payload_tag(sent) && q.payload_tag && *q.payload_tag != sent.tag) {
        return out; // a quoted tag is always checked
    }
    const bool addr_rewritten = q.src != sent.src;
    bool l4_rewritten = false;
    switch (sent.kind) {
    case method::udp_paris:
    case method::udp:
    case method::tcp_syn: {
        const std::uint16_t dport = sent.kind == method::udp
                                        ? static_cast<std::uint16_t>(sent.dst_port + sent.ident)
                                        : sent.dst_port;
        if (q.dst_port != dport) {
            return out;
        }
        if (q.src_port != sent.src_port) {
            // Another flow of ours or another process, unless a NAT evidently rewrote it.
            if (!addr_rewritten) {
                return out;
            }
            l4_rewritten = true;
        }
        if (sent.kind != method::tcp_syn) {
            const std::uint16_t expected = sent.kind == method::udp_paris
                                               ? udp_paris_checksum(sent.ident)
                                               : udp_checksum(sent);
            if (q.udp_checksum != expected) {
                // Rewritten by a NAT, or forged: only the quoted tag can still name the probe.
                if (!quoted_tag_matches(sent, q)) {
                    return out;
                }
                l4_rewritten = true;
            }
        }
        if (sent.kind == method::tcp_syn && q.tcp_seq != tcp_syn_sequence(sent.ident, sent.tag)) {
            return out;
        }
        break;
    }
    case method::icmp_paris:
    case method::ping:
        if (q.src_port != icmp_echo_request || q.icmp_seq != sent.ident) {
            return out;
        }
        if (q.dst_port != sent.src_port) {
            if (!addr_rewritten) {
                return out;
            }
            l4_rewritten = true;
        }
        if (q.icmp_checksum != icmp_paris_checksum(sent.src_port)) {
            l4_rewritten = true; // identifier and sequence name the probe; something rewrote it
        }
        break;
    }
    out.matched = true;
    out.nat = addr_rewritten || l4_rewritten;
    return out;
}

} // namespace

std::optional<reply_key> key_of(const reply& r, method m, std::uint16_t udp_base_port) noexcept {
    reply_key k;
    k.kind = m;
    if (is_icmp_error(r.kind)) {
        if (!r.quote || r.quote->protocol != ip_protocol(m)) {
            return std::nullopt;
        }
        const quoted_probe& q = *r.quote;
        k.dst = q.dst;
        switch (m) {
        case method::udp_paris:
            if (q.udp_checksum == 0) {
                return std::nullopt; // never sent: udp-paris checksums are ident + 1
            }
            k.src_port = q.src_port;
            k.dst_port = q.dst_port;
            k.ident = static_cast<std::uint16_t>(q.udp_checksum - 1u);
            return k;
        case method::udp:
            if (q.dst_port < udp_base_port) {
                return std::nullopt;
            }
            k.src_port = q.src_port;
            k.dst_port = q.dst_port;
            k.ident = static_cast<std::uint16_t>(q.dst_port - udp_base_port);
            return k;
        case method::tcp_syn:
            k.src_port = q.src_port;
            k.dst_port = q.dst_port;
            k.ident = static_cast<std::uint16_t>(q.tcp_seq & 0xffffu);
            return k;
        case method::icmp_paris:
        case method::ping:
            if (q.src_port != icmp_echo_request) {
                return std::nullopt;
            }
            k.src_port = q.dst_port; // the echo identifier
            k.ident = q.icmp_seq;
            return k;
        }
        return std::nullopt;
    }
    if (r.kind == reply_kind::echo_reply) {
        if (m != method::icmp_paris) {
            return std::nullopt;
        }
        k.dst = r.from;
        k.src_port = r.echo_id;
        k.ident = r.echo_seq;
        return k;
    }
    // tcp_synack / tcp_rst: RFC 793 section 3.4, both acknowledge our SYN with ack = seq + 1.
    if (m != method::tcp_syn) {
        return std::nullopt;
    }
    k.dst = r.from;
    k.src_port = r.tcp_dst_port;
    k.dst_port = r.tcp_src_port;
    k.ident = static_cast<std::uint16_t>((r.tcp_ack - 1u) & 0xffffu);
    return k;
}

match_result check(const probe_spec& sent, const reply& r) noexcept {
    match_result out;
    if (is_icmp_error(r.kind)) {
        return r.quote ? check_quote(sent, *r.quote) : out;
    }
    if (r.from != sent.dst) {
        return out;
    }
    if (r.kind == reply_kind::echo_reply) {
        // RFC 792: the echo reply returns the request's data, so the tag must come back.
        const bool tag_ok = !carries_payload_tag(sent) || (r.echo_tag && *r.echo_tag == sent.tag);
        out.matched = sent.kind == method::icmp_paris && r.echo_id == sent.src_port &&
                      r.echo_seq == sent.ident && tag_ok;
        return out;
    }
    out.matched = sent.kind == method::tcp_syn && r.tcp_src_port == sent.dst_port &&
                  r.tcp_dst_port == sent.src_port &&
                  r.tcp_ack == tcp_syn_sequence(sent.ident, sent.tag) + 1u;
    return out;
}

} // namespace tumen::probe::codec
