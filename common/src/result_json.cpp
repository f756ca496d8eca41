// The strict parser of the result JSON (and the lenient Atlas mode); its writer is
// result_json_write.cpp.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include <tumen/common/atlas_err.hpp>
#include <tumen/common/json/bounded_parse.hpp>
#include <tumen/common/json/field_reader.hpp>
#include <tumen/common/result_json.hpp>

namespace tumen::result {
namespace {

using json = nlohmann::json;

using json_fields::field_reader;
using json_fields::index;
using json_fields::join;

constexpr const char* rtt_too_large = "round-trip time over an hour (3600000 ms)";

bool parse_icmpext(const json& v, const std::string& path, std::vector<mpls_entry>& out,
                   std::optional<parse_error>& err) {
    auto fail = [&](std::string where, std::string what) {
        err = parse_error{std::move(where), std::move(what)};
        return false;
    };
    if (!v.is_object()) {
        return fail(path, std::string("expected an object, got ") + v.type_name());
    }
    auto objs = v.find("obj");
    if (objs == v.end()) {
        return true; // an extension without objects: nothing to keep
    }
    if (!objs->is_array()) {
        return fail(join(path, "obj"), "expected an array");
    }
    for (std::size_t i = 0; i < objs->size(); ++i) {
        const json& o = (*objs)[i];
        std::string opath = index(join(path, "obj"), i);
        if (!o.is_object()) {
            return fail(opath, "expected an object");
        }
        field_reader r(o, opath);
        unsigned cls = 0;
        unsigned type = 0;
        if (!r.integer("class", cls, true, 0, 255) || !r.integer("type", type, true, 0, 255)) {
            err = r.error();
            return false;
        }
        if (cls != 1 || type != 1) {
            continue; // other RFC 4884 objects (e.g. RFC 5837 interface info) are not kept
        }
        const json* labels = r.get("mpls");
        if (labels == nullptr) {
            continue;
        }
        if (!labels->is_array()) {
            return fail(r.path("mpls"), "expected an array");
        }
        for (std::size_t k = 0; k < labels->size(); ++k) {
            const json& l = (*labels)[k];
            std::string lpath = index(r.path("mpls"), k);
            if (!l.is_object()) {
                return fail(lpath, "expected an object");
            }
            field_reader lr(l, lpath);
            mpls_entry m;
            unsigned s = 0;
            if (!lr.integer("label", m.label, true, 0, 0xfffff) ||
                !lr.integer("exp", m.tc, false, 0, 7) || !lr.integer("s", s, false, 0, 1) ||
                !lr.integer("ttl", m.ttl, false, 0, 255)) {
                err = lr.error();
                return false;
            }
            m.bottom = s == 1;
            out.push_back(m);
        }
    }
    return true;
}

bool parse_reply(const json& v, const std::string& path, const trace& t, hop_reply& out,
                 std::optional<parse_error>& err) {
    if (!v.is_object()) {
        err = parse_error{path, std::string("expected an object, got ") + v.type_name()};
        return false;
    }
    if (v.contains("x")) {
        out.timeout = true;
        return true;
    }
    field_reader r(v, path);
    bool has_type = r.has("icmp_type");
    const json* errv = r.get("err");
    if (errv != nullptr) {
        if (errv->is_string()) {
            out.err = errv->get<std::string>();
        } else if (errv->is_number_integer() || errv->is_number_unsigned()) {
            out.err = std::to_string(errv->get<std::int64_t>());
        } else {
            r.fail("err", "expected a string or integer");
        }
    }
    bool late_ok = true;
    if (const json* late = r.get("late")) {
        if (late->is_boolean()) {
            out.late = late->get<bool>();
        } else if (late->is_number_integer() || late->is_number_unsigned()) {
            out.late = late->get<std::int64_t>() > 0;
        } else {
            late_ok = r.fail("late", "expected an integer or boolean");
        }
    }
    bool ok = !r.error() && late_ok && r.address("from", out.from, true) &&
              r.number("rtt", out.rtt_ms, !out.late) &&
              r.integer("size", out.size, false, 0, 65535) &&
              r.integer("ttl", out.ttl, false, 0, 255) &&
              r.integer("icmp_type", out.icmp_type, false, 0, 255) &&
              r.integer("icmp_code", out.icmp_code, false, 0, 255) && r.boolean("nat", out.nat);
    if (ok && r.has("ittl")) {
        std::uint8_t ittl = 0;
        ok = r.integer("ittl", ittl, false, 0, 255);
        out.quoted_ttl = ittl;
    }
    if (ok && out.rtt_ms < 0) {
        ok = r.fail("rtt", "negative round-trip time");
    }
    if (ok && out.rtt_ms > max_rtt_ms) {
        ok = r.fail("rtt", rtt_too_large);
    }
    if (!ok) {
        err = r.error();
        return false;
    }
    if (const json* ext = r.get("icmpext")) {
        if (!parse_icmpext(*ext, r.path("icmpext"), out.mpls, err)) {
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

} // namespace

namespace {

bool check_type_and_af(field_reader& r, const json& j, std::string_view expected, bool required) {
    std::string type;
    if (!r.str("type", type, required)) {
        return false;
    }
    if (r.has("type") && type != expected) {
        return r.fail("type", "expected \"" + std::string(expected) + "\", got \"" + type + "\"");
    }
    int af = 4;
    if (!r.integer("af", af, false, 0, 255)) {
        return false;
    }
    if (af != 4) {
        return r.fail("af", "only IPv4 results (af 4) are supported, got af " + std::to_string(af));
    }
    return true;
}

/// Atlas writes `"src_addr": ""` when the probe could not send; treat it as absent there.
bool empty_atlas_src(const json& j, bool strict) {
    auto it = j.find("src_addr");
    return !strict && it != j.end() && it->is_string() && it->get_ref<const std::string&>().empty();
}

/// Atlas results carry `prb_id` (probe) and `msm_id`: derive agent and id from them.
bool atlas_identity(field_reader& r, std::string& agent, std::string& id, std::int64_t timestamp) {
    if (agent.empty()) {
        std::int64_t prb = -1;
        if (!r.integer("prb_id", prb, false, 0, std::numeric_limits<std::int64_t>::max())) {
            return false;
        }
        if (prb >= 0) {
            agent = std::to_string(prb);
        }
    }
    if (id.empty()) {
        std::int64_t msm = -1;
        if (!r.integer("msm_id", msm, false, 0, std::numeric_limits<std::int64_t>::max())) {
            return false;
        }
        id = "atlas-" + (msm >= 0 ? std::to_string(msm) : std::string("x")) + "-" +
             (agent.empty() ? std::string("x") : agent) + "-" + std::to_string(timestamp);
    }
    return true;
}

} // namespace

parsed<trace> parse_trace(const nlohmann::json& j, const parse_options& opts) {
    if (!j.is_object()) {
        return parse_error{"", std::string("expected a JSON object, got ") + j.type_name()};
    }
    const bool strict = opts.require_tumen_fields;
    field_reader r(j, "");
    trace t;
    std::string stop;
    bool ok = check_type_and_af(r, j, "traceroute", strict) && r.str("id", t.id, strict) &&
              r.str("agent", t.agent, strict) && r.str("campaign", t.campaign, false) &&
              r.str("method", t.method, strict) && r.address("dst_addr", t.dst, true) &&
              (empty_atlas_src(j, strict) || r.address("src_addr", t.src, strict)) &&
              r.str("dst_name", t.dst_name, false) && r.str("proto", t.proto, true) &&
              r.integer("paris_id", t.paris_id, false, 0, 65535) &&
              r.integer("timestamp", t.timestamp, true, 0, std::int64_t{1} << 40) &&
              r.integer("endtime", t.endtime, false, 0, std::int64_t{1} << 40) &&
              r.str("stop_reason", stop, false) && r.str("trigger", t.trigger, false) &&
              r.boolean("confirmation", t.confirmation);
    if (ok && !r.has("endtime")) {
        t.endtime = t.timestamp;
    }
    if (ok && !t.trigger.empty() && t.trigger != trigger_watch) {
        ok = r.fail("trigger", "unknown trigger \"" + t.trigger + "\" (expected \"watch\")");
    }
    if (ok && t.confirmation && t.trigger.empty()) {
        ok = r.fail("confirmation", "a confirmation trace needs \"trigger\":\"watch\"");
    }
    if (ok && r.has("stop_reason")) {
        auto s = parse_stop_reason(stop);
        if (!s) {
            ok = r.fail("stop_reason", "unknown stop reason \"" + stop + "\"");
        } else {
            t.stop = *s;
        }
    }
    if (ok && !strict) {
        ok = atlas_identity(r, t.agent, t.id, t.timestamp);
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
    const json* hops = r.get("result");
    if (hops == nullptr) {
        return parse_error{"result", "missing required array field"};
    }
    if (!hops->is_array()) {
        return parse_error{"result", std::string("expected an array, got ") + hops->type_name()};
    }
    if (hops->size() > max_hops) {
        return parse_error{"result", std::to_string(hops->size()) + " hops (at most " +
                                         std::to_string(max_hops) + ")"};
    }
    t.hops.reserve(hops->size());
    for (std::size_t i = 0; i < hops->size(); ++i) {
        const json& hj = (*hops)[i];
        std::string hpath = index("result", i);
        if (!hj.is_object()) {
            return parse_error{hpath, std::string("expected an object, got ") + hj.type_name()};
        }
        field_reader hr(hj, hpath);
        hop h;
        if (!hr.integer("hop", h.ttl, true, 1, 255) || !hr.str("error", h.error, false)) {
            return *hr.error();
        }
        if (!t.hops.empty() && h.ttl <= t.hops.back().ttl) {
            const auto prev = std::to_string(t.hops.back().ttl);
            return parse_error{hr.path("hop"), h.ttl == t.hops.back().ttl
                                                   ? "hop " + prev + " repeated"
                                                   : "hop " + std::to_string(h.ttl) +
                                                         " after hop " + prev +
                                                         " (hops must be in increasing order)"};
        }
        const json* replies = hr.get("result");
        if (replies == nullptr) {
            if (h.error.empty()) {
                return parse_error{hr.path("result"), "missing (and no hop `error`)"};
            }
        } else if (!replies->is_array()) {
            return parse_error{hr.path("result"),
                               std::string("expected an array, got ") + replies->type_name()};
        } else if (replies->size() > max_replies_per_hop) {
            return parse_error{hr.path("result"),
                               std::to_string(replies->size()) + " replies (at most " +
                                   std::to_string(max_replies_per_hop) + " per hop)"};
        } else {
            h.replies.reserve(replies->size());
            for (std::size_t k = 0; k < replies->size(); ++k) {
                hop_reply rep;
                std::optional<parse_error> err;
                if (!parse_reply((*replies)[k], index(hr.path("result"), k), t, rep, err)) {
                    return *err;
                }
                h.replies.push_back(std::move(rep));
            }
        }
        t.hops.push_back(std::move(h));
    }
    return t;
}

parsed<ping> parse_ping(const nlohmann::json& j, const parse_options& opts) {
    if (!j.is_object()) {
        return parse_error{"", std::string("expected a JSON object, got ") + j.type_name()};
    }
    const bool strict = opts.require_tumen_fields;
    field_reader r(j, "");
    ping p;
    double ignored = 0;
    bool ok = check_type_and_af(r, j, "ping", strict) && r.str("id", p.id, strict) &&
              r.str("agent", p.agent, strict) && r.str("campaign", p.campaign, false) &&
              r.str("method", p.method, strict) && r.address("dst_addr", p.dst, true) &&
              (empty_atlas_src(j, strict) || r.address("src_addr", p.src, strict)) &&
              r.integer("timestamp", p.timestamp, true, 0, std::int64_t{1} << 40) &&
              r.integer("sent", p.sent, true, 0, 1u << 20) &&
              r.integer("rcvd", p.received, true, 0, 1u << 20) && r.number("min", ignored, false) &&
              r.number("avg", ignored, false) && r.number("max", ignored, false);
    if (ok && p.received > p.sent) {
        ok = r.fail("rcvd", "more replies received than probes sent");
    }
    if (ok && !strict) {
        ok = atlas_identity(r, p.agent, p.id, p.timestamp);
        if (ok && p.method.empty()) {
            p.method = "icmp";
        }
    }
    if (!ok) {
        return *r.error();
    }
    const json* results = r.get("result");
    if (results == nullptr) {
        return parse_error{"result", "missing required array field"};
    }
    if (!results->is_array()) {
        return parse_error{"result", std::string("expected an array, got ") + results->type_name()};
    }
    for (std::size_t i = 0; i < results->size(); ++i) {
        const json& e = (*results)[i];
        std::string epath = index("result", i);
        if (!e.is_object()) {
            return parse_error{epath, std::string("expected an object, got ") + e.type_name()};
        }
        field_reader er(e, epath);
        if (er.has("rtt")) {
            double rtt = 0;
            if (!er.number("rtt", rtt, true)) {
                return *er.error();
            }
            if (rtt < 0) {
                return parse_error{er.path("rtt"), "negative round-trip time"};
            }
            if (rtt > max_rtt_ms) {
                return parse_error{er.path("rtt"), rtt_too_large};
            }
            p.rtts_ms.emplace_back(rtt);
        } else if (er.has("x") || er.has("error") || !strict) {
            p.rtts_ms.emplace_back(std::nullopt);
        } else {
            return parse_error{epath, "expected {\"rtt\": ms} or {\"x\": \"*\"}"};
        }
    }
    return p;
}

namespace {
std::optional<parse_error> parse_text(std::string_view text, json& out) {
    return json_fields::bounded_parse(text, out);
}
} // namespace

parsed<trace> parse_trace_text(std::string_view text, const parse_options& opts) {
    json j;
    if (auto err = parse_text(text, j)) {
        return *err;
    }
    return parse_trace(j, opts);
}

parsed<ping> parse_ping_text(std::string_view text, const parse_options& opts) {
    json j;
    if (auto err = parse_text(text, j)) {
        return *err;
    }
    return parse_ping(j, opts);
}

} // namespace tumen::result
