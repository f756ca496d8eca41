#pragma once
/// @file
/// Longest-prefix match over IPv4 prefixes, flattened into disjoint address ranges (each
/// holding the most specific prefix's value) plus a 65,536-entry index on the top 16 bits, so
/// a lookup is one index read and a short binary search.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <tumen/common/ipv4.hpp>

namespace tumen::controller::asmap {

/// One prefix and its value, as given to range_table::build.
struct range_entry {
    ipv4_prefix prefix;
    std::uint32_t value = 0; ///< 1..range_table::max_value; 0 means "no value"
};

/// What a lookup found.
struct range_match {
    std::uint32_t value = 0; ///< value of the most specific prefix; 0 when none covers
    std::uint8_t length = 0; ///< length of that prefix (0 when none)
};

/// Immutable longest-prefix-match table.
class range_table {
public:
    /// Values are packed with the prefix length in 32 bits.
    static constexpr unsigned value_bits = 26;
    /// Largest value a range can hold.
    static constexpr std::uint32_t max_value = (1u << value_bits) - 1;

    /// An empty table: every lookup finds nothing.
    range_table() = default;
    /// Flattens `entries`. For equal prefixes the later entry wins.
    static range_table build(std::vector<range_entry> entries);

    /// Most specific prefix covering `addr`. Never fails.
    range_match find(ipv4_addr addr) const noexcept;
    /// Number of disjoint ranges.
    std::size_t size() const noexcept { return starts_.size(); }
    /// Heap memory held, in bytes.
    std::size_t memory_bytes() const noexcept;

private:
    std::vector<std::uint32_t> starts_; // sorted range starts
    std::vector<std::uint32_t> packed_; // value (0 = none) | matched prefix length << value_bits
    std::vector<std::uint32_t> index_;  // 65537 entries: first range per /16 block
};

} // namespace tumen::controller::asmap
