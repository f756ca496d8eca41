// The strict parser of the result JSON (and the lenient Atlas mode) over a simdjson tape; its
// writer is result_json_write.cpp. Each object's members are found in one pass over it, then
// read in a fixed order, so the first error reported does not depend on the members' order.
#include <array>
#include <bitset>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <tumen/common/atlas_err.hpp>
#include <tumen/common/json/tape_parse.hpp>
#include <tumen/common/result_tape.hpp>

#include "result_tape_fields.hpp"

namespace tumen::result {
namespace {

using namespace tape_fields;

constexpr const char* rtt_too_large = "round-trip time over an hour (3600000 ms)";

// ---- ICMP extensions (RFC 4884) and MPLS labels (RFC 4950) ----

namespace ext_key {
enum : std::size_t { obj };
constexpr std::array<std::string_view, 1> names{"obj"};
} // namespace ext_key

namespace obj_key {
enum : std::size_t { cls, type, mpls };
constexpr std::array<std::string_view, 3> names{"class", "type", "mpls"};
} // namespace obj_key

namespace label_key {
enum : std::size_t { label, exp, s, ttl };
constexpr std::array<std::string_view, 4> names{"label", "exp", "s", "ttl"};
} // namespace label_key

bool parse_icmpext(const dom::element& v, const path_ref& path, std::vector<mpls_entry>& out,
                   std::optional<parse_error>& err) {
    if (v.type() != dom::element_type::OBJECT) {
        err = not_object(v, path);
        return false;
    }
    fields<1> ext(dom::object(v), ext_key::names, path);
    const dom::element* objs = ext.get(ext_key::obj);
    if (objs == nullptr) {
        return true; // an extension without objects: nothing to keep
    }
    const auto read_label = [&](const dom::object& l, const path_ref& lpath) {
        fields<4> lr(l, label_key::names, lpath);
        mpls_entry m;
        unsigned s = 0;
        if (!lr.integer(label_key::label, m.label, true, 0, 0xfffff) ||
            !lr.integer(label_key::exp, m.tc, false, 0, 7) ||
            !lr.integer(label_key::s, s, false, 0, 1) ||
            !lr.integer(label_key::ttl, m.ttl, false, 0, 255)) {
            err = lr.error();
            return false;
        }
        m.bottom = s == 1;
        out.push_back(m);
        return true;
    };
    const auto read_object = [&](const dom::object& o, const path_ref& opath) {
        fields<3> r(o, obj_key::names, opath);
        unsigned cls = 0;
        unsigned type = 0;
        if (!r.integer(obj_key::cls, cls, true, 0, 255) ||
            !r.integer(obj_key::type, type, true, 0, 255)) {
            err = r.error();
            return false;
        }
        // Other RFC 4884 objects (e.g. RFC 5837 interface info) are not kept.
        const dom::element* labels = r.get(obj_key::mpls);
        return cls != 1 || type != 1 || labels == nullptr ||
               each_object(*labels, r.member(obj_key::mpls), err, read_label);
    };
    return each_object(*objs, path.member("obj"), err, read_object);
}

// ---- one reply of a hop ----

namespace reply_key {
enum : std::size_t { x, icmp_type, err, late, from, rtt, size, ttl, icmp_code, nat, ittl, icmpext };
constexpr std::array<std::string_view, 12> names{"x",         "icmp_type", "err",  "late",
                                                 "from",      "rtt",       "size", "ttl",
                                                 "icmp_code", "nat",       "ittl", "icmpext"};
} // namespace reply_key

bool parse_reply(const dom::element& v, const path_ref& path, const trace& t, hop_reply& out,
                 std::optional<parse_error>& err) {
    using namespace reply_key;
    if (v.type() != dom::element_type::OBJECT) {
        err = not_object(v, path);
        return false;
    }
    fields<12> r(dom::object(v), names, path);
    if (r.has(x)) {
        out.timeout = true;
        return true;
    }
    const bool has_type = r.has(icmp_type);
    if (const dom::element* errv = r.get(reply_key::err)) {
        if (errv->type() == dom::element_type::STRING) {
            out.err = string_of(*errv);
        } else if (is_integer(*errv)) {
            out.err = std::to_string(int_of(*errv));
        } else {
            r.fail(reply_key::err, "expected a string or integer");
        }
    }
    bool late_ok = true;
    if (const dom::element* l = r.get(late)) {
        if (l->type() == dom::element_type::BOOL) {
            out.late = l->get_bool().value_unsafe();
        } else if (is_integer(*l)) {
            out.late = int_of(*l) > 0;
        } else {
            late_ok = r.fail(late, "expected an integer or boolean");
        }
    }
    bool ok = !r.error() && late_ok && r.address(from, out.from, true) &&
              r.number(rtt, out.rtt_ms, !out.late) && r.integer(size, out.size, false, 0, 65535) &&
              r.integer(ttl, out.ttl, false, 0, 255) &&
              r.integer(icmp_type, out.icmp_type, false, 0, 255) &&
              r.integer(icmp_code, out.icmp_code, false, 0, 255) && r.boolean(nat, out.nat);
    if (ok && r.has(ittl)) {
        std::uint8_t quoted = 0;
        ok = r.integer(ittl, quoted, false, 0, 255);
        out.quoted_ttl = quoted;
    }
    if (ok && out.rtt_ms < 0) {
        ok = r.fail(rtt, "negative round-trip time");
    }
    if (ok && out.rtt_ms > max_rtt_ms) {
        ok = r.fail(rtt, rtt_too_large);
    }
    if (!ok) {
        err = r.error();
        return false;
    }
    if (const dom::element* ext = r.get(icmpext)) {
        if (!parse_icmpext(*ext, r.member(icmpext), out.mpls, err)) {
            return false;
        }
    }
    if (!has_type) {
        // Foreign (Atlas) replies carry no ICMP type: infer it from `err` and the source.
        if (!out.err.empty()) {
            out.icmp_type = 3;
            out.icmp_code = code_of_err(out.err).value_or(0);
        } else if (out.from == t.dst) {
            if (t.proto == "ICMP") {
                out.icmp_type = 0;
            } else if (t.proto == "TCP") {
                out.icmp_type = 255;
            } else {
                out.icmp_type = 3; // RFC 792 port unreachable from the destination
                out.icmp_code = 3;
            }
        } else {
            out.icmp_type = 11;
        }
    }
    return true;
}

// ---- the members shared by traces and pings ----

/// Checks `type` and `af` (members `type_i`, `af_i` of `r`).
template <std::size_t N>
bool check_type_and_af(fields<N>& r, std::size_t type_i, std::size_t af_i,
                       std::string_view expected, bool required) {
    std::string type;
    if (!r.str(type_i, type, required)) {
        return false;
    }
    if (r.has(type_i) && type != expected) {
        return r.fail(type_i, "expected \"" + std::string(expected) + "\", got \"" + type + "\"");
    }
    int af = 4;
    if (!r.integer(af_i, af, false, 0, 255)) {
        return false;
    }
    if (af != 4) {
        return r.fail(af_i, "only IPv4 results (af 4) are supported, got af " + std::to_string(af));
    }
    return true;
}

/// Atlas writes `"src_addr": ""` when the probe could not send; treat it as absent there.
bool empty_atlas_src(const dom::element* src, bool strict) {
    return !strict && src != nullptr && src->type() == dom::element_type::STRING &&
           string_of(*src).empty();
}

/// Atlas results carry `prb_id` (probe) and `msm_id`: derive agent and id from them.
template <std::size_t N>
bool atlas_identity(fields<N>& r, std::size_t prb_i, std::size_t msm_i, std::string& agent,
                    std::string& id, std::int64_t timestamp) {
    if (agent.empty()) {
        std::int64_t prb = -1;
        if (!r.integer(prb_i, prb, false, 0, std::numeric_limits<std::int64_t>::max())) {
            return false;
        }
        if (prb >= 0) {
            agent = std::to_string(prb);
        }
    }
    if (id.empty()) {
        std::int64_t msm = -1;
        if (!r.integer(msm_i, msm, false, 0, std::numeric_limits<std::int64_t>::max())) {
            return false;
        }
        id = "atlas-" + (msm >= 0 ? std::to_string(msm) : std::string("x")) + "-" +
             (agent.empty() ? std::string("x") : agent) + "-" + std::to_string(timestamp);
    }
    return true;
}

namespace trace_key {
enum : std::size_t {
    type,
    af,
    id,
    agent,
    campaign,
    method,
    dst_addr,
    src_addr,
    dst_name,
    proto,
    paris_id,
    timestamp,
    endtime,
    stop_reason_at,
    trigger,
    confirmation,
    prb_id,
    msm_id,
    result
};
constexpr std::array<std::string_view, 19> names{
    "type",     "af",           "id",     "agent",    "campaign",  "method",  "dst_addr",
    "src_addr", "dst_name",     "proto",  "paris_id", "timestamp", "endtime", "stop_reason",
    "trigger",  "confirmation", "prb_id", "msm_id",   "result"};
} // namespace trace_key

namespace hop_key {
enum : std::size_t { hop, error, result };
constexpr std::array<std::string_view, 3> names{"hop", "error", "result"};
} // namespace hop_key

namespace ping_key {
enum : std::size_t {
    type,
    af,
    id,
    agent,
    campaign,
    method,
    dst_addr,
    src_addr,
    timestamp,
    sent,
    rcvd,
    min,
    avg,
    max,
    prb_id,
    msm_id,
    result
};
constexpr std::array<std::string_view, 17> names{
    "type", "af",   "id",  "agent", "campaign", "method", "dst_addr", "src_addr", "timestamp",
    "sent", "rcvd", "min", "avg",   "max",      "prb_id", "msm_id",   "result"};
} // namespace ping_key

namespace entry_key {
enum : std::size_t { rtt, x, error };
constexpr std::array<std::string_view, 3> names{"rtt", "x", "error"};
} // namespace entry_key

/// The hops of a trace (`hops`, the array at member "result").
std::optional<parse_error> parse_hops(const dom::array& hops, const path_ref& hops_path, trace& t) {
    t.hops.reserve(hops.size());
    std::size_t i = 0;
    for (dom::element hj : hops) {
        const path_ref hpath = hops_path.element(i++);
        if (hj.type() != dom::element_type::OBJECT) {
            return not_object(hj, hpath);
        }
        fields<3> hr(dom::object(hj), hop_key::names, hpath);
        hop h;
        if (!hr.integer(hop_key::hop, h.ttl, true, 1, 255) ||
            !hr.str(hop_key::error, h.error, false)) {
            return hr.error();
        }
        if (!t.hops.empty() && h.ttl <= t.hops.back().ttl) {
            const auto prev = std::to_string(t.hops.back().ttl);
            return parse_error{hr.member(hop_key::hop).render(),
                               h.ttl == t.hops.back().ttl
                                   ? "hop " + prev + " repeated"
                                   : "hop " + std::to_string(h.ttl) + " after hop " + prev +
                                         " (hops must be in increasing order)"};
        }
        const dom::element* replies = hr.get(hop_key::result);
        const path_ref rpath = hr.member(hop_key::result);
        if (replies == nullptr) {
            if (h.error.empty()) {
                return parse_error{rpath.render(), "missing (and no hop `error`)"};
            }
        } else if (replies->type() != dom::element_type::ARRAY) {
            return parse_error{rpath.render(),
                               std::string("expected an array, got ") + type_name(*replies)};
        } else {
            const dom::array list(*replies);
            const std::size_t n = list.size();
            if (n > max_replies_per_hop) {
                return parse_error{rpath.render(), std::to_string(n) + " replies (at most " +
                                                       std::to_string(max_replies_per_hop) +
                                                       " per hop)"};
            }
            h.replies.reserve(n);
            std::size_t k = 0;
            for (dom::element rj : list) {
                hop_reply rep;
                std::optional<parse_error> err;
                if (!parse_reply(rj, rpath.element(k++), t, rep, err)) {
                    return err;
                }
                h.replies.push_back(std::move(rep));
            }
        }
        t.hops.push_back(std::move(h));
    }
    return std::nullopt;
}

} // namespace

parsed<trace> parse_trace(const dom::element& j, const parse_options& opts) {
    using namespace trace_key;
    if (j.type() != dom::element_type::OBJECT) {
        return parse_error{"", std::string("expected a JSON object, got ") + type_name(j)};
    }
    const bool strict = opts.require_tumen_fields;
    const path_ref top{};
    fields<19> r(dom::object(j), names, top);
    trace t;
    std::string stop;
    bool ok = check_type_and_af(r, type, af, "traceroute", strict) && r.str(id, t.id, strict) &&
              r.str(agent, t.agent, strict) && r.str(campaign, t.campaign, false) &&
              r.str(method, t.method, strict) && r.address(dst_addr, t.dst, true) &&
              (empty_atlas_src(r.get(src_addr), strict) || r.address(src_addr, t.src, strict)) &&
              r.str(dst_name, t.dst_name, false) && r.str(proto, t.proto, true) &&
              r.integer(paris_id, t.paris_id, false, 0, 65535) &&
              r.integer(timestamp, t.timestamp, true, 0, std::int64_t{1} << 40) &&
              r.integer(endtime, t.endtime, false, 0, std::int64_t{1} << 40) &&
              r.str(stop_reason_at, stop, false) && r.str(trigger, t.trigger, false) &&
              r.boolean(confirmation, t.confirmation);
    if (ok && !r.has(endtime)) {
        t.endtime = t.timestamp;
    }
    if (ok && !t.trigger.empty() && t.trigger != trigger_watch) {
        ok = r.fail(trigger, "unknown trigger \"" + t.trigger + "\" (expected \"watch\")");
    }
    if (ok && t.confirmation && t.trigger.empty()) {
        ok = r.fail(confirmation, "a confirmation trace needs \"trigger\":\"watch\"");
    }
    if (ok && r.has(stop_reason_at)) {
        auto s = parse_stop_reason(stop);
        if (!s) {
            ok = r.fail(stop_reason_at, "unknown stop reason \"" + stop + "\"");
        } else {
            t.stop = *s;
        }
    }
    if (ok && !strict) {
        ok = atlas_identity(r, prb_id, msm_id, t.agent, t.id, t.timestamp);
        if (ok && t.method.empty()) {
            t.method = t.proto == "UDP"    ? "udp-paris"
                       : t.proto == "ICMP" ? "icmp-paris"
                       : t.proto == "TCP"  ? "tcp-syn"
                                           : "";
        }
    }
    if (!ok) {
        return *r.error();
    }
    const dom::element* hops = r.get(result);
    if (hops == nullptr) {
        return parse_error{"result", "missing required array field"};
    }
    if (hops->type() != dom::element_type::ARRAY) {
        return parse_error{"result", std::string("expected an array, got ") + type_name(*hops)};
    }
    const dom::array list(*hops);
    if (list.size() > max_hops) {
        return parse_error{"result", std::to_string(list.size()) + " hops (at most " +
                                         std::to_string(max_hops) + ")"};
    }
    if (auto err = parse_hops(list, r.member(result), t)) {
        return std::move(*err);
    }
    return t;
}

parsed<ping> parse_ping(const dom::element& j, const parse_options& opts) {
    using namespace ping_key;
    if (j.type() != dom::element_type::OBJECT) {
        return parse_error{"", std::string("expected a JSON object, got ") + type_name(j)};
    }
    const bool strict = opts.require_tumen_fields;
    const path_ref top{};
    fields<17> r(dom::object(j), names, top);
    ping p;
    double ignored = 0;
    bool ok = check_type_and_af(r, type, af, "ping", strict) && r.str(id, p.id, strict) &&
              r.str(agent, p.agent, strict) && r.str(campaign, p.campaign, false) &&
              r.str(method, p.method, strict) && r.address(dst_addr, p.dst, true) &&
              (empty_atlas_src(r.get(src_addr), strict) || r.address(src_addr, p.src, strict)) &&
              r.integer(timestamp, p.timestamp, true, 0, std::int64_t{1} << 40) &&
              r.integer(sent, p.sent, true, 0, 1u << 20) &&
              r.integer(rcvd, p.received, true, 0, 1u << 20) && r.number(min, ignored, false) &&
              r.number(avg, ignored, false) && r.number(max, ignored, false);
    if (ok && p.received > p.sent) {
        ok = r.fail(rcvd, "more replies received than probes sent");
    }
    if (ok && !strict) {
        ok = atlas_identity(r, prb_id, msm_id, p.agent, p.id, p.timestamp);
        if (ok && p.method.empty()) {
            p.method = "icmp";
        }
    }
    if (!ok) {
        return *r.error();
    }
    const dom::element* results = r.get(result);
    if (results == nullptr) {
        return parse_error{"result", "missing required array field"};
    }
    if (results->type() != dom::element_type::ARRAY) {
        return parse_error{"result", std::string("expected an array, got ") + type_name(*results)};
    }
    const path_ref rpath = r.member(result);
    std::size_t i = 0;
    for (dom::element e : dom::array(*results)) {
        const path_ref epath = rpath.element(i++);
        if (e.type() != dom::element_type::OBJECT) {
            return not_object(e, epath);
        }
        fields<3> er(dom::object(e), entry_key::names, epath);
        if (er.has(entry_key::rtt)) {
            double rtt = 0;
            if (!er.number(entry_key::rtt, rtt, true)) {
                return *er.error();
            }
            if (rtt < 0) {
                return parse_error{er.member(entry_key::rtt).render(), "negative round-trip time"};
            }
            if (rtt > max_rtt_ms) {
                return parse_error{er.member(entry_key::rtt).render(), rtt_too_large};
            }
            p.rtts_ms.emplace_back(rtt);
        } else if (er.has(entry_key::x) || er.has(entry_key::error) || !strict) {
            p.rtts_ms.emplace_back(std::nullopt);
        } else {
            return parse_error{epath.render(), "expected {\"rtt\": ms} or {\"x\": \"*\"}"};
        }
    }
    return p;
}

} // namespace tumen::result
