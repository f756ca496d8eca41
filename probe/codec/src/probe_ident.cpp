#include <array>

#include <tumen/probe/codec/probe_ident.hpp>

namespace tumen::probe::codec {

keyed_ident derive_ident(const siphash_key& key, const probe_spec& s,
                         std::uint64_t attempt) noexcept {
    std::array<std::uint8_t, 22> m{};
    std::size_t i = 0;
    const auto put = [&](std::uint64_t v, int bytes) {
        for (int b = bytes - 1; b >= 0; --b) {
            m[i++] = static_cast<std::uint8_t>(v >> (8 * b));
        }
    };
    put(static_cast<std::uint8_t>(s.kind), 1);
    put(s.src.value, 4);
    put(s.dst.value, 4);
    put(s.src_port, 2);
    put(s.dst_port, 2);
    put(s.ttl, 1);
    for (int b = 0; b < 8; ++b) {
        m[i++] = static_cast<std::uint8_t>(attempt >> (8 * b));
    }
    const std::uint64_t h = siphash_2_4(key, m);
    return keyed_ident{static_cast<std::uint16_t>(h), static_cast<std::uint16_t>(h >> 16),
                       static_cast<std::uint32_t>(h >> 32)};
}

void apply_ident(probe_spec& spec, const keyed_ident& k) noexcept {
    if (spec.kind != method::udp) {
        spec.ident = k.ident;
    }
    spec.ip_id = k.ip_id;
    spec.tag = k.tag;
}

} // namespace tumen::probe::codec
