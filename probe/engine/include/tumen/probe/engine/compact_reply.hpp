#pragma once
/// @file
/// The form in which an open trace keeps one hop reply: 32 bytes, against 96 for
/// result::hop_reply plus its own heap block. The label stack and the `err` text, which few
/// replies have, sit in a block of their own allocated only when present. trace_machine
/// keeps its hops this way while the trace is open and builds the result::trace (with its
/// strings and vectors) only when the trace is taken. The conversion is lossless: to_reply
/// of from_reply gives back an equal result::hop_reply (tests/probe/engine).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <tumen/common/result.hpp>

namespace tumen::probe::engine {

/// The fixed-size fields of a compact_reply.
struct compact_reply_fields {
    double rtt_ms = 0;
    ipv4_addr from;
    std::uint16_t size = 0;
    std::uint8_t ttl = 0;
    std::uint8_t icmp_type = 0;
    std::uint8_t icmp_code = 0;
    std::uint8_t quoted_ttl = 0;
    std::uint8_t hop = 0;   ///< the TTL of the hop this reply belongs to (trace_machine's)
    std::uint8_t flags = 0; ///< compact_reply::flag_* bits
};

/// One hop reply (or timeout) of an open trace.
struct compact_reply : compact_reply_fields {
    /// The fields that most replies leave empty.
    struct rare {
        std::vector<result::mpls_entry> mpls;
        std::string err;
    };

    compact_reply() = default;
    /// Copies the rare fields too (trace machines are copied in tests and by value).
    compact_reply(const compact_reply& o)
        : compact_reply_fields(o)
        , extra(o.extra ? std::make_unique<rare>(*o.extra) : nullptr) {}
    compact_reply& operator=(const compact_reply& o) {
        if (this != &o) {
            *this = compact_reply(o);
        }
        return *this;
    }
    compact_reply(compact_reply&&) noexcept = default;
    compact_reply& operator=(compact_reply&&) noexcept = default;
    ~compact_reply() = default;

    std::unique_ptr<rare> extra; ///< null when there are no MPLS labels and no `err`

    static constexpr std::uint8_t flag_timeout = 1;
    static constexpr std::uint8_t flag_nat = 2;
    static constexpr std::uint8_t flag_late = 4;
    static constexpr std::uint8_t flag_quoted_ttl = 8;
};
static_assert(sizeof(compact_reply) <= 32, "an open trace keeps one per probe answered");

/// The compact form of `r`, for hop `hop`.
compact_reply from_reply(result::hop_reply&& r, std::uint8_t hop);
/// The result model's form of `c` (its `hop` is not part of it).
result::hop_reply to_reply(const compact_reply& c);

} // namespace tumen::probe::engine
