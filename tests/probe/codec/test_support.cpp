#include "test_support.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tumen::probe::codec::test {

bytes parse_hex(const std::string& text) {
    bytes out;
    int hi = -1;
    bool comment = false;
    for (char c : text) {
        if (comment) {
            comment = c != '\n';
            continue;
        }
        if (c == '#') {
            comment = true;
            continue;
        }
        if (std::isspace(static_cast<unsigned char>(c))) {
            continue;
        }
        if (!std::isxdigit(static_cast<unsigned char>(c))) {
            throw std::runtime_error(std::string("fixture: unexpected character '") + c + "'");
        }
        const int v = std::isdigit(static_cast<unsigned char>(c))
                          ? c - '0'
                          : std::tolower(static_cast<unsigned char>(c)) - 'a' + 10;
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(hi * 16 + v));
            hi = -1;
        }
    }
    if (hi >= 0) {
        throw std::runtime_error("fixture: odd number of hex digits");
    }
    return out;
}

bytes load_fixture(const std::string& name) {
    const std::string path = std::string(TUMEN_SOURCE_DIR) + "/tests/fixtures/codec/" + name;
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("fixture: cannot open " + path);
    }
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_hex(ss.str());
}

std::uint16_t ref_sum(std::span<const std::uint8_t> data, std::uint32_t seed) {
    // Byte-wise RFC 1071: even offsets are high bytes, odd offsets low bytes; fold each step.
    std::uint32_t sum = seed;
    for (std::size_t i = 0; i < data.size(); ++i) {
        sum += (i % 2 == 0) ? std::uint32_t{data[i]} << 8 : data[i];
        sum = (sum & 0xffffu) + (sum >> 16);
    }
    sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

std::uint16_t be16(const bytes& b, std::size_t off) {
    return static_cast<std::uint16_t>((b.at(off) << 8) | b.at(off + 1));
}

void put_be16(bytes& b, std::size_t off, std::uint16_t v) {
    b.at(off) = static_cast<std::uint8_t>(v >> 8);
    b.at(off + 1) = static_cast<std::uint8_t>(v & 0xff);
}

namespace {
std::size_t ihl_of(const bytes& p) {
    return std::size_t{p.at(0) & 0x0fu} * 4;
}

std::uint32_t pseudo(const bytes& p, std::uint8_t proto, std::size_t l4len) {
    std::uint32_t s = 0;
    for (std::size_t i = 12; i < 20; i += 2) {
        s += be16(p, i);
    }
    return s + proto + static_cast<std::uint32_t>(l4len);
}
} // namespace

bool ref_ip_header_ok(const bytes& pkt) {
    const std::size_t ihl = ihl_of(pkt);
    return ref_sum(std::span(pkt).first(ihl)) == 0xffff;
}

bool ref_l4_ok(const bytes& pkt) {
    const std::size_t ihl = ihl_of(pkt);
    const std::size_t total = be16(pkt, 2);
    const auto l4 = std::span(pkt).subspan(ihl, total - ihl);
    switch (pkt.at(9)) {
    case 1:
        return ref_sum(l4) == 0xffff;
    case 6:
    case 17:
        return ref_sum(l4, pseudo(pkt, pkt[9], l4.size())) == 0xffff;
    default:
        return false;
    }
}

void fix_checksums(bytes& pkt) {
    const std::size_t ihl = ihl_of(pkt);
    put_be16(pkt, 10, 0);
    put_be16(pkt, 10, static_cast<std::uint16_t>(~ref_sum(std::span(pkt).first(ihl))));
    if (pkt.at(9) == 1) {
        // Tests patch lying total lengths: never sum past the buffer.
        const std::size_t total = std::min<std::size_t>(be16(pkt, 2), pkt.size());
        put_be16(pkt, ihl + 2, 0);
        put_be16(pkt, ihl + 2,
                 static_cast<std::uint16_t>(~ref_sum(std::span(pkt).subspan(ihl, total - ihl))));
    }
}

bytes make_icmp_error(const bytes& probe, std::uint8_t type, std::uint8_t code,
                      std::uint32_t router, std::size_t quote_len) {
    bytes quote(probe.begin(), probe.begin() + static_cast<std::ptrdiff_t>(quote_len));
    quote.at(8) = 1; // TTL as the router saw it
    put_be16(quote, 10, 0);
    put_be16(quote, 10, static_cast<std::uint16_t>(~ref_sum(std::span(quote).first(20))));
    bytes p(28, 0);
    p[0] = 0x45;
    put_be16(p, 2, static_cast<std::uint16_t>(28 + quote.size()));
    p[8] = 250;
    p[9] = 1;
    put_be16(p, 12, static_cast<std::uint16_t>(router >> 16));
    put_be16(p, 14, static_cast<std::uint16_t>(router & 0xffff));
    for (int i = 0; i < 4; ++i) {
        p[16 + i] = probe.at(12 + i); // to the probe's source
    }
    p[20] = type;
    p[21] = code;
    p.insert(p.end(), quote.begin(), quote.end());
    fix_checksums(p);
    return p;
}

} // namespace tumen::probe::codec::test
