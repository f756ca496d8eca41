#include <charconv>

#include <tumen/common/ipv4.hpp>

namespace tumen {

std::optional<ipv4_addr> ipv4_addr::parse(std::string_view text) noexcept {
    std::uint32_t value = 0;
    const char* p = text.data();
    const char* end = text.data() + text.size();
    for (int octet = 0; octet < 4; ++octet) {
        if (octet > 0) {
            if (p == end || *p != '.') {
                return std::nullopt;
            }
            ++p;
        }
        if (p == end || *p < '0' || *p > '9') {
            return std::nullopt;
        }
        if (*p == '0' && p + 1 != end && p[1] >= '0' && p[1] <= '9') {
            return std::nullopt; // leading zero
        }
        // At most 3 digits, by hand: std::from_chars' general loop was 5% of `classify` on
        // RIPE Atlas files (perf, bench/classify/run_atlas.sh), which parse every reply's
        // address. The same texts are accepted (ipv4_test).
        unsigned v = 0;
        int digits = 0;
        for (; p != end && *p >= '0' && *p <= '9'; ++p) {
            if (++digits > 3) {
                return std::nullopt;
            }
            v = v * 10 + static_cast<unsigned>(*p - '0');
        }
        if (v > 255) {
            return std::nullopt;
        }
        value = (value << 8) | v;
    }
    if (p != end) {
        return std::nullopt;
    }
    return ipv4_addr{value};
}

std::string ipv4_addr::to_string() const {
    std::string out;
    out.reserve(15);
    for (int shift = 24; shift >= 0; shift -= 8) {
        out += std::to_string((value >> shift) & 0xffu);
        if (shift != 0) {
            out += '.';
        }
    }
    return out;
}

std::optional<ipv4_prefix> ipv4_prefix::parse(std::string_view text, bool strict) noexcept {
    auto slash = text.find('/');
    auto addr = ipv4_addr::parse(text.substr(0, slash));
    if (!addr) {
        return std::nullopt;
    }
    unsigned len = 32;
    if (slash != std::string_view::npos) {
        auto rest = text.substr(slash + 1);
        auto [next, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), len);
        if (rest.empty() || ec != std::errc{} || next != rest.data() + rest.size() || len > 32) {
            return std::nullopt;
        }
    }
    ipv4_prefix p{*addr, static_cast<std::uint8_t>(len)};
    if (strict && p.network != *addr) {
        return std::nullopt;
    }
    return p;
}

std::string ipv4_prefix::to_string() const {
    return network.to_string() + "/" + std::to_string(length);
}

} // namespace tumen
