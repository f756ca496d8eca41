#pragma once
/// @file
/// SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input PRF", 2012): the keyed
/// function behind probe identities (probe_ident.hpp).
///
/// Written here rather than taken from OpenSSL: OpenSSL 3.0 offers SipHash only through
/// EVP_MAC, which fetches the algorithm, allocates a context and parses an OSSL_PARAM array
/// for every MAC; one per probe at hundreds of thousands of probes a second would cost more
/// than building the probe. This version is a few dozen lines, allocates nothing and is
/// checked against the paper's reference vectors and against OpenSSL's EVP_MAC "SIPHASH"
/// (tests/probe/codec/siphash_test.cpp).
#include <array>
#include <cstdint>
#include <span>

namespace tumen::probe::codec {

/// A 128-bit SipHash key, as the 16 bytes k0..k15 of the paper (k0 = bytes 0..7 read
/// little-endian).
using siphash_key = std::array<std::uint8_t, 16>;

/// SipHash-2-4 of `message` under `key`: the 64-bit output, i.e. the 8 output bytes of the
/// reference implementation read little-endian.
std::uint64_t siphash_2_4(const siphash_key& key, std::span<const std::uint8_t> message) noexcept;

} // namespace tumen::probe::codec
