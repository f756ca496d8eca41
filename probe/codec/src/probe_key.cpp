#include <tumen/probe/codec/probe_builder.hpp>
#include <tumen/probe/codec/probe_key.hpp>

namespace tumen::probe::codec {

probe_key key_of_probe(const probe_spec& s) noexcept {
    // The destination port on the wire, as the builder makes it (classic udp: base + ident).
    const std::uint16_t wire_port = s.kind == method::icmp_paris ? 0 : flow_of(s).dst_port;
    return normalise_key(s.kind, s.dst, s.src_port, wire_port, s.ident);
}

} // namespace tumen::probe::codec
