#pragma once
/// @file
/// Helpers for the codec tests: annotated hex fixtures and an RFC 1071 reference checksum
/// written independently of the codec (nothing here calls the code under test).
#include <cstdint>
#include <ostream> // doctest prints std::error_code
#include <span>
#include <string>
#include <vector>

namespace tumen::probe::codec::test {

using bytes = std::vector<std::uint8_t>;

/// Loads tests/fixtures/codec/<name>: hex byte pairs, whitespace, `#` comments to end of line.
/// Throws std::runtime_error on a missing file or a stray character.
bytes load_fixture(const std::string& name);

/// Parses annotated hex text (same syntax as the fixture files).
bytes parse_hex(const std::string& text);

/// RFC 1071 reference: 16-bit one's complement sum of `data` (odd byte padded), plus `seed`.
std::uint16_t ref_sum(std::span<const std::uint8_t> data, std::uint32_t seed = 0);

/// Reference checks on a well-formed IPv4 packet: header checksum, and the L4 checksum
/// (UDP/TCP with pseudo-header, ICMP over the message).
bool ref_ip_header_ok(const bytes& pkt);
bool ref_l4_ok(const bytes& pkt);

/// Recomputes the IPv4 header checksum and, for ICMP, the ICMP checksum, after a test
/// patched some bytes (reference implementation, not the codec's).
void fix_checksums(bytes& pkt);

/// Reads a big-endian 16-bit value.
std::uint16_t be16(const bytes& b, std::size_t off);
/// Writes a big-endian 16-bit value.
void put_be16(bytes& b, std::size_t off, std::uint16_t v);

/// Wraps `probe` in an ICMP error (type/code) from `router` to the probe's source, quoting
/// `quote_len` bytes of it with its TTL set to 1 (as the expiring router saw it).
bytes make_icmp_error(const bytes& probe, std::uint8_t type, std::uint8_t code,
                      std::uint32_t router, std::size_t quote_len);

} // namespace tumen::probe::codec::test
