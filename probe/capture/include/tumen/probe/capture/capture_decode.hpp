#pragma once
/// @file
/// Offline decoding of a packet capture: frame bytes of one link type in, one report per
/// ICMP reply (or per broken frame) out. No I/O and no clock: the caller reads the file
/// (`tumen-probe decode` does it with libpcap) and passes each frame with its timestamp.
///
/// Outer layers (Ethernet II with 802.1Q tags, Linux cooked v1, IPv4, IPv6, ICMP, ICMPv6,
/// RFC 4884 extensions with RFC 4950 MPLS objects) are parsed with libtins. The quoted probe of
/// an IPv4 reply and the matching go through the engine's own code (decode_reply, key_of,
/// check): see the comments in capture_decode.cpp for what stays hand-written and why.
///
/// Probes seen in the capture (our own recordings hold every probe sent) give replies their
/// RTT and the probe's TTL (IPv6: matched on the quoted bytes, see probe6_key). The engine keys
/// probe identities with a per-run secret (probe_ident.hpp) that a capture does not hold, so the
/// probe is rebuilt from its captured bytes instead (probe_of_packet) and the engine's matcher
/// compares it with the reply: the same quoted-field checks the engine makes, without the secret.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include <tumen/common/result.hpp>
#include <tumen/probe/codec/probe_key.hpp>
#include <tumen/probe/codec/probe_spec.hpp>
#include <tumen/probe/codec/reply.hpp>

namespace tumen::probe::capture {

using codec::probe_key;
using codec::probe_key_hash;
using codec::probe_spec;
using codec::reply;

/// Link types a capture may have (tcpdump.org LINKTYPE_ values and the DLT_ values libpcap
/// returns for them).
namespace link_type {
inline constexpr int ethernet = 1;       ///< DLT_EN10MB
inline constexpr int raw = 12;           ///< DLT_RAW as libpcap returns it on Linux
inline constexpr int raw_bsd = 14;       ///< DLT_RAW on OpenBSD
inline constexpr int linktype_raw = 101; ///< LINKTYPE_RAW as written in files
inline constexpr int linux_sll = 113;    ///< DLT_LINUX_SLL
inline constexpr int ipv4 = 228;         ///< DLT_IPV4 / LINKTYPE_IPV4
inline constexpr int ipv6 = 229;         ///< DLT_IPV6 / LINKTYPE_IPV6
inline constexpr int linux_sll2 = 276;   ///< DLT_LINUX_SLL2
} // namespace link_type

/// True when capture_decoder understands frames of `dlt`.
bool capture_link_supported(int dlt) noexcept;

/// The probe as an ICMP error quotes it.
struct quoted_fields {
    std::string dst;
    std::uint8_t protocol = 0; ///< IPv4 protocol or IPv6 next header (17, 6, 1, 58)
    std::uint8_t ttl = 0;      ///< IPv4 TTL or IPv6 hop limit as the reporting router saw it
    std::optional<std::uint16_t> ip_id;              ///< IPv4 only
    std::optional<std::uint16_t> src_port, dst_port; ///< UDP and TCP
    std::optional<std::uint16_t> icmp_id, icmp_seq;  ///< ICMP and ICMPv6 echo requests
};

/// One ICMP or ICMPv6 reply found in a capture.
struct capture_reply {
    std::uint64_t frame = 0;         ///< 1-based frame number in the capture
    std::chrono::nanoseconds time{}; ///< capture timestamp since the Unix epoch
    int family = 4;                  ///< 4 or 6
    std::string src;                 ///< the replying address
    std::uint8_t icmp_type = 0;
    std::uint8_t icmp_code = 0;
    std::optional<quoted_fields> quoted;            ///< ICMP errors
    std::optional<std::uint16_t> echo_id, echo_seq; ///< echo replies
    std::vector<result::mpls_entry> mpls;           ///< RFC 4950 stack, outermost first
    std::optional<std::uint8_t> probe_ttl;          ///< TTL of the matching probe, when captured
    std::optional<double> rtt_ms;                   ///< reply time - probe time, when captured
    std::string warning; ///< non-empty when part of the reply was unusable (bad extension)
};

/// A frame that could not be decoded, and why.
struct capture_error {
    std::uint64_t frame = 0;
    std::string what;
};

/// What a frame gave: a reply or an error (frames that are neither are not reported).
using capture_event = std::variant<capture_reply, capture_error>;

/// The probe a captured IPv4 packet is, as the engine's matcher needs it: the method its
/// protocol implies (UDP: udp-paris, whose check compares the quoted checksum, which also
/// holds for classic udp probes; ICMP echo request: icmp-paris; TCP SYN: tcp-syn) and its
/// identity read back from its bytes (ident from the UDP checksum, echo sequence or TCP
/// sequence; IP id; tag from the payload or the sequence). nullopt when the packet is not
/// probe-shaped (probe_key.hpp) or is truncated.
std::optional<probe_spec> probe_of_packet(std::span<const std::uint8_t> ip) noexcept;

/// Decodes the frames of one capture in order, remembering the probes it saw.
class capture_decoder {
public:
    /// `dlt`: the capture's link type (capture_link_supported() must hold).
    explicit capture_decoder(int dlt) noexcept;

    /// Decodes the next frame (numbered from 1 in call order) captured at `time`. Returns
    /// the reply or error to report, or nullopt for a frame that is neither (a probe, an
    /// echo request, other traffic). Never throws on any input (allocation failure aside).
    std::optional<capture_event> feed(std::span<const std::uint8_t> frame,
                                      std::chrono::nanoseconds time) noexcept;

    /// Frames fed so far.
    std::uint64_t frames() const noexcept { return frame_; }

private:
    struct seen_probe {
        probe_spec spec;
        std::chrono::nanoseconds time{};
    };
    std::optional<capture_event> decode_ipv4(std::span<const std::uint8_t> ip,
                                             std::chrono::nanoseconds time);
    std::optional<capture_event> decode_ipv6(std::span<const std::uint8_t> ip,
                                             std::chrono::nanoseconds time);
    void annotate(capture_reply& out, const reply& r) const;

    /// IPv6 probes (the engine probes IPv4 only, so there is no IPv6 matcher to reuse): the
    /// destination, next header and the first 8 bytes of the L4 header, exactly as an ICMPv6
    /// error quotes them (RFC 4443 section 3.3); echo requests also by identifier and
    /// sequence for echo replies (next header byte 128 then, and the L4 value id << 16 | seq).
    struct probe6_key {
        std::array<std::uint8_t, 17> dst_and_proto{};
        std::uint64_t l4 = 0;
        auto operator<=>(const probe6_key&) const = default;
    };
    struct seen_probe6 {
        std::uint8_t hop_limit = 0;
        std::chrono::nanoseconds time{};
    };
    void annotate6(capture_reply& out, const probe6_key& k) const;

    int dlt_;
    std::uint64_t frame_ = 0;
    std::unordered_map<probe_key, std::vector<seen_probe>, probe_key_hash> probes_;
    std::map<probe6_key, seen_probe6> probes6_; ///< the latest probe of each key
};

} // namespace tumen::probe::capture
