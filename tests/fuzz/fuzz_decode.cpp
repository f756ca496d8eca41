// libFuzzer harness for the probe codec: every input is decoded as a captured reply and
// matched against every method; the same bytes also drive the builders and the offline
// capture decoder (`tumen-probe decode`: every link type, libtins on the outer layers). Any
// crash, sanitizer report or broken invariant (abort) is a finding.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include <tumen/probe/capture/capture_decode.hpp>
#include <tumen/probe/codec/matcher.hpp>
#include <tumen/probe/codec/probe_builder.hpp>
#include <tumen/probe/codec/reply.hpp>

using namespace tumen;
using namespace tumen::probe::codec;

namespace {

void require(bool ok) {
    if (!ok) {
        std::abort();
    }
}

constexpr method methods[] = {method::udp_paris, method::icmp_paris, method::tcp_syn, method::udp};

void fuzz_decoder(std::span<const std::uint8_t> in) {
    const decode_result d = decode_reply(in, std::chrono::nanoseconds{42});
    (void)flow_of(in);
    if (!d) {
        require(!d.value.has_value());
        return;
    }
    const reply& r = *d.value;
    require(r.size <= in.size());
    require(r.timestamp == std::chrono::nanoseconds{42});
    require(r.mpls.size() * 4 <= in.size());
    require(r.mpls.empty() || r.has_extensions);
    for (method m : methods) {
        const auto k = key_of(r, m, default_udp_dst_port);
        probe_spec s;
        s.kind = m;
        s.src = r.to;
        s.dst = k ? k->dst : r.from;
        s.src_port = k ? k->src_port : 0;
        s.dst_port = k ? k->dst_port : 0;
        s.ident = k ? k->ident : 0;
        if (r.quote) {
            s.ip_id = r.quote->ip_id;
            s.tag = r.quote->payload_tag.value_or(0);
        } else if (r.echo_tag) {
            s.tag = *r.echo_tag;
        }
        if (m == method::udp && k) {
            s.dst_port = default_udp_dst_port;
        }
        (void)check(s, r);
    }
}

void fuzz_builder(std::span<const std::uint8_t> in) {
    if (in.size() < 18) {
        return;
    }
    auto u16 = [&](std::size_t off) {
        return static_cast<std::uint16_t>((in[off] << 8) | in[off + 1]);
    };
    probe_spec s;
    s.kind = methods[in[0] % 4];
    s.src = ipv4_addr{static_cast<std::uint32_t>(u16(1) << 16 | u16(3))};
    s.dst = ipv4_addr{static_cast<std::uint32_t>(u16(5) << 16 | u16(7))};
    s.src_port = u16(9);
    s.dst_port = u16(11);
    s.ttl = in[13];
    s.ident = u16(14);
    s.ip_id = u16(16);
    s.length = static_cast<std::uint16_t>(in.size() > 18 ? in[18] * 6 : 0); // up to 1530
    if (in.size() >= 23) {
        s.tag = static_cast<std::uint32_t>(u16(19)) << 16 | u16(21); // keyed bits (flow unchanged)
    }
    std::vector<std::uint8_t> out;
    if (build_probe(s, out)) {
        require(out.empty());
        return;
    }
    const auto f = flow_of(out);
    require(f.has_value() && *f == flow_of(s));
    // A built probe is never a reply.
    require(!decode_reply(out, std::chrono::nanoseconds{0}));
}

/// The input as a frame of each link type, fed twice (so the second copy can match a probe
/// the first one was): a report is a well-formed reply or an error naming its frame.
void fuzz_capture(std::span<const std::uint8_t> in) {
    namespace lt = tumen::probe::capture::link_type;
    for (const int dlt : {lt::ethernet, lt::linux_sll, lt::linux_sll2, lt::raw, lt::ipv6}) {
        tumen::probe::capture::capture_decoder d(dlt);
        for (std::uint64_t frame = 1; frame <= 2; ++frame) {
            const auto e = d.feed(in, std::chrono::nanoseconds{1000});
            require(d.frames() == frame);
            if (!e) {
                continue;
            }
            if (const auto* err = std::get_if<tumen::probe::capture::capture_error>(&*e)) {
                require(err->frame == frame && !err->what.empty());
                continue;
            }
            const auto& r = std::get<tumen::probe::capture::capture_reply>(*e);
            require(r.frame == frame && (r.family == 4 || r.family == 6) && !r.src.empty());
            require(r.mpls.size() * 4 <= in.size());
            require(!r.quoted || !r.echo_id);
            require(!r.rtt_ms || (*r.rtt_ms >= 0 && r.probe_ttl.has_value()));
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> in{data, size};
    fuzz_decoder(in);
    fuzz_builder(in);
    fuzz_capture(in);
    return 0;
}
