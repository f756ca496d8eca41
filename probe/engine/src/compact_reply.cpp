#include <utility>

#include <tumen/probe/engine/compact_reply.hpp>

namespace tumen::probe::engine {

bool has_rare_fields(const result::hop_reply& r) noexcept {
    return !r.mpls.empty() || !r.err.empty();
}

compact_reply from_reply(result::hop_reply&& r, std::uint8_t hop, compact_reply_store* store) {
    compact_reply c;
    c.rtt_ms = r.rtt_ms;
    c.from = r.from;
    c.size = r.size;
    c.ttl = r.ttl;
    c.icmp_type = r.icmp_type;
    c.icmp_code = r.icmp_code;
    c.hop = hop;
    c.flags = static_cast<std::uint8_t>((r.timeout ? compact_reply::flag_timeout : 0) |
                                        (r.nat ? compact_reply::flag_nat : 0) |
                                        (r.late ? compact_reply::flag_late : 0));
    if (r.quoted_ttl) {
        c.quoted_ttl = *r.quoted_ttl;
        c.flags |= compact_reply::flag_quoted_ttl;
    }
    if (store != nullptr && has_rare_fields(r)) {
        store->push_back(compact_reply::rare_fields{std::move(r.mpls), std::move(r.err)});
        c.rare = static_cast<std::uint16_t>(store->size());
    }
    return c;
}

result::hop_reply to_reply(const compact_reply& c, const compact_reply_store& store) {
    result::hop_reply r;
    r.timeout = (c.flags & compact_reply::flag_timeout) != 0;
    r.from = c.from;
    r.rtt_ms = c.rtt_ms;
    r.size = c.size;
    r.ttl = c.ttl;
    r.icmp_type = c.icmp_type;
    r.icmp_code = c.icmp_code;
    if ((c.flags & compact_reply::flag_quoted_ttl) != 0) {
        r.quoted_ttl = c.quoted_ttl;
    }
    if (c.rare != 0 && c.rare <= store.size()) {
        r.mpls = store[c.rare - 1u].mpls;
        r.err = store[c.rare - 1u].err;
    }
    r.nat = (c.flags & compact_reply::flag_nat) != 0;
    r.late = (c.flags & compact_reply::flag_late) != 0;
    return r;
}

} // namespace tumen::probe::engine
