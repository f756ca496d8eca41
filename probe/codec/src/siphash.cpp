#include <tumen/probe/codec/siphash.hpp>

namespace tumen::probe::codec {
namespace {

constexpr std::uint64_t rotl(std::uint64_t x, int b) noexcept {
    return (x << b) | (x >> (64 - b));
}

std::uint64_t load_le64(const std::uint8_t* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | p[i];
    }
    return v;
}

struct sip_state {
    std::uint64_t v0, v1, v2, v3;

    void round() noexcept { // SipRound, section 2 of the paper
        v0 += v1;
        v1 = rotl(v1, 13);
        v1 ^= v0;
        v0 = rotl(v0, 32);
        v2 += v3;
        v3 = rotl(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = rotl(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = rotl(v1, 17);
        v1 ^= v2;
        v2 = rotl(v2, 32);
    }

    void compress(std::uint64_t m) noexcept { // c = 2 rounds per message word
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

} // namespace

std::uint64_t siphash_2_4(const siphash_key& key, std::span<const std::uint8_t> message) noexcept {
    const std::uint64_t k0 = load_le64(key.data());
    const std::uint64_t k1 = load_le64(key.data() + 8);
    sip_state s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
                k1 ^ 0x7465646279746573ULL};
    const std::size_t n = message.size();
    const std::size_t whole = n - n % 8;
    for (std::size_t i = 0; i < whole; i += 8) {
        s.compress(load_le64(message.data() + i));
    }
    // Last word: the remaining bytes, little-endian, with the length (mod 256) on top.
    std::uint64_t last = std::uint64_t{static_cast<std::uint8_t>(n)} << 56;
    for (std::size_t i = whole; i < n; ++i) {
        last |= std::uint64_t{message[i]} << (8 * (i - whole));
    }
    s.compress(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) { // d = 4 finalisation rounds
        s.round();
    }
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

} // namespace tumen::probe::codec
