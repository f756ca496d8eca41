// The Atlas `err` field of a traceroute reply: its one writer (err_of_unreachable) and its
// reader (code_of_err). The rules and their source are in atlas_err.hpp.
#include <span>

#include <tumen/common/atlas_err.hpp>

namespace tumen::result {
namespace {

struct err_letter {
    char letter;
    std::uint8_t code;
};

// The letters RIPE Atlas writes (eperd/traceroute.c): RFC 792 net 0, host 1, protocol 2,
// port 3; RFC 1812 communication administratively prohibited 13.
constexpr err_letter atlas_letters[] = {{'N', 0}, {'H', 1}, {'P', 2}, {'p', 3}, {'A', 13}};

// Letters tumen wrote before it followed Atlas (traceroute(8) style), still read from stored
// results: fragmentation needed 4, source route failed 5, filtered 13, host precedence
// violation 14, precedence cutoff 15.
constexpr err_letter old_letters[] = {{'F', 4}, {'S', 5}, {'X', 13}, {'V', 14}, {'C', 15}};

std::optional<std::uint8_t> code_of_letter(std::span<const err_letter> table, char c) noexcept {
    for (auto e : table) {
        if (e.letter == c) {
            return e.code;
        }
    }
    return std::nullopt;
}

} // namespace

std::string err_of_unreachable(std::uint8_t code, bool end_of_trace) {
    if (code == 3 && end_of_trace) {
        return {};
    }
    for (auto e : atlas_letters) {
        if (e.code == code) {
            return std::string(1, e.letter);
        }
    }
    return std::to_string(code);
}

bool err_is_numeric(std::string_view err) noexcept {
    if (err.empty() || err.size() > 3) {
        return false;
    }
    unsigned v = 0;
    for (char c : err) {
        if (c < '0' || c > '9') {
            return false;
        }
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    return v <= 255;
}

std::optional<std::uint8_t> code_of_err(std::string_view err) noexcept {
    if (err.size() == 1) {
        if (auto c = code_of_letter(atlas_letters, err[0])) {
            return c;
        }
        if (auto c = code_of_letter(old_letters, err[0])) {
            return c;
        }
    }
    if (!err_is_numeric(err)) {
        return std::nullopt;
    }
    unsigned v = 0;
    for (char c : err) {
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    return static_cast<std::uint8_t>(v);
}

} // namespace tumen::result
