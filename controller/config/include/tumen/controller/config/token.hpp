#pragma once
/// @file
/// Agent bearer tokens. The controller never stores a token, only a salted SHA-256 hash in
/// the form `sha256$<salt: 32 hex>$<digest: 64 hex>`, digest = SHA-256(salt || token).
/// Tokens are 256-bit random values (generate_token), so a fast salted hash is enough: there
/// is nothing to brute-force, and the salt stops equal tokens from having equal hashes.
/// Comparison is constant-time (OpenSSL CRYPTO_memcmp).
#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace tumen::controller::config {

/// A parsed token hash.
struct token_hash {
    std::array<unsigned char, 16> salt{};
    std::array<unsigned char, 32> digest{};

    /// Parses `sha256$<salt>$<digest>`; nullopt on anything else.
    static std::optional<token_hash> parse(std::string_view text) noexcept;
    /// The text form.
    std::string to_string() const;
    /// Constant-time check of `token` against this hash.
    bool matches(std::string_view token) const noexcept;
};

/// Hashes `token` with a fresh random salt (OpenSSL RAND_bytes); throws std::runtime_error if
/// the random generator fails.
token_hash hash_token(std::string_view token);
/// Hashes with a given salt (tests).
token_hash hash_token(std::string_view token, const std::array<unsigned char, 16>& salt);
/// A new random token: 32 random bytes as 64 hex digits.
std::string generate_token();

} // namespace tumen::controller::config
