// The read by hand of RIPE Atlas traceroute lines (see atlas_scan.hpp for why it exists and
// what it accepts). Every rule of the schema mirrors atlas_ondemand.cpp's; where they could
// differ, this side declines (returns false up to scan_atlas_traceroute).
#include "atlas_scan.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <tumen/common/result_json.hpp>

#include "atlas_top.hpp"
#include "json_scanner.hpp"
#include "ondemand_values.hpp"

namespace tumen::controller::readers::detail {
namespace {

using ondemand::is;
using scanner = json_scanner;

/// An RFC 4884 extension of a reply (read_icmpext's rules, at nesting 5): the MPLS label
/// stacks (class 1, type 1) are appended to `out`.
bool read_icmpext(scanner& s, std::vector<result::mpls_entry>& out) {
    std::vector<result::mpls_entry> labels;
    const auto read_label = [&] {
        result::mpls_entry m;
        std::uint8_t bottom = 0;
        bool has_label = false;
        const bool ok = s.members([&](std::string_view key) {
            if (is(key, "label")) {
                has_label = true;
                return s.integer(m.label, 0, 0xfffff);
            }
            if (is(key, "exp")) {
                return s.integer(m.tc, 0, 7);
            }
            if (is(key, "s")) {
                return s.integer(bottom, 0, 1);
            }
            return is(key, "ttl") ? s.integer(m.ttl, 0, 255) : s.skip(10);
        });
        m.bottom = bottom == 1;
        labels.push_back(m);
        return ok && has_label;
    };
    const auto read_object = [&] {
        unsigned cls = 256;
        unsigned type = 256;
        const auto first = labels.size();
        bool has_mpls = false;
        const bool ok = s.members([&](std::string_view key) {
            if (is(key, "class")) {
                return s.integer(cls, 0, 255);
            }
            if (is(key, "type")) {
                return s.integer(type, 0, 255);
            }
            if (is(key, "mpls")) {
                has_mpls = true;
                return s.elements(read_label);
            }
            return s.skip(8);
        });
        if (has_mpls && (cls != 1 || type != 1)) {
            labels.resize(first); // other RFC 4884 objects are not kept
        }
        return ok && cls < 256 && type < 256;
    };
    const bool ok = s.members(
        [&](std::string_view key) { return is(key, "obj") ? s.elements(read_object) : s.skip(6); });
    out.insert(out.end(), labels.begin(), labels.end());
    return ok;
}

/// One reply of a hop (read_reply's rules, for the keys taken here).
bool read_reply(scanner& s, result::hop_reply& out, bool& infer) {
    bool timeout = false;
    bool has_from = false;
    bool has_rtt = false;
    bool has_type = false;
    std::size_t keys = 0;
    const bool ok = s.members([&](std::string_view key) {
        ++keys;
        std::string_view text;
        if (is(key, "from")) {
            has_from = true;
            return s.address(out.from);
        }
        if (is(key, "rtt")) {
            has_rtt = true;
            return s.decimal(&out.rtt_ms);
        }
        if (is(key, "size")) {
            return s.integer(out.size, 0, 65535);
        }
        if (is(key, "ttl")) {
            return s.integer(out.ttl, 0, 255);
        }
        if (is(key, "x")) {
            timeout = true;
            return s.skip(5);
        }
        std::int64_t number = 0;
        if (is(key, "err")) {
            const bool is_text = s.peek('"');
            const bool read = is_text ? s.string(text) : s.integer(number, 0, INT64_MAX);
            out.err = is_text ? std::string(text) : std::to_string(number);
            return read;
        }
        if (is(key, "late")) {
            bool late = false;
            const bool read =
                s.peek('t') || s.peek('f') ? s.boolean(late) : s.integer(number, 0, INT64_MAX);
            out.late = out.late || late || number > 0;
            return read;
        }
        if (is(key, "icmp_type")) {
            has_type = true;
            return s.integer(out.icmp_type, 0, 255);
        }
        if (is(key, "icmp_code")) {
            return s.integer(out.icmp_code, 0, 255);
        }
        if (is(key, "ittl")) {
            std::uint8_t quoted = 0;
            const bool read = s.integer(quoted, 0, 255);
            out.quoted_ttl = quoted;
            return read;
        }
        if (is(key, "nat")) {
            return s.boolean(out.nat);
        }
        return is(key, "icmpext") ? read_icmpext(s, out.mpls) : s.skip(5);
    });
    if (!ok) {
        return false;
    }
    if (timeout) {
        // A reply of "x" alone (most timeouts) is still as made: no reset to build and move.
        if (keys > 1) {
            out = result::hop_reply{};
        }
        out.timeout = true;
        return true;
    }
    infer = !has_type;
    return has_from && (has_rtt || out.late) && out.rtt_ms <= result::max_rtt_ms;
}

/// One hop (read_hop's rules).
bool read_hop(scanner& s, int previous_ttl, std::uint16_t index, result::hop& h,
              pending_types& pending) {
    bool has_hop = false;
    bool has_replies = false;
    const bool ok = s.members([&](std::string_view key) {
        if (is(key, "hop")) {
            has_hop = true;
            return s.integer(h.ttl, 1, 255);
        }
        if (is(key, "result")) {
            has_replies = true;
            h.replies.reserve(3); // Atlas sends 3 probes per hop by default
            return s.elements([&] {
                bool infer = false;
                if (h.replies.size() == result::max_replies_per_hop ||
                    !read_reply(s, h.replies.emplace_back(), infer)) {
                    return false;
                }
                if (infer) {
                    pending.emplace_back(index, static_cast<std::uint8_t>(h.replies.size() - 1));
                }
                return true;
            });
        }
        if (is(key, "error")) {
            std::string_view text;
            return s.string(text) && (h.error = text, true);
        }
        return s.skip(3);
    });
    return ok && has_hop && has_replies && h.ttl > previous_ttl;
}

/// One member of the top object (top_reader::member's rules).
bool read_member(scanner& s, atlas_top& top, std::string_view key) {
    const atlas_key slot = atlas_key_of(key);
    if (slot == atlas_key::declined) {
        return false;
    }
    if (top.mark(slot)) {
        return s.skip(1);
    }
    auto& t = top.t;
    std::string_view text;
    switch (slot) {
    case atlas_key::type:
        return s.string(text) && text == "traceroute";
    case atlas_key::af:
        return s.integer(top.family, 4, 6) && top.family != 5;
    case atlas_key::dst_addr:
        return s.address(t.dst);
    case atlas_key::src_addr:
        return s.string(text) && (text.empty() || ondemand::address_text(text, t.src));
    case atlas_key::dst_name:
        return s.string(text) && (t.dst_name = text, true);
    case atlas_key::proto:
        return s.string(text) && (t.proto = text, true);
    case atlas_key::paris_id:
        return s.integer(t.paris_id, 0, 65535);
    case atlas_key::timestamp:
        return s.integer(t.timestamp, 0, std::int64_t{1} << 40);
    case atlas_key::endtime:
        return s.integer(t.endtime, 0, std::int64_t{1} << 40);
    case atlas_key::prb_id:
        return s.integer(top.probe, 0, INT64_MAX);
    case atlas_key::msm_id:
        return s.integer(top.measurement, 0, INT64_MAX);
    case atlas_key::hops: {
        auto& hops = t.hops;
        hops.reserve(16); // most traces have fewer hops: one allocation
        return s.elements([&] {
            const int previous = hops.empty() ? 0 : hops.back().ttl;
            const auto index = static_cast<std::uint16_t>(hops.size());
            return index < result::max_hops &&
                   read_hop(s, previous, index, hops.emplace_back(), top.pending);
        });
    }
    default:
        return false;
    }
}

} // namespace

atlas_line scan_atlas_traceroute(std::string_view line, result::trace& out) {
    if (line.empty() || line.front() != '{' || line.size() > max_atlas_line) {
        return atlas_line::declined;
    }
    scanner s(line);
    atlas_top top;
    if (!s.members([&](std::string_view key) { return read_member(s, top, key); }) || !s.at_end()) {
        return atlas_line::declined;
    }
    return top.finish(out);
}

} // namespace tumen::controller::readers::detail
