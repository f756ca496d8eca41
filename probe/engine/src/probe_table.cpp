#include <algorithm>

#include <tumen/probe/codec/probe_builder.hpp>
#include <tumen/probe/codec/probe_ident.hpp>
#include <tumen/probe/engine/probe_table.hpp>

namespace tumen::probe::engine {

codec::probe_key probe_table::assign_identity(codec::probe_spec& spec, std::uint16_t& udp_counter) {
    methods_in_use_ |= 1u << static_cast<unsigned>(spec.kind);
    codec::probe_key key;
    for (int tries = 0; tries < 64; ++tries) {
        codec::apply_ident(spec, codec::derive_ident(key_, spec, attempt_++));
        if (spec.kind == codec::method::udp) {
            // Classic traceroute: destination port = base + identity (kept in port range).
            const unsigned room = std::max(1u, 65535u - spec.dst_port);
            spec.ident = static_cast<std::uint16_t>(1 + (udp_counter++ % room));
        } else if (spec.kind == codec::method::udp_paris &&
                   spec.ident > codec::max_udp_paris_ident) {
            spec.ident = codec::max_udp_paris_ident; // a checksum of ident + 1 must not be 0
        }
        key = codec::key_of_probe(spec);
        if (!table_.contains(key)) {
            break;
        }
    }
    return key;
}

} // namespace tumen::probe::engine
