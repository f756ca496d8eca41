// The on-demand read of RIPE Atlas traceroute lines (see atlas_ondemand.hpp). Every rule here
// mirrors result::parse_trace's lenient (Atlas) mode in common/src/result_tape.cpp; where the
// two could differ, this side declines. test_controller_readers_atlas checks that both read the
// real Atlas files, and random changes of them, alike.
// Built once, for simdjson's builtin kernel (fallback without -march): the parser's stage 1 and
// string unescaping still run the kernel simdjson picks at run time (they are calls into
// libsimdjson); a build per kernel measured slower (README, classify on RIPE Atlas).
#include "atlas_ondemand.hpp"

#include <array>
#include <bitset>
#include <cmath>
#include <simdjson.h>
#include <string>
#include <utility>
#include <vector>

#include <tumen/common/atlas_err.hpp>
#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/common/result_json.hpp>

#include "atlas_scan.hpp"
#include "atlas_top.hpp"
#include "ondemand_values.hpp"

namespace tumen::controller::readers::detail {
namespace {

using namespace ondemand;

/// An RFC 4884 extension of a reply at nesting `depth` (parse_icmpext's rules): the MPLS
/// label stacks (class 1, type 1) are appended to `out`.
bool read_icmpext(od::value& v, std::size_t depth, std::vector<result::mpls_entry>& out) {
    od::object ext;
    if (v.get_object().get(ext) != simdjson::SUCCESS) {
        return false;
    }
    std::vector<result::mpls_entry> labels;
    const auto read_label = [&labels, depth](od::object& l) {
        result::mpls_entry m;
        std::uint8_t s = 0;
        bool has_label = false;
        const bool ok = each_member(l, [&](std::string_view key, od::value& lv) {
            if (is(key, "label")) {
                has_label = true;
                return integer(lv, m.label, 0, 0xfffff);
            }
            if (is(key, "exp")) {
                return integer(lv, m.tc, 0, 7);
            }
            if (is(key, "s")) {
                return integer(lv, s, 0, 1);
            }
            if (is(key, "ttl")) {
                return integer(lv, m.ttl, 0, 255);
            }
            return validate(lv, depth + 5);
        });
        m.bottom = s == 1;
        labels.push_back(m);
        return ok && has_label;
    };
    const auto read_object = [&](od::object& o) {
        unsigned cls = 256;
        unsigned type = 256;
        const auto first = labels.size();
        bool has_mpls = false;
        const bool ok = each_member(o, [&](std::string_view key, od::value& ov) {
            if (is(key, "class")) {
                return integer(ov, cls, 0, 255);
            }
            if (is(key, "type")) {
                return integer(ov, type, 0, 255);
            }
            if (is(key, "mpls")) {
                has_mpls = true;
                return each_object(ov, read_label);
            }
            return validate(ov, depth + 3);
        });
        if (has_mpls && (cls != 1 || type != 1)) {
            labels.resize(first); // other RFC 4884 objects are not kept
        }
        return ok && cls < 256 && type < 256;
    };
    const bool ok = each_member(ext, [&](std::string_view key, od::value& ev) {
        return is(key, "obj") ? each_object(ev, read_object) : validate(ev, depth + 1);
    });
    out.insert(out.end(), labels.begin(), labels.end());
    return ok;
}

/// One reply of a hop (parse_reply's rules); `infer`: it carries no ICMP type.
bool read_reply(od::value& rv, result::hop_reply& out, bool& infer) {
    enum : std::size_t { x, icmp_type, from, rtt, n };
    od::object o;
    if (rv.get_object().get(o) != simdjson::SUCCESS) {
        return false;
    }
    std::bitset<n> has;
    const bool ok = each_member(o, [&](std::string_view key, od::value& v) {
        if (is(key, "from")) {
            has.set(from);
            return address(v, out.from);
        }
        if (is(key, "rtt")) {
            has.set(rtt);
            return number(v, out.rtt_ms);
        }
        if (is(key, "size")) {
            return integer(v, out.size, 0, 65535);
        }
        if (is(key, "ttl")) {
            return integer(v, out.ttl, 0, 255);
        }
        if (is(key, "x")) {
            has.set(x);
            return validate(v, 5);
        }
        od::json_type type = od::json_type::null;
        if (is(key, "err")) {
            std::int64_t code = 0;
            std::string_view text;
            const bool read =
                v.type().get(type) == simdjson::SUCCESS &&
                (type == od::json_type::string ? string(v, text)
                                               : v.get_int64().get(code) == simdjson::SUCCESS);
            out.err = type == od::json_type::string ? std::string(text) : std::to_string(code);
            return read;
        }
        if (is(key, "late")) {
            std::int64_t count = 0;
            const bool read =
                v.type().get(type) == simdjson::SUCCESS &&
                (type == od::json_type::boolean ? v.get_bool().get(out.late) == simdjson::SUCCESS
                                                : v.get_int64().get(count) == simdjson::SUCCESS);
            out.late = out.late || count > 0;
            return read;
        }
        if (is(key, "icmp_type")) {
            has.set(icmp_type);
            return integer(v, out.icmp_type, 0, 255);
        }
        if (is(key, "icmp_code")) {
            return integer(v, out.icmp_code, 0, 255);
        }
        if (is(key, "ittl")) {
            std::uint8_t quoted = 0;
            const bool read = integer(v, quoted, 0, 255);
            out.quoted_ttl = quoted;
            return read;
        }
        if (is(key, "nat")) {
            return v.get_bool().get(out.nat) == simdjson::SUCCESS;
        }
        return is(key, "icmpext") ? read_icmpext(v, 5, out.mpls) : validate(v, 5);
    });
    if (!ok) {
        return false;
    }
    if (has.test(x)) {
        out = result::hop_reply{};
        out.timeout = true;
        return true;
    }
    if (!has.test(from) || (!has.test(rtt) && !out.late) || out.rtt_ms < 0 ||
        out.rtt_ms > result::max_rtt_ms) {
        return false;
    }
    infer = !has.test(icmp_type);
    return true;
}

/// One hop (parse_hops's rules; a hop without replies declines).
bool read_hop(od::value& hv, int previous_ttl, std::uint16_t index, result::hop& h,
              pending_types& pending) {
    od::object o;
    if (hv.get_object().get(o) != simdjson::SUCCESS) {
        return false;
    }
    bool has_hop = false;
    bool has_replies = false;
    const auto read_reply_of_hop = [&](od::value& rv) {
        bool infer = false;
        if (h.replies.size() == result::max_replies_per_hop ||
            !read_reply(rv, h.replies.emplace_back(), infer)) {
            return false;
        }
        if (infer) {
            pending.emplace_back(index, static_cast<std::uint8_t>(h.replies.size() - 1));
        }
        return true;
    };
    const bool ok = each_member(o, [&](std::string_view key, od::value& v) {
        if (is(key, "hop")) {
            has_hop = true;
            return integer(v, h.ttl, 1, 255);
        }
        if (is(key, "result")) {
            has_replies = true;
            h.replies.reserve(3); // Atlas sends 3 probes per hop by default
            return each_element(v, read_reply_of_hop);
        }
        if (is(key, "error")) {
            std::string_view text;
            const bool read = string(v, text);
            h.error = text;
            return read;
        }
        return validate(v, 3);
    });
    return ok && has_hop && has_replies && h.ttl > previous_ttl;
}

/// The members of a traceroute's top object.
class top_reader {
public:
    /// Reads one member; false to decline the line.
    bool member(std::string_view key, od::value& v) {
        const atlas_key slot = atlas_key_of(key);
        if (slot == atlas_key::declined) {
            return false; // tumen's own results and M-Lab wrappers: the tape path
        }
        if (top_.mark(slot)) { // each_member refused a repeated key
            return validate(v, 1);
        }
        auto& t = top_.t;
        std::string_view text;
        switch (slot) {
        case atlas_key::type:
            return string(v, text) && text == "traceroute";
        case atlas_key::af:
            return integer(v, top_.family, 0, 255) && (top_.family == 4 || top_.family == 6);
        case atlas_key::dst_addr:
            return address(v, t.dst);
        case atlas_key::src_addr:
            return string(v, text) && (text.empty() || address_text(text, t.src));
        case atlas_key::dst_name:
            return string(v, text) && (t.dst_name = text, true);
        case atlas_key::proto:
            return string(v, text) && (t.proto = text, true);
        case atlas_key::paris_id:
            return integer(v, t.paris_id, 0, 65535);
        case atlas_key::timestamp:
            return integer(v, t.timestamp, 0, std::int64_t{1} << 40);
        case atlas_key::endtime:
            return integer(v, t.endtime, 0, std::int64_t{1} << 40);
        case atlas_key::prb_id:
            return integer(v, top_.probe, 0, INT64_MAX);
        case atlas_key::msm_id:
            return integer(v, top_.measurement, 0, INT64_MAX);
        case atlas_key::hops:
            return read_hops(v);
        default:
            return false;
        }
    }

    /// The outcome once every member is read.
    atlas_line finish(result::trace& out) { return top_.finish(out); }

private:
    /// The hops, as IPv4 unless "af": 6 came first (hops read before it decline).
    bool read_hops(od::value& v) {
        auto& hops = top_.t.hops;
        hops.reserve(16); // most traces have fewer hops: one allocation
        return each_element(v, [this, &hops](od::value& hv) {
            const int previous = hops.empty() ? 0 : hops.back().ttl;
            const auto index = static_cast<std::uint16_t>(hops.size());
            return index < result::max_hops &&
                   read_hop(hv, previous, index, hops.emplace_back(), top_.pending);
        });
    }

    atlas_top top_;
};

} // namespace

atlas_line read_atlas_traceroute(std::string_view line, std::size_t readable_after,
                                 result::trace& out) {
    if (const auto scanned = scan_atlas_traceroute(line, out); scanned != atlas_line::declined) {
        return scanned; // the common shape, read by hand (atlas_scan.hpp says why)
    }
    return read_atlas_ondemand(line, readable_after, out);
}

atlas_line read_atlas_ondemand(std::string_view line, std::size_t readable_after,
                               result::trace& out) {
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos || line[start] != '{' || line.size() > max_atlas_line) {
        return atlas_line::declined;
    }
    thread_local od::parser parser;
    thread_local std::string copy;
    if (readable_after < simdjson::SIMDJSON_PADDING) {
        copy.assign(line);
        copy.append(simdjson::SIMDJSON_PADDING, ' ');
        line = std::string_view(copy.data(), line.size());
        readable_after = simdjson::SIMDJSON_PADDING;
    }
    od::document doc;
    od::object o;
    if (parser.iterate(line.data(), line.size(), line.size() + readable_after).get(doc) !=
            simdjson::SUCCESS ||
        doc.get_object().get(o) != simdjson::SUCCESS) {
        return atlas_line::declined;
    }
    top_reader reader;
    if (!each_member(
            o, [&reader](std::string_view key, od::value& v) { return reader.member(key, v); })) {
        return atlas_line::declined;
    }
    // Nothing may follow the object (current_location() is out of bounds at the end).
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
        return atlas_line::declined;
    }
    return reader.finish(out);
}

} // namespace tumen::controller::readers::detail
