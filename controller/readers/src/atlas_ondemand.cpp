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

#include "ondemand_values.hpp"

namespace tumen::controller::readers::detail {
namespace {

using namespace ondemand;

/// Lines longer than this go through the tape path (which bounds what its parser keeps).
constexpr std::size_t max_line = 1u << 20;

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

/// parse_reply's ICMP type of a reply without one (Atlas replies carry none).
void infer_icmp_type(const result::trace& t, result::hop_reply& out) {
    if (!out.err.empty()) {
        out.icmp_type = 3;
        out.icmp_code = result::code_of_err(out.err).value_or(0);
    } else if (out.from == t.dst) {
        out.icmp_type = t.proto == "ICMP" ? 0 : t.proto == "TCP" ? 255 : 3;
        out.icmp_code = t.proto == "ICMP" || t.proto == "TCP" ? out.icmp_code : 3;
    } else {
        out.icmp_type = 11;
    }
}

/// The replies whose ICMP type is inferred once the trace's destination and protocol are known
/// (Atlas writes "result" before "dst_addr" in some files): (hop, reply) indexes.
using pending_types = std::vector<std::pair<std::uint16_t, std::uint8_t>>;

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
        const std::size_t slot = slot_of(key);
        if (slot == declined) {
            return false; // tumen's own results and M-Lab wrappers: the tape path
        }
        if (slot != n) { // each_member refused a repeated key
            has_.set(slot);
        }
        if (slot == n || (family_ == 6 && slot != type && slot != af)) {
            return validate(v, 1); // IPv6: the tape path gives a note for valid JSON
        }
        std::string_view text;
        switch (slot) {
        case type:
            return string(v, text) && text == "traceroute";
        case af:
            return integer(v, family_, 0, 255) && (family_ == 4 || family_ == 6);
        case dst_addr:
            return address(v, t_.dst);
        case src_addr:
            return string(v, text) && (text.empty() || address_text(text, t_.src));
        case dst_name:
            return string(v, text) && (t_.dst_name = text, true);
        case proto:
            return string(v, text) && (t_.proto = text, true);
        case paris_id:
            return integer(v, t_.paris_id, 0, 65535);
        case timestamp:
            return integer(v, t_.timestamp, 0, std::int64_t{1} << 40);
        case endtime:
            return integer(v, t_.endtime, 0, std::int64_t{1} << 40);
        case prb_id:
            return integer(v, probe_, 0, INT64_MAX);
        case msm_id:
            return integer(v, measurement_, 0, INT64_MAX);
        case hops:
            return read_hops(v);
        }
        return false;
    }

    /// The outcome once every member is read.
    atlas_line finish(result::trace& out) {
        if (!has_.test(type) || !has_.test(hops)) {
            return atlas_line::declined;
        }
        if (family_ == 6) {
            return atlas_line::ipv6;
        }
        // An empty result may be a probe-side failure: the tape path.
        if (!has_.test(dst_addr) || !has_.test(proto) || !has_.test(timestamp) || t_.hops.empty()) {
            return atlas_line::declined;
        }
        for (const auto& [hop, reply] : pending_) {
            infer_icmp_type(t_, t_.hops[hop].replies[reply]);
        }
        if (!has_.test(endtime)) {
            t_.endtime = t_.timestamp;
        }
        if (has_.test(prb_id)) {
            t_.agent = std::to_string(probe_);
        }
        t_.id = "atlas-" + (has_.test(msm_id) ? std::to_string(measurement_) : std::string("x")) +
                "-" + (t_.agent.empty() ? std::string("x") : t_.agent) + "-" +
                std::to_string(t_.timestamp);
        t_.method = t_.proto == "UDP"    ? "udp-paris"
                    : t_.proto == "ICMP" ? "icmp-paris"
                    : t_.proto == "TCP"  ? "tcp-syn"
                                         : "";
        out = std::move(t_);
        return atlas_line::trace;
    }

private:
    enum : std::size_t {
        type,
        af,
        dst_addr,
        src_addr,
        dst_name,
        proto,
        paris_id,
        timestamp,
        endtime,
        prb_id,
        msm_id,
        hops,
        n,
        declined
    };
    static constexpr std::array<std::string_view, n> names{
        "type",     "af",        "dst_addr", "src_addr", "dst_name", "proto",
        "paris_id", "timestamp", "endtime",  "prb_id",   "msm_id",   "result"};

    static std::size_t slot_of(std::string_view key) noexcept {
        for (std::size_t i = 0; i < n; ++i) {
            if (names[i] == key) {
                return i;
            }
        }
        const bool tumen_or_mlab = is(key, "id") || is(key, "agent") || is(key, "campaign") ||
                                   is(key, "method") || is(key, "stop_reason") ||
                                   is(key, "trigger") || is(key, "confirmation") ||
                                   is(key, "Metadata") || is(key, "Trace") || is(key, "UUID");
        return tumen_or_mlab ? declined : n;
    }

    static bool address_text(std::string_view text, ipv4_addr& out) {
        auto a = ipv4_addr::parse(text);
        out = a.value_or(ipv4_addr{});
        return a.has_value();
    }

    /// The hops, as IPv4 unless "af": 6 came first (hops read before it decline).
    bool read_hops(od::value& v) {
        if (family_ == 6) {
            return validate(v, 1);
        }
        t_.hops.reserve(16); // most traces have fewer hops: one allocation
        return each_element(v, [this](od::value& hv) {
            const int previous = t_.hops.empty() ? 0 : t_.hops.back().ttl;
            const auto index = static_cast<std::uint16_t>(t_.hops.size());
            return index < result::max_hops &&
                   read_hop(hv, previous, index, t_.hops.emplace_back(), pending_);
        });
    }

    std::bitset<n> has_;
    std::int64_t family_ = 4;
    std::int64_t probe_ = 0;
    std::int64_t measurement_ = 0;
    result::trace t_;
    pending_types pending_;
};

} // namespace

atlas_line read_atlas_traceroute(std::string_view line, std::size_t readable_after,
                                 result::trace& out) {
    const auto start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos || line[start] != '{' || line.size() > max_line) {
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
