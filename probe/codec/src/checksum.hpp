#pragma once
/// @file
/// RFC 1071 Internet checksum (one's complement sum of 16-bit big-endian words).
#include <cstddef>
#include <cstdint>
#include <span>

namespace tumen::probe::codec::detail {

/// Adds `bytes` to a running one's complement sum as big-endian 16-bit words. An odd
/// trailing byte is padded with a zero byte (RFC 1071 section 4.1), so only the last chunk
/// of a summed region may have an odd length.
constexpr std::uint64_t sum_words(std::span<const std::uint8_t> bytes,
                                  std::uint64_t acc = 0) noexcept {
    std::size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2) {
        acc += (std::uint64_t{bytes[i]} << 8) | bytes[i + 1];
    }
    if (i < bytes.size()) {
        acc += std::uint64_t{bytes[i]} << 8;
    }
    return acc;
}

/// Folds the carries back in (end-around carry): the 16-bit one's complement sum.
constexpr std::uint16_t fold(std::uint64_t acc) noexcept {
    while (acc >> 16) {
        acc = (acc & 0xffffu) + (acc >> 16);
    }
    return static_cast<std::uint16_t>(acc);
}

/// The checksum field value for data whose one's complement sum is `acc`.
constexpr std::uint16_t finish(std::uint64_t acc) noexcept {
    return static_cast<std::uint16_t>(~fold(acc));
}

/// True when a region that includes its own checksum field sums to all ones.
constexpr bool verifies(std::span<const std::uint8_t> bytes) noexcept {
    return fold(sum_words(bytes)) == 0xffffu;
}

} // namespace tumen::probe::codec::detail
