#pragma once
/// @file
/// The form in which an open trace keeps one hop reply: 24 bytes, against 88 for
/// result::hop_reply plus its own heap block. The label stack and the `err` text, which few
/// replies have, sit in a list of the trace's own (a compact_reply_store) allocated only when
/// a reply has them. trace_machine keeps its hops this way while the trace is open and builds
/// the result::trace (with its strings and vectors) only when the trace is taken. The
/// conversion is lossless: to_reply of from_reply gives back an equal result::hop_reply
/// (tests/probe/engine).
#include <cstdint>
#include <string>
#include <vector>

#include <tumen/common/result.hpp>

namespace tumen::probe::engine {

/// One hop reply (or timeout) of an open trace.
struct compact_reply {
    double rtt_ms = 0;
    ipv4_addr from;
    std::uint16_t size = 0;
    std::uint8_t ttl = 0;
    std::uint8_t icmp_type = 0;
    std::uint8_t icmp_code = 0;
    std::uint8_t quoted_ttl = 0;
    std::uint8_t hop = 0;   ///< the TTL of the hop this reply belongs to (trace_machine's)
    std::uint8_t flags = 0; ///< flag_* bits
    /// 1 + its index in the trace's compact_reply_store; 0 when there are no MPLS labels and
    /// no `err`.
    std::uint16_t rare = 0;

    /// The fields that most replies leave empty.
    struct rare_fields {
        std::vector<result::mpls_entry> mpls;
        std::string err;
    };

    static constexpr std::uint8_t flag_timeout = 1;
    static constexpr std::uint8_t flag_nat = 2;
    static constexpr std::uint8_t flag_late = 4;
    static constexpr std::uint8_t flag_quoted_ttl = 8;
};
static_assert(sizeof(compact_reply) <= 24, "an open trace keeps one per probe answered");

/// A trace's MPLS label stacks and `err` texts, for its compact replies that have them.
using compact_reply_store = std::vector<compact_reply::rare_fields>;

/// Whether `r` has fields a compact_reply keeps in the store.
bool has_rare_fields(const result::hop_reply& r) noexcept;
/// The compact form of `r`, for hop `hop`; its label stack and `err`, when it has them, go to
/// `store` (which may be null only when it has none).
compact_reply from_reply(result::hop_reply&& r, std::uint8_t hop, compact_reply_store* store);
/// The result model's form of `c` (its `hop` is not part of it); `store` is the one
/// from_reply() was given.
result::hop_reply to_reply(const compact_reply& c, const compact_reply_store& store);

} // namespace tumen::probe::engine
