#include "job.hpp"

#include <algorithm>
#include <ctime>
#include <limits>

#include "realtime.hpp"

namespace tumen::probe::engine {

namespace {

/// A result id for a request without one: "AGENT-DST-NS-SERIAL".
std::string make_id(const std::string& agent, ipv4_addr dst, std::int64_t ns,
                    std::uint64_t serial) {
    return (agent.empty() ? std::string("tumen") : agent) + "-" + dst.to_string() + "-" +
           std::to_string(ns) + "-" + std::to_string(serial);
}

/// Fills what traces and pings have in common.
void set_flow(job& j, const job_context& c, codec::method m, std::uint16_t flow,
              std::uint16_t dst_port, std::chrono::milliseconds wait) {
    j.group = c.group;
    j.method = m;
    j.src_port = static_cast<std::uint16_t>(c.options.src_port_base + flow);
    j.dst_port = dst_port != 0 ? dst_port : codec::default_dst_port(m);
    // At most 2^32 - 1 ms (49 days); a negative wait times out at once, as before.
    j.wait = job::wait_type(static_cast<std::uint32_t>(
        std::clamp<std::int64_t>(wait.count(), 0, std::numeric_limits<std::uint32_t>::max())));
}

} // namespace

job make_job(std::uint64_t id, trace_submission& s, const job_context& c) {
    const trace_request& r = s.request;
    trace_job t{trace_machine(r), std::move(s.done)};
    if (r.id.empty()) {
        t.made_up_ns = realtime_ns();
    }
    t.machine.set_start(c.src, std::time(nullptr));
    job j(id, std::move(t));
    set_flow(j, c, r.method, r.flow, r.dst_port, r.wait);
    j.by_ttl = r.hops_in_flight > 1;
    return j;
}

job make_job(std::uint64_t id, ping_submission& s, const job_context& c) {
    const ping_request& r = s.request;
    ping_machine m(r, c.now);
    auto& res = m.result();
    res.id =
        r.id.empty() ? make_id(c.options.agent, r.dst, realtime_ns(), made_up_serial(id)) : r.id;
    res.agent = c.options.agent;
    res.src = c.src;
    res.timestamp = std::time(nullptr);
    job j(id, std::make_unique<ping_job>(ping_job{std::move(m), std::move(s.done)}));
    set_flow(j, c, probe_method(r.method), r.flow, r.dst_port, r.wait);
    return j;
}

void job::add_probe(probe_handle h, probe_table& table) {
    if (probes.size() == probes.capacity()) {
        auto* kept = std::remove_if(probes.begin(), probes.end(),
                                    [&](std::uint32_t slot) { return !table.owned_by(slot, id); });
        std::sort(probes.begin(), kept);
        probes.truncate(
            static_cast<std::size_t>(std::unique(probes.begin(), kept) - probes.begin()));
    }
    probes.push_back(h.slot);
}

result::trace take_result(trace_job& t, std::uint64_t id, const std::string& agent) {
    result::trace res = t.machine.take_result();
    res.agent = agent;
    if (res.id.empty()) {
        res.id = make_id(agent, res.dst, t.made_up_ns, made_up_serial(id));
    }
    return res;
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
