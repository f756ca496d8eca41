#pragma once
/// @file
/// Matching replies to probes. A reply is accepted only when it names a flow we sent and
/// carries an identity of an outstanding probe; anything else is counted and dropped.
#include <cstdint>
#include <optional>

#include <tumen/probe/codec/probe_spec.hpp>
#include <tumen/probe/codec/reply.hpp>

namespace tumen::probe::codec {

/// What a reply says about the probe it answers, before looking up our table of
/// outstanding probes: the flow (as we sent it, i.e. NAT-independent where possible) and
/// the probe identity recovered by the method's encoding.
struct reply_key {
    method kind = method::udp_paris;
    ipv4_addr dst;              ///< the probe's destination
    std::uint16_t src_port = 0; ///< UDP/TCP source port, ICMP identifier
    std::uint16_t dst_port = 0; ///< UDP/TCP destination port (classic udp: the base port is
                                ///< not recoverable; this is the actual port)
    std::uint16_t ident = 0;    ///< recovered probe identity
};

/// Extracts the key for `r` assuming it answers a probe of method `m`
/// (udp-paris: ident from the quoted UDP checksum; icmp-paris: quoted/echo sequence;
/// tcp-syn: low 16 bits of the quoted sequence or of ack-1; udp: dst_port - base).
/// nullopt when the reply cannot answer a probe of that method.
/// The ports and ICMP identifier are the quoted ones: a NAT that did not translate the
/// quote back shows its own. For udp-paris behind a NAT that rewrote the checksum, the key's
/// ident is wrong (the engine does not find such a probe; check() alone accepts it).
std::optional<reply_key> key_of(const reply& r, method m, std::uint16_t udp_base_port) noexcept;

/// Verdict after comparing a reply with the probe we sent for that key.
struct match_result {
    bool matched = false; ///< quote/answer consistent with the probe
    bool nat = false;     ///< the quote shows the probe's source address or ports were
                          ///< rewritten on the way (dublin-traceroute's NAT detection)
};

/// Checks that `r` answers `sent` (destination, protocol, ports or ICMP id, every keyed bit
/// of the identity), and detects NAT rewriting of the quoted probe.
/// ICMP errors: the quote must show our protocol, destination, IP identification,
/// destination port (classic udp: dst_port + ident), identity (udp-paris checksum, classic
/// udp checksum = udp_checksum(sent), the full 32-bit tcp-syn sequence, icmp-paris type/code
/// and sequence) and, when quoted, the payload tag. A different source port / ICMP identifier
/// is accepted only together with a different source address (a NAT, flagged); with our own
/// address it is another flow or process and is not matched. A UDP quote whose checksum
/// differs is matched (NAT flagged) only when it quotes the payload tag and the tag matches.
/// Echo replies (icmp-paris) must come from the destination with our identifier, sequence
/// and (when the probe carried one) tag in the echoed data; SYN-ACK/RST (tcp-syn) from the
/// destination port with ack = tcp_syn_sequence(ident, tag) + 1.
/// `nat` is only ever set for ICMP errors (the quote is the evidence).
match_result check(const probe_spec& sent, const reply& r) noexcept;

} // namespace tumen::probe::codec
