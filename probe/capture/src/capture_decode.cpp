#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <exception>

#include <tins/exceptions.h>
#include <tins/icmp.h>
#include <tins/icmp_extension.h>
#include <tins/icmpv6.h>
#include <tins/ip.h>
#include <tins/ipv6.h>
#include <tins/mpls.h>

#include <tumen/probe/capture/capture_decode.hpp>
#include <tumen/probe/codec/matcher.hpp>
#include <tumen/probe/codec/probe_builder.hpp>
#include <tumen/probe/codec/wire.hpp>

namespace tumen::probe::capture {
namespace {

using codec::be16;
using codec::be32;
using bytes = std::span<const std::uint8_t>;

constexpr std::uint16_t ethertype_ipv4 = 0x0800;
constexpr std::uint16_t ethertype_ipv6 = 0x86dd;
constexpr std::uint16_t ethertype_vlan = 0x8100; // IEEE 802.1Q
constexpr std::uint16_t ethertype_qinq = 0x88a8; // IEEE 802.1ad

/// The network-layer packet of a frame and its ethertype.
struct network_packet {
    std::uint16_t ethertype = 0;
    bytes ip;
};

/// Strips the link header by hand. libtins' EthernetII and SLL constructors parse the whole
/// frame down to its last layer and throw one `malformed_packet` ("Malformed packet") when any
/// layer inside is short, so a broken reply could not be reported with the layer at fault
/// (capture_decode_test: "libtins names no layer"); libtins 4.0 also has no Linux cooked v2
/// (SLL2) class. Link headers are fixed-size and checked before every read.
std::optional<network_packet> strip_link(int dlt, bytes f, std::string& why) {
    switch (dlt) {
    case link_type::ethernet: {
        std::size_t off = 12;
        for (int tags = 0; tags <= 2; ++tags) {
            if (f.size() < off + 2) {
                why = "truncated Ethernet header (" + std::to_string(f.size()) + " bytes)";
                return std::nullopt;
            }
            const auto type = be16(f, off);
            if (type == ethertype_vlan || type == ethertype_qinq) {
                off += 4;
                continue;
            }
            return network_packet{type, f.subspan(off + 2)};
        }
        why = "more than two VLAN tags";
        return std::nullopt;
    }
    case link_type::linux_sll:
        // 16 bytes: packet type, ARPHRD, address length, address (8), protocol.
        if (f.size() < 16) {
            why = "truncated Linux cooked header (" + std::to_string(f.size()) + " bytes)";
            return std::nullopt;
        }
        return network_packet{be16(f, 14), f.subspan(16)};
    case link_type::linux_sll2:
        // 20 bytes: protocol, reserved, ifindex, ARPHRD, packet type, address length, address.
        if (f.size() < 20) {
            why = "truncated Linux cooked v2 header (" + std::to_string(f.size()) + " bytes)";
            return std::nullopt;
        }
        return network_packet{be16(f, 0), f.subspan(20)};
    case link_type::raw:
    case link_type::raw_bsd:
    case link_type::linktype_raw:
    case link_type::ipv4:
    case link_type::ipv6:
        if (f.empty()) {
            why = "empty frame";
            return std::nullopt;
        }
        switch (f[0] >> 4) {
        case 4:
            return network_packet{ethertype_ipv4, f};
        case 6:
            return network_packet{ethertype_ipv6, f};
        default:
            why = "IP version " + std::to_string(f[0] >> 4) + " in a raw IP frame";
            return std::nullopt;
        }
    default:
        why = "unsupported link type " + std::to_string(dlt);
        return std::nullopt;
    }
}

std::string ipv6_text(bytes at16) {
    std::array<char, INET6_ADDRSTRLEN> buf{};
    if (at16.size() < 16 || inet_ntop(AF_INET6, at16.data(), buf.data(), buf.size()) == nullptr) {
        return "?";
    }
    return buf.data();
}

/// The RFC 4950 label stack of an ICMP message's RFC 4884 extensions, parsed by libtins
/// (which also checks the structure's version and checksum). Each stack entry is parsed with
/// its own Tins::MPLS: libtins 4.0's MPLS(const ICMPExtension&) reads only the first entry of
/// a multi-label object (capture_decode_test: "libtins reads one MPLS entry").
std::vector<result::mpls_entry> mpls_of(const Tins::ICMPExtensionsStructure& ext) {
    std::vector<result::mpls_entry> out;
    for (const auto& e : ext.extensions()) {
        if (e.extension_class() != 1 || e.extension_type() != 1) {
            continue; // RFC 4950 section 2: class-num 1, c-type 1
        }
        const auto& p = e.payload();
        for (std::size_t i = 0; i + 4 <= p.size(); i += 4) {
            const Tins::MPLS m(p.data() + i, 4);
            out.push_back({static_cast<std::uint32_t>(m.label()),
                           static_cast<std::uint8_t>(m.experimental()), m.bottom_of_stack() != 0,
                           m.ttl()});
        }
    }
    return out;
}

quoted_fields quoted_of(const codec::quoted_probe& q) {
    quoted_fields f;
    f.dst = q.dst.to_string();
    f.protocol = q.protocol;
    f.ttl = q.ttl;
    f.ip_id = q.ip_id;
    if (q.protocol == 17 || q.protocol == 6) {
        f.src_port = q.src_port;
        f.dst_port = q.dst_port;
    } else if (q.protocol == 1) {
        f.icmp_id = q.dst_port; // quoted_probe keeps the echo identifier there
        f.icmp_seq = q.icmp_seq;
    }
    return f;
}

std::string decode_error_text(codec::decode_error e, bytes ip) {
    switch (e) {
    case codec::decode_error::truncated:
        return "truncated IPv4 packet (" + std::to_string(ip.size()) +
               " bytes captured, shorter than its headers say)";
    case codec::decode_error::bad_ip_header:
        return "bad IPv4 header (version, header length, total length or checksum)";
    case codec::decode_error::bad_quote:
        return "ICMP error whose quoted probe is shorter than an IPv4 header and 8 bytes, or "
               "inconsistent";
    case codec::decode_error::bad_checksum:
        return "ICMP checksum does not verify (RFC 792)";
    case codec::decode_error::bad_extension:
        return "malformed RFC 4884 extension";
    case codec::decode_error::not_a_reply:
        return "not a reply";
    }
    return "undecodable";
}

} // namespace

bool capture_link_supported(int dlt) noexcept {
    switch (dlt) {
    case link_type::ethernet:
    case link_type::raw:
    case link_type::raw_bsd:
    case link_type::linktype_raw:
    case link_type::linux_sll:
    case link_type::linux_sll2:
    case link_type::ipv4:
    case link_type::ipv6:
        return true;
    default:
        return false;
    }
}

std::optional<probe_spec> probe_of_packet(bytes ip) noexcept {
    if (ip.size() < 20 || (ip[0] >> 4) != 4 || !codec::probe_shaped(ip)) {
        return std::nullopt;
    }
    const std::size_t ihl = static_cast<std::size_t>(ip[0] & 0x0f) * 4;
    if (ihl < 20 || ip.size() < ihl + 8) {
        return std::nullopt;
    }
    probe_spec s;
    s.length = be16(ip, 2);
    s.ip_id = be16(ip, 4);
    s.ttl = ip[8];
    s.src = ipv4_addr{be32(ip, 12)};
    s.dst = ipv4_addr{be32(ip, 16)};
    const bytes l4 = ip.subspan(ihl);
    const auto tag_at = [&] {
        return ip.size() >= codec::payload_tag_offset + 4 ? be32(ip, codec::payload_tag_offset)
                                                          : 0u;
    };
    switch (ip[9]) {
    case 17: // UDP: the checksum is the udp-paris ident + 1 (a classic udp quote compares equal)
        s.kind = codec::method::udp_paris;
        s.src_port = be16(l4, 0);
        s.dst_port = be16(l4, 2);
        s.ident = static_cast<std::uint16_t>(be16(l4, 6) - 1u);
        s.tag = tag_at();
        return s;
    case 1: // ICMP echo request: identifier, sequence
        s.kind = codec::method::icmp_paris;
        s.src_port = be16(l4, 4);
        s.ident = be16(l4, 6);
        s.tag = tag_at();
        return s;
    case 6: { // TCP SYN: the sequence holds the ident (low half) and the tag (high half)
        if (l4.size() < 20) {
            return std::nullopt;
        }
        s.kind = codec::method::tcp_syn;
        s.src_port = be16(l4, 0);
        s.dst_port = be16(l4, 2);
        const std::uint32_t seq = be32(l4, 4);
        s.ident = static_cast<std::uint16_t>(seq);
        s.tag = seq & 0xffff0000u;
        return s;
    }
    default:
        return std::nullopt;
    }
}

capture_decoder::capture_decoder(int dlt) noexcept
    : dlt_(dlt) {}

std::optional<capture_event> capture_decoder::feed(bytes frame,
                                                   std::chrono::nanoseconds time) noexcept {
    ++frame_;
    try {
        std::string why;
        const auto net = strip_link(dlt_, frame, why);
        if (!net) {
            return capture_error{frame_, why};
        }
        if (net->ethertype == ethertype_ipv4) {
            return decode_ipv4(net->ip, time);
        }
        if (net->ethertype == ethertype_ipv6) {
            return decode_ipv6(net->ip, time);
        }
        return std::nullopt; // ARP and other traffic
    } catch (const std::exception& e) {
        return capture_error{frame_, std::string("undecodable: ") + e.what()};
    }
}

std::optional<capture_event> capture_decoder::decode_ipv4(bytes ip, std::chrono::nanoseconds time) {
    if (auto probe = probe_of_packet(ip)) {
        probes_[codec::key_of_probe(*probe)].push_back({*probe, time});
        return std::nullopt;
    }
    if (ip.size() >= 20 && ip[9] != 1) {
        return std::nullopt; // TCP SYN-ACK/RST and other protocols: not ICMP replies
    }
    // The engine's decoder validates the packet (lengths, header and ICMP checksums) and reads
    // the quote: libtins 4.0 cannot parse an 8-byte quoted TCP header (Tins::TCP needs 20
    // bytes and throws; capture_decode_test: "libtins rejects an 8-byte TCP quote").
    const auto d = codec::decode_reply(ip, time);
    if (!d) {
        if (d.error == codec::decode_error::not_a_reply) {
            return std::nullopt; // echo requests of others, redirects, ...
        }
        return capture_error{frame_, decode_error_text(d.error, ip)};
    }
    const reply& r = *d.value;
    capture_reply out;
    out.frame = frame_;
    out.time = time;
    out.family = 4;
    // Outer IPv4 and ICMP headers and the RFC 4884 extensions: libtins. Only bytes that the
    // engine's decoder has just validated reach it, so it does not throw here.
    const Tins::IP tip(ip.data(), static_cast<std::uint32_t>(ip.size()));
    const auto* icmp = tip.find_pdu<Tins::ICMP>();
    if (icmp == nullptr) {
        return capture_error{frame_, "libtins found no ICMP header"};
    }
    out.src = tip.src_addr().to_string();
    out.icmp_type = static_cast<std::uint8_t>(icmp->type());
    out.icmp_code = icmp->code();
    if (r.quote) {
        out.quoted = quoted_of(*r.quote);
        out.mpls = mpls_of(icmp->extensions());
        if (d.warning == codec::decode_error::bad_extension) {
            out.warning = "malformed RFC 4884 extension ignored";
        }
    } else if (r.kind == codec::reply_kind::echo_reply) {
        out.echo_id = icmp->id();
        out.echo_seq = icmp->sequence();
    }
    annotate(out, r);
    return out;
}

void capture_decoder::annotate(capture_reply& out, const reply& r) const {
    // Matching: the engine's key_of() names the probe (one lookup per method, as the
    // engine's probe table does) and check() confirms every quoted field against it.
    constexpr codec::method methods[] = {codec::method::udp_paris, codec::method::icmp_paris,
                                         codec::method::tcp_syn};
    for (const auto m : methods) {
        const auto k = codec::key_of(r, m, codec::default_udp_dst_port);
        if (!k) {
            continue;
        }
        const auto it = probes_.find(codec::key_of_reply(*k));
        if (it == probes_.end()) {
            continue;
        }
        // The latest probe before the reply (in capture order) that the matcher accepts.
        // Capture order, not timestamps: a recording (--pcap-out) stamps a probe with the
        // clock read as its send call began (older recordings: after it returned, when in a
        // lab of namespaces a first hop's reply could be captured earlier, the whole round
        // trip running inside the call); a negative RTT is shown as 0, as the engine clamps
        // it.
        for (auto p = it->second.rbegin(); p != it->second.rend(); ++p) {
            if (codec::check(p->spec, r).matched) {
                out.probe_ttl = p->spec.ttl;
                out.rtt_ms =
                    std::max(0.0, static_cast<double>((r.timestamp - p->time).count()) / 1e6);
                return;
            }
        }
    }
}

std::optional<capture_event> capture_decoder::decode_ipv6(bytes ip, std::chrono::nanoseconds time) {
    constexpr std::size_t ipv6_header = 40;
    constexpr std::uint8_t next_icmpv6 = 58;
    if (ip.size() < ipv6_header) {
        return capture_error{frame_,
                             "truncated IPv6 header (" + std::to_string(ip.size()) + " bytes)"};
    }
    const auto key_of = [](bytes dst16, std::uint8_t proto, std::uint64_t l4) {
        probe6_key k;
        std::copy(dst16.begin(), dst16.begin() + 16, k.dst_and_proto.begin());
        k.dst_and_proto[16] = proto;
        k.l4 = l4;
        return k;
    };
    const auto l4_word = [](bytes l4) { return (std::uint64_t{be32(l4, 0)} << 32) | be32(l4, 4); };
    const bytes l4 = ip.subspan(ipv6_header);
    constexpr std::uint8_t echo_request = 128, echo_reply = 129;
    const bool echo_probe = ip[6] == next_icmpv6 && !l4.empty() && l4[0] == echo_request;
    if ((ip[6] == 17 || ip[6] == 6 || echo_probe) && l4.size() >= 8) {
        // A probe (no extension headers): remember it under the bytes an error would quote.
        const seen_probe6 seen{ip[7], time};
        probes6_[key_of(ip.subspan(24, 16), ip[6], l4_word(l4))] = seen;
        if (echo_probe) {
            probes6_[key_of(ip.subspan(24, 16), echo_request,
                            (std::uint64_t{be16(l4, 4)} << 16) | be16(l4, 6))] = seen;
        }
        return std::nullopt;
    }
    if (ip[6] != next_icmpv6) {
        return std::nullopt; // other traffic (no extension headers in replies)
    }
    const std::size_t payload = be16(ip, 4);
    if (ip.size() < ipv6_header + payload || payload < 8) {
        return capture_error{
            frame_, "truncated ICMPv6 message (payload length " + std::to_string(payload) + ", " +
                        std::to_string(ip.size() - ipv6_header) + " bytes captured)"};
    }
    // Outer IPv6 and ICMPv6 headers: libtins (the lengths were checked above).
    const Tins::IPv6 tip(ip.data(), static_cast<std::uint32_t>(ipv6_header + payload));
    const auto* icmp = tip.find_pdu<Tins::ICMPv6>();
    if (icmp == nullptr) {
        return capture_error{frame_, "libtins found no ICMPv6 header"};
    }
    const auto type = static_cast<std::uint8_t>(icmp->type());
    // RFC 4443: 1 destination unreachable, 3 time exceeded, 129 echo reply.
    if (type != 1 && type != 3 && type != 129) {
        return std::nullopt; // echo requests, neighbour discovery, ...
    }
    capture_reply out;
    out.frame = frame_;
    out.time = time;
    out.family = 6;
    out.src = tip.src_addr().to_string();
    out.icmp_type = type;
    out.icmp_code = icmp->code();
    if (type == echo_reply) {
        out.echo_id = icmp->identifier();
        out.echo_seq = icmp->sequence();
        annotate6(out, key_of(ip.subspan(8, 16), echo_request,
                              (std::uint64_t{*out.echo_id} << 16) | *out.echo_seq));
        return out;
    }
    // The quoted IPv6 packet (RFC 4443 section 3.3: as much of the invoking packet as fits),
    // read by hand from bounds-checked bytes: libtins 4.0 leaves it as raw bytes.
    const bytes q = ip.subspan(ipv6_header + 8, payload - 8);
    if (q.size() < ipv6_header + 8) {
        return capture_error{frame_, "ICMPv6 error quoting " + std::to_string(q.size()) +
                                         " bytes, fewer than an IPv6 header and 8 bytes"};
    }
    quoted_fields f;
    f.dst = ipv6_text(q.subspan(24, 16));
    f.protocol = q[6];
    f.ttl = q[7];
    const bytes ql4 = q.subspan(ipv6_header);
    if (f.protocol == 17 || f.protocol == 6) {
        f.src_port = be16(ql4, 0);
        f.dst_port = be16(ql4, 2);
    } else if (f.protocol == next_icmpv6) {
        f.icmp_id = be16(ql4, 4);
        f.icmp_seq = be16(ql4, 6);
    }
    out.quoted = std::move(f);
    annotate6(out, key_of(q.subspan(24, 16), q[6], l4_word(ql4)));
    return out;
}

void capture_decoder::annotate6(capture_reply& out, const probe6_key& k) const {
    const auto it = probes6_.find(k);
    if (it == probes6_.end()) {
        return;
    }
    out.probe_ttl = it->second.hop_limit;
    out.rtt_ms = std::max(0.0, static_cast<double>((out.time - it->second.time).count()) / 1e6);
}

} // namespace tumen::probe::capture
