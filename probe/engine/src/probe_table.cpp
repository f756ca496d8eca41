#include <algorithm>

#include <tumen/probe/engine/probe_table.hpp>

namespace tumen::probe::engine {

codec::probe_key probe_table::assign_identity(codec::probe_spec& spec, std::uint16_t& udp_counter) {
    methods_in_use_ |= 1u << static_cast<unsigned>(spec.kind);
    codec::probe_key key;
    for (int tries = 0; tries < 64; ++tries) {
        if (spec.kind == codec::method::udp) {
            // Classic traceroute: destination port = base + identity (kept in port range).
            const unsigned room = std::max(1u, 65535u - spec.dst_port);
            spec.ident = static_cast<std::uint16_t>(1 + (udp_counter++ % room));
        } else {
            // Skip 0 and 0xffff: a udp-paris checksum of ident + 1 must not be 0 (RFC 768).
            if (next_ident_ == 0 || next_ident_ == 0xffff) {
                next_ident_ = 1;
            }
            spec.ident = next_ident_++;
        }
        key = codec::key_of_probe(spec);
        if (!table_.contains(key)) {
            break;
        }
    }
    spec.ip_id = next_ip_id_++;
    if (next_ip_id_ == 0) {
        next_ip_id_ = 1;
    }
    return key;
}

} // namespace tumen::probe::engine
