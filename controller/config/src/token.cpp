#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdexcept>

#include <tumen/controller/config/token.hpp>

namespace tumen::controller::config {
namespace {

constexpr std::string_view prefix = "sha256$";
constexpr char hex_digits[] = "0123456789abcdef";

std::string to_hex(const unsigned char* p, std::size_t n) {
    std::string out;
    out.reserve(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(hex_digits[p[i] >> 4]);
        out.push_back(hex_digits[p[i] & 0xf]);
    }
    return out;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

template <std::size_t N>
bool from_hex(std::string_view text, std::array<unsigned char, N>& out) noexcept {
    if (text.size() != N * 2) {
        return false;
    }
    for (std::size_t i = 0; i < N; ++i) {
        int hi = hex_value(text[2 * i]);
        int lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            return false;
        }
        out[i] = static_cast<unsigned char>((hi << 4) | lo);
    }
    return true;
}

bool salted_sha256(const std::array<unsigned char, 16>& salt, std::string_view token,
                   std::array<unsigned char, 32>& out) noexcept {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) {
        return false;
    }
    unsigned int len = 0;
    bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
              EVP_DigestUpdate(ctx, salt.data(), salt.size()) == 1 &&
              EVP_DigestUpdate(ctx, token.data(), token.size()) == 1 &&
              EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == out.size();
    EVP_MD_CTX_free(ctx);
    return ok;
}

} // namespace

std::optional<token_hash> token_hash::parse(std::string_view text) noexcept {
    if (text.substr(0, prefix.size()) != prefix) {
        return std::nullopt;
    }
    text.remove_prefix(prefix.size());
    auto dollar = text.find('$');
    if (dollar == std::string_view::npos) {
        return std::nullopt;
    }
    token_hash h;
    if (!from_hex(text.substr(0, dollar), h.salt) || !from_hex(text.substr(dollar + 1), h.digest)) {
        return std::nullopt;
    }
    return h;
}

std::string token_hash::to_string() const {
    return std::string(prefix) + to_hex(salt.data(), salt.size()) + "$" +
           to_hex(digest.data(), digest.size());
}

bool token_hash::matches(std::string_view token) const noexcept {
    std::array<unsigned char, 32> d{};
    if (!salted_sha256(salt, token, d)) {
        return false;
    }
    return CRYPTO_memcmp(d.data(), digest.data(), d.size()) == 0;
}

token_hash hash_token(std::string_view token, const std::array<unsigned char, 16>& salt) {
    token_hash h;
    h.salt = salt;
    if (!salted_sha256(salt, token, h.digest)) {
        throw std::runtime_error("SHA-256 failed (OpenSSL)");
    }
    return h;
}

token_hash hash_token(std::string_view token) {
    std::array<unsigned char, 16> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    }
    return hash_token(token, salt);
}

std::string generate_token() {
    std::array<unsigned char, 32> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("OpenSSL RAND_bytes failed");
    }
    return to_hex(bytes.data(), bytes.size());
}

} // namespace tumen::controller::config
