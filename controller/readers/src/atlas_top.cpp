#include "atlas_top.hpp"

#include <array>
#include <string>

#include <tumen/common/atlas_err.hpp>

#include "ondemand_values.hpp"

namespace tumen::controller::readers::detail {
namespace {

constexpr std::array<std::string_view, static_cast<std::size_t>(atlas_key::other)> names{
    "type",     "af",        "dst_addr", "src_addr", "dst_name", "proto",
    "paris_id", "timestamp", "endtime",  "prb_id",   "msm_id",   "result"};

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

} // namespace

atlas_key atlas_key_of(std::string_view key) noexcept {
    using ondemand::is;
    for (std::size_t i = 0; i < names.size(); ++i) {
        // Sizes first, then a plain loop: a call to memcmp per name cost more than the compare.
        if (names[i].size() == key.size() && [&] {
                for (std::size_t k = 0; k < key.size(); ++k) {
                    if (names[i][k] != key[k]) {
                        return false;
                    }
                }
                return true;
            }()) {
            return static_cast<atlas_key>(i);
        }
    }
    const bool tumen_or_mlab = is(key, "id") || is(key, "agent") || is(key, "campaign") ||
                               is(key, "method") || is(key, "stop_reason") || is(key, "trigger") ||
                               is(key, "confirmation") || is(key, "Metadata") || is(key, "Trace") ||
                               is(key, "UUID");
    return tumen_or_mlab ? atlas_key::declined : atlas_key::other;
}

atlas_line atlas_top::finish(result::trace& out) {
    if (!seen(atlas_key::type) || !seen(atlas_key::hops)) {
        return atlas_line::declined;
    }
    if (family == 6) {
        return atlas_line::ipv6;
    }
    // An empty result may be a probe-side failure: the tape path.
    if (!seen(atlas_key::dst_addr) || !seen(atlas_key::proto) || !seen(atlas_key::timestamp) ||
        t.hops.empty()) {
        return atlas_line::declined;
    }
    for (const auto& [hop, reply] : pending) {
        infer_icmp_type(t, t.hops[hop].replies[reply]);
    }
    if (!seen(atlas_key::endtime)) {
        t.endtime = t.timestamp;
    }
    if (seen(atlas_key::prb_id)) {
        t.agent = std::to_string(probe);
    }
    t.id = "atlas-" + (seen(atlas_key::msm_id) ? std::to_string(measurement) : std::string("x")) +
           "-" + (t.agent.empty() ? std::string("x") : t.agent) + "-" + std::to_string(t.timestamp);
    t.method = t.proto == "UDP"    ? "udp-paris"
               : t.proto == "ICMP" ? "icmp-paris"
               : t.proto == "TCP"  ? "tcp-syn"
                                   : "";
    out = std::move(t);
    return atlas_line::trace;
}

} // namespace tumen::controller::readers::detail
