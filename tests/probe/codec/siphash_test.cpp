// SipHash-2-4: the paper's reference vectors and OpenSSL's EVP_MAC "SIPHASH" (the
// implementation is hand-written for speed, see siphash.hpp; these keep it honest).
#include <array>
#include <cstdint>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <random>
#include <vector>

#include <doctest/doctest.h>

#include <tumen/probe/codec/siphash.hpp>

using namespace tumen::probe::codec;

namespace {

siphash_key reference_key() {
    siphash_key k{};
    for (std::size_t i = 0; i < k.size(); ++i) {
        k[i] = static_cast<std::uint8_t>(i); // 00 01 .. 0f, as in the paper's appendix A
    }
    return k;
}

std::vector<std::uint8_t> counting_message(std::size_t n) {
    std::vector<std::uint8_t> m(n);
    for (std::size_t i = 0; i < n; ++i) {
        m[i] = static_cast<std::uint8_t>(i);
    }
    return m;
}

/// SipHash-2-4 through OpenSSL 3's EVP_MAC interface, 8-byte output, read little-endian.
std::uint64_t openssl_siphash(const siphash_key& key, const std::vector<std::uint8_t>& msg) {
    EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
    REQUIRE(mac != nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    REQUIRE(ctx != nullptr);
    unsigned int size = 8;
    OSSL_PARAM params[] = {OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_SIZE, &size),
                           OSSL_PARAM_construct_end()};
    REQUIRE(EVP_MAC_init(ctx, key.data(), key.size(), params) == 1);
    REQUIRE(EVP_MAC_update(ctx, msg.data(), msg.size()) == 1);
    std::array<unsigned char, 8> out{};
    std::size_t len = 0;
    REQUIRE(EVP_MAC_final(ctx, out.data(), &len, out.size()) == 1);
    REQUIRE(len == 8);
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) {
        v = (v << 8) | out[static_cast<std::size_t>(i)];
    }
    return v;
}

} // namespace

TEST_CASE("SipHash-2-4 reference vectors (paper, appendix A and the reference vectors.h)") {
    const siphash_key k = reference_key();
    // Appendix A: key 00..0f, message 00..0e (15 bytes) -> a129ca6149be45e5.
    CHECK(siphash_2_4(k, counting_message(15)) == 0xa129ca6149be45e5ULL);
    // vectors_sip64[n] of the reference implementation: message 00..(n-1), output bytes
    // little-endian.
    CHECK(siphash_2_4(k, counting_message(0)) == 0x726fdb47dd0e0e31ULL);
    CHECK(siphash_2_4(k, counting_message(1)) == 0x74f839c593dc67fdULL);
    CHECK(siphash_2_4(k, counting_message(2)) == 0x0d6c8009d9a94f5aULL);
    CHECK(siphash_2_4(k, counting_message(3)) == 0x85676696d7fb7e2dULL);
    CHECK(siphash_2_4(k, counting_message(8)) == 0x93f5f5799a932462ULL);
    CHECK(siphash_2_4(k, counting_message(63)) == 0x958a324ceb064572ULL);
}

TEST_CASE("SipHash-2-4 agrees with OpenSSL's EVP_MAC SIPHASH") {
    std::mt19937_64 rng(20261201);
    for (std::size_t n = 0; n <= 70; ++n) {
        CAPTURE(n);
        siphash_key key{};
        for (auto& b : key) {
            b = static_cast<std::uint8_t>(rng());
        }
        std::vector<std::uint8_t> msg(n);
        for (auto& b : msg) {
            b = static_cast<std::uint8_t>(rng());
        }
        CHECK(siphash_2_4(key, msg) == openssl_siphash(key, msg));
    }
    CHECK(siphash_2_4(reference_key(), counting_message(15)) ==
          openssl_siphash(reference_key(), counting_message(15)));
}
