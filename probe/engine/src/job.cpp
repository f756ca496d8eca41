#include "job.hpp"

#include <ctime>

#include "realtime.hpp"

namespace tumen::probe::engine {

namespace {

const char* proto_name(codec::method m) {
    switch (codec::ip_protocol(m)) {
    case 1:
        return "ICMP";
    case 6:
        return "TCP";
    default:
        return "UDP";
    }
}

std::string make_id(const job_context& c, ipv4_addr dst) {
    return (c.options.agent.empty() ? std::string("tumen") : c.options.agent) + "-" +
           dst.to_string() + "-" + std::to_string(realtime_ns()) + "-" + std::to_string(c.serial);
}

/// Fills what traces and pings have in common.
void set_flow(job& j, const job_context& c, codec::method m, ipv4_addr dst, std::uint16_t flow,
              std::uint16_t dst_port, std::chrono::milliseconds wait) {
    j.group = c.group;
    j.method = m;
    j.dst = dst;
    j.src_port = static_cast<std::uint16_t>(c.options.src_port_base + flow);
    j.dst_port = dst_port != 0 ? dst_port : codec::default_dst_port(m);
    j.wait = wait;
}

} // namespace

job make_job(std::uint64_t id, trace_submission& s, const job_context& c) {
    trace_request& r = s.request;
    if (r.id.empty()) {
        r.id = make_id(c, r.dst);
    }
    job j(id, trace_job{trace_machine(r), std::move(s.done)});
    set_flow(j, c, r.method, r.dst, r.flow, r.dst_port, r.wait);
    j.by_ttl = r.hops_in_flight > 1;
    auto& res = j.trace()->header();
    res.agent = c.options.agent;
    res.src = c.src;
    res.proto = proto_name(r.method);
    res.timestamp = std::time(nullptr);
    return j;
}

job make_job(std::uint64_t id, ping_submission& s, const job_context& c) {
    const ping_request& r = s.request;
    ping_machine m(r, c.now);
    auto& res = m.result();
    res.id = r.id.empty() ? make_id(c, r.dst) : r.id;
    res.agent = c.options.agent;
    res.src = c.src;
    res.timestamp = std::time(nullptr);
    job j(id, ping_job{std::move(m), std::move(s.done)});
    set_flow(j, c, probe_method(r.method), r.dst, r.flow, r.dst_port, r.wait);
    return j;
}

codec::method probe_method(ping_method m) noexcept {
    switch (m) {
    case ping_method::icmp:
        return codec::method::icmp_paris;
    case ping_method::tcp_syn:
        return codec::method::tcp_syn;
    case ping_method::udp:
        return codec::method::udp_paris;
    }
    return codec::method::icmp_paris;
}

} // namespace tumen::probe::engine
