#pragma once
/// @file
/// Reply decoding: captured IPv4 bytes + capture timestamp -> reply. No sockets, no clock.
/// Everything here treats its input as hostile: every read is bounds-checked.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/result.hpp>

namespace tumen::probe::codec {

/// What kind of packet answered.
enum class reply_kind : std::uint8_t {
    time_exceeded,    ///< ICMP type 11
    dest_unreachable, ///< ICMP type 3 (code kept)
    echo_reply,       ///< ICMP type 0
    tcp_synack,
    tcp_rst,
};

/// The probe as quoted inside an ICMP error (RFC 792: IP header + at least 8 bytes of L4;
/// RFC 1812 routers quote more). L4 fields are read from raw bytes: an 8-byte TCP quote is
/// normal and carries ports and sequence number only.
struct quoted_probe {
    ipv4_addr src;
    ipv4_addr dst;
    std::uint8_t protocol = 0;
    std::uint8_t ttl = 0;        ///< TTL the probe had when it expired (usually 0 or 1)
    std::uint16_t ip_length = 0; ///< total length field of the quoted IP header
    std::uint16_t ip_id = 0;
    std::uint8_t tos = 0;
    // L4, valid for the probe's protocol:
    std::uint16_t src_port = 0; ///< UDP/TCP; ICMP: type<<8|code of the quoted echo
    std::uint16_t dst_port = 0; ///< UDP/TCP; ICMP: identifier
    std::uint16_t udp_checksum = 0;
    std::uint16_t icmp_checksum = 0;
    std::uint16_t icmp_seq = 0;
    std::uint32_t tcp_seq = 0;
    /// UDP/ICMP: the 4 bytes at the probe's payload_tag_offset (IP offset 30, i.e. L4 offset
    /// 10), when the quote holds them and the quoted length says the probe had them.
    std::optional<std::uint32_t> payload_tag;
};

/// A decoded reply. `from` is the replying router or host.
struct reply {
    reply_kind kind = reply_kind::time_exceeded;
    ipv4_addr from;
    ipv4_addr to;
    std::uint8_t ttl = 0;   ///< reply's own TTL
    std::uint16_t size = 0; ///< reply's IP total length
    std::uint8_t icmp_type = 0;
    std::uint8_t icmp_code = 0;
    std::optional<quoted_probe> quote; ///< ICMP errors only
    std::uint16_t echo_id = 0;         ///< echo reply
    std::uint16_t echo_seq = 0;
    /// Echo reply: the echoed data's bytes 2-5 (the probe's tag, RFC 792: the data of the
    /// request is returned), when the reply is that long.
    std::optional<std::uint32_t> echo_tag;
    std::uint16_t tcp_src_port = 0; ///< TCP replies (the target's port)
    std::uint16_t tcp_dst_port = 0; ///< TCP replies (our source port)
    std::uint32_t tcp_ack = 0;
    std::vector<result::mpls_entry> mpls; ///< RFC 4950 label stack from an RFC 4884 extension
                                          ///< (outermost first)
    bool has_extensions = false;          ///< a valid RFC 4884 extension structure was present
    std::chrono::nanoseconds timestamp{}; ///< capture time (pcap), passed in by the caller
};

/// Why a packet was not decoded (counted by the engine, never fatal).
enum class decode_error : std::uint8_t {
    truncated,     ///< shorter than its headers claim
    bad_ip_header, ///< version != 4, IHL < 5, total length inconsistent
    not_a_reply,   ///< a protocol/type we do not handle (e.g. an echo request)
    bad_quote,     ///< the quoted packet is too short or inconsistent
    bad_extension, ///< malformed RFC 4884 / RFC 4950 data (the reply is still usable
                   ///< when only the extension is bad: see decode_result::warning)
    bad_checksum,  ///< the ICMP message's own checksum is wrong (RFC 792): damaged or forged
};

const char* to_string(decode_error e) noexcept;

/// A reply or the reason there is none.
struct decode_result {
    std::optional<reply> value;
    decode_error error = decode_error::truncated; ///< meaningful when !value
    std::optional<decode_error> warning;          ///< e.g. bad_extension ignored
    explicit operator bool() const noexcept { return value.has_value(); }
};

/// Decodes one IPv4 packet (starting at the IP header, no link layer). Bytes past the IP
/// total length (link-layer padding) are ignored; capture the whole packet (a snap length
/// below the reply's total length gives `truncated`). Outcomes, checked in this order:
///  - truncated:     < 20 bytes; IHL or total length beyond the captured bytes; ICMP header
///                   < 8 bytes; TCP header < 20 bytes or beyond its data offset.
///  - bad_ip_header: version != 4, IHL < 5, total length < IHL*4, bad header checksum.
///  - not_a_reply:   a fragment (MF or offset != 0); protocol other than ICMP/TCP; ICMP
///                   type other than 0, 3, 11 (echo requests, redirects, parameter problem...);
///                   TCP data offset < 5; TCP without RST and without SYN+ACK.
///  - bad_checksum:  an ICMP type 0, 3 or 11 whose checksum over the whole ICMP message
///                   (RFC 792) does not verify. The whole message is always present here
///                   (a total length beyond the captured bytes is `truncated`), so every
///                   ICMP reply is verified. TCP checksums are not verified (checksum
///                   offload leaves them unset in captures of local traffic).
///  - bad_quote:     ICMP error whose quote is < 20 bytes, not IPv4, quoted IHL < 5, fewer
///                   than IHL*4 + 8 bytes quoted, or quoted total length < IHL*4 + 8.
///  - warning bad_extension (reply kept, mpls empty, has_extensions false): RFC 4884 length
///    attribute beyond the message, extension version != 2, extension checksum wrong (an
///    all-zero checksum means none was sent, RFC 4884 section 7), object length < 4 or
///    beyond the structure, MPLS object not a multiple of 4 bytes.
/// RFC 4884: with the length attribute set, the quote is length*4 bytes and an extension
/// structure follows if any bytes remain; with it unset (section 5.5 compatibility), bytes
/// past offset 128 of the ICMP payload are taken as an extension when the quoted datagram's
/// own total length is <= 128. Never throws.
decode_result decode_reply(std::span<const std::uint8_t> ip_packet,
                           std::chrono::nanoseconds timestamp) noexcept;

} // namespace tumen::probe::codec
