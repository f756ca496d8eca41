#pragma once
/// @file
/// What a captured IPv4 packet is to the engine: one of its own probes leaving (which gives
/// the probe's send time on the capture clock) or a packet to decode as a reply.
#include <cstdint>

#include <tumen/common/ipv4.hpp>
#include <tumen/probe/codec/probe_key.hpp>
#include <tumen/probe/engine/link_layer.hpp>

namespace tumen::probe::engine {

/// The role of a captured packet.
enum class frame_role : std::uint8_t {
    own_probe, ///< one of our probes leaving: look it up by IP ID for its send timestamp
    reply,     ///< decode it as a reply and match it to its probe
};

/// The role of packet `head`, captured in direction `dir`, for an engine sending from `src`.
/// Anything the link layer reports as outgoing is ours leaving (on the "any" device a
/// loopback reply shows twice: its outgoing copy is skipped, its incoming copy is the reply).
/// Otherwise a packet is our probe only when it comes from `src` *and* has a probe's shape
/// (codec::ipv4_peek): ICMP errors, echo replies and TCP SYN-ACK/RST from our own address
/// (e.g. `tumen-probe ping 127.0.0.1` from 127.0.0.1) are replies.
frame_role role_of_frame(const codec::ipv4_peek& head, link_direction dir, ipv4_addr src) noexcept;

} // namespace tumen::probe::engine
