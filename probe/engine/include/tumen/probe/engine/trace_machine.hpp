#pragma once
/// @file
/// The per-trace state machine, free of sockets and clocks: it says which probe (TTL,
/// attempt) to send next and turns replies and timeouts into a result::trace with a stop
/// reason. The engine drives it; unit tests feed it synthetic replies.
///
/// Semantics (as scamper's trace with its defaults, when hops_in_flight is 1): one probe in
/// flight per trace; at a hop, the next attempt is sent only when the previous one timed
/// out; the trace moves to the next TTL on the first reply. With hops_in_flight N > 1, up to
/// N probes are in flight at once over at most 2N consecutive TTLs, each TTL with the same
/// attempt rule, and hops are resolved in TTL order, so the stop rules below see the same
/// sequence of hops. It stops on
///  - completed:   the destination answered (echo reply, TCP SYN-ACK/RST, port unreachable
///                 from the destination),
///  - unreachable: any other ICMP destination unreachable,
///  - loop:        an address answers at a hop not adjacent to an earlier hop it answered,
///  - gap_limit:   `gap_limit` consecutive hops without any reply,
///  - max_ttl:     hop `max_ttl` done without reaching the destination.
/// No TTL above one that got a destination or unreachable answer is started.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <tumen/common/result.hpp>
#include <tumen/probe/codec/reply.hpp>
#include <tumen/probe/engine/bounded_list.hpp>
#include <tumen/probe/engine/compact_reply.hpp>
#include <tumen/probe/engine/engine.hpp>

namespace tumen::probe::engine {

/// What a matched reply means for the trace.
enum class reply_meaning : std::uint8_t {
    hop,         ///< an intermediate router (time exceeded)
    destination, ///< the destination answered: the trace is complete
    unreachable, ///< destination unreachable (not port unreachable from the destination)
};

/// A matched reply as the result model records it, and its meaning.
struct classified_reply {
    result::hop_reply hop;
    reply_meaning meaning = reply_meaning::hop;
};

/// Classifies `r` (a reply already matched to a probe toward `dst`) and fills the hop
/// reply: address, RTT, size, TTL, ICMP type/code (255 for TCP), quoted TTL, `err` flag
/// for unreachables (RIPE Atlas letters, result::err_of_unreachable), MPLS labels, NAT flag.
classified_reply classify_reply(const codec::reply& r, ipv4_addr dst, double rtt_ms, bool nat);

/// One probe of a trace: its TTL and attempt number (0-based).
struct probe_slot {
    std::uint8_t ttl = 0;
    std::uint8_t attempt = 0;
    friend bool operator==(const probe_slot&, const probe_slot&) = default;
};

/// The state machine of one trace.
class trace_machine {
public:
    /// Copies what the result needs of the request (dst, its name, method, flow, id,
    /// campaign); the caller adds the source and start time through set_start().
    explicit trace_machine(const trace_request& request);

    /// The probe to send now (a retry at the lowest TTL first, then the next TTL), or nullopt
    /// while hops_in_flight probes are in flight (or 2 x hops_in_flight TTLs are open), or
    /// once done(). Every slot returned must
    /// later get exactly one on_reply() or on_timeout().
    std::optional<probe_slot> next();
    /// The slot next() would return now, without taking it.
    std::optional<probe_slot> peek() const;

    /// Records the reply to a slot in flight. Returns false (and ignores it) when `slot`
    /// is not in flight.
    bool on_reply(probe_slot slot, result::hop_reply reply, reply_meaning meaning);
    /// Records that a slot in flight got no reply within the wait.
    bool on_timeout(probe_slot slot);
    /// Ends the trace with stop_reason::error (local failure, e.g. sendto refused).
    void fail(std::string error);

    bool done() const noexcept { return stop_ != result::stop_reason::none; }
    /// The trace's destination.
    ipv4_addr dst() const noexcept { return dst_; }
    result::stop_reason stop() const noexcept { return stop_; }
    /// The lowest slot in flight, if any.
    std::optional<probe_slot> in_flight() const noexcept;

    /// The result's source address and start (Unix seconds), which the request does not say.
    void set_start(ipv4_addr src, std::int64_t timestamp) noexcept {
        src_ = src;
        timestamp_ = static_cast<std::uint32_t>(
            std::clamp<std::int64_t>(timestamp, 0, std::numeric_limits<std::uint32_t>::max()));
    }
    /// The result so far (complete once done()), built from the compact state: dst, its
    /// name, method, proto, flow, id, campaign, source, start, hops and stop. The agent and
    /// endtime are the caller's (the engine fills them, and a made-up id when `id` is empty).
    result::trace result() const;
    /// The result, built once the trace is done; the machine keeps no hops after it.
    result::trace take_result();

private:
    /// A TTL started and not yet resolved (answered, or every attempt timed out). Its replies
    /// are in replies_, after the resolved ones. 3 bytes: two fit in open_ itself.
    struct open_hop {
        std::uint8_t ttl = 0;
        std::uint8_t attempt = 0; ///< the attempt in flight, or the next one to send
        bool in_flight : 1 = false;
        bool resolved : 1 = false;
        bool answered : 1 = false;
        reply_meaning meaning : 2 = reply_meaning::hop;
    };
    /// The request's text fields and the replies' rare ones, in a block of their own only when
    /// one of them is set (the tool sets none: its dst_name is the address as text, kept as a
    /// flag).
    struct labels {
        std::string id;
        std::string campaign;
        std::string dst_name;     ///< when it is not dst's own text
        std::string error;        ///< fail()'s error, for hop ttl_
        compact_reply_store rare; ///< replies' MPLS label stacks and `err` texts
    };

    open_hop* find(probe_slot slot);
    /// Moves resolved hops, lowest TTL first, into the resolved replies and applies the stop
    /// rules.
    void advance();
    /// Appends to replies_, growing it by half.
    void add_reply(const compact_reply& r);
    /// Moves the replies of open hop `ttl` (in arrival order) to the end of the resolved ones.
    void resolve_replies(std::uint8_t ttl);
    void finish_hop(bool answered);
    void finish(result::stop_reason reason);
    bool loops(ipv4_addr from) const;
    /// The result model's hops of the resolved replies (and of the hop that failed).
    std::vector<result::hop> hops() const;
    labels& text();

    // 72 bytes in all, was 88 (with the job around it, a 192-byte heap chunk per open trace
    // in the engine's jobs map; docs/probe-benchmarks.md): one-byte fields first, hops_in_flight is
    // open_'s capacity / 2, the start in 32 bits.
    std::uint8_t max_ttl_;
    std::uint8_t attempts_;
    std::uint8_t gap_limit_;
    std::uint8_t ttl_;         ///< lowest TTL not yet resolved
    std::uint8_t bound_ = 255; ///< lowest TTL with a destination/unreachable answer
    std::uint8_t gap_ = 0;
    result::stop_reason stop_ = result::stop_reason::none;
    codec::method method_ : 4;
    bool named_by_dst_ : 1 = false; ///< the result's dst_name is dst's text
    std::uint16_t flow_ = 0;
    /// How many of replies_ belong to resolved hops (the rest to open ones).
    std::uint16_t resolved_ = 0;
    std::uint32_t timestamp_ = 0; ///< Unix seconds (to 2106)
    ipv4_addr dst_;
    ipv4_addr src_;
    /// TTLs ttl_, ttl_ + 1, ... started so far: at most 2 x hops_in_flight (64), so a list of
    /// that capacity, inside the machine (16 bytes) while it is 2 (one hop in flight), else
    /// one heap block. Not a deque: an empty deque allocates 576 bytes, 0.45 MB of peak RSS
    /// for 1,024 open traces; not a vector: 24 bytes and a 32-byte block per open trace.
    bounded_list<open_hop, 2> open_;
    /// Every reply (or timeout) of the trace in one array, kept compact while the trace is
    /// open (24 bytes each; a result::hop_reply is 88 bytes and a heap block of its own): first
    /// those of the resolved hops, in TTL then send order, then those of the open hops as they
    /// came.
    std::vector<compact_reply> replies_;
    std::unique_ptr<labels> labels_; ///< null while every text field is empty
};

} // namespace tumen::probe::engine
