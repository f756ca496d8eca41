#include <algorithm>
#include <charconv>
#include <set>

#include <tumen/common/yaml_reader.hpp>

namespace tumen::yaml {
namespace {

std::string where(const std::string& source, int line, int column) {
    if (line <= 0) {
        return source;
    }
    return source + ":" + std::to_string(line) + ":" + std::to_string(column);
}

/// A unit suffix and what one of it is worth.
struct unit {
    std::string_view name;
    std::uint64_t factor;
};

/// Milliseconds per duration unit (no suffix: seconds).
constexpr unit duration_units[] = {{"", 1000},    {"s", 1000},      {"ms", 1},
                                   {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
/// Bytes per size unit (no suffix: bytes).
constexpr unit size_units[] = {
    {"", 1},      {"B", 1},         {"KiB", 1ull << 10}, {"MiB", 1ull << 20}, {"GiB", 1ull << 30},
    {"kB", 1000}, {"MB", 1000'000}, {"GB", 1000'000'000}};

/// "<unsigned integer><unit>" with a unit of `units`, times the unit's factor; nullopt if
/// malformed, the unit is unknown or the result exceeds `max`.
template <std::size_t N>
std::optional<std::uint64_t> scaled(std::string_view text, const unit (&units)[N],
                                    std::uint64_t max) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || p == text.data()) {
        return std::nullopt;
    }
    const std::string_view suffix(p, static_cast<std::size_t>(text.data() + text.size() - p));
    const auto u = std::find_if(std::begin(units), std::end(units),
                                [&](const unit& x) { return x.name == suffix; });
    if (u == std::end(units) || v > max / u->factor) {
        return std::nullopt;
    }
    return v * u->factor;
}

/// The suffix after the leading digits of `text`, if it starts with one.
std::optional<std::string_view> suffix_of(std::string_view text) {
    const auto first = text.find_first_not_of("0123456789");
    if (first == 0 || text.empty()) {
        return std::nullopt;
    }
    return first == std::string_view::npos ? std::string_view() : text.substr(first);
}

} // namespace

yaml_error::yaml_error(std::string source, int line, int column, std::string message)
    : std::runtime_error(where(source, line, column) + ": " + message)
    , source_(std::move(source))
    , line_(line)
    , column_(column)
    , message_(std::move(message)) {}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    constexpr std::uint64_t max_ms = 100ull * 365 * 86'400'000;
    auto ms = scaled(text, duration_units, max_ms);
    if (!ms) {
        return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(*ms));
}

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
    return scaled(text, size_units, UINT64_MAX);
}

YAML::Node load(std::string_view text, const std::string& source) {
    try {
        return YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        // yaml-cpp marks are 0-based; -1 when unknown.
        throw yaml_error(source, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                         e.mark.column >= 0 ? e.mark.column + 1 : 0, "YAML syntax error: " + e.msg);
    }
}

void yaml_reader::fail(const YAML::Mark& m, const std::string& what) const {
    throw yaml_error(source_, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0, what);
}

void yaml_reader::fail(const YAML::Node& at, const std::string& what) const {
    fail(at.Mark(), what);
}

void yaml_reader::expect_map(const YAML::Node& n, const std::string& what) const {
    if (!n.IsMap()) {
        fail(n, what + " must be a mapping");
    }
}

void yaml_reader::expect_seq(const YAML::Node& n, const std::string& what) const {
    if (!n.IsSequence()) {
        fail(n, what + " must be a list");
    }
}

std::vector<std::pair<std::string, YAML::Node>>
yaml_reader::keys(const YAML::Node& n, std::initializer_list<std::string_view> allowed,
                  const std::string& what) const {
    expect_map(n, what);
    std::vector<std::pair<std::string, YAML::Node>> out;
    std::set<std::string> seen;
    for (auto it = n.begin(); it != n.end(); ++it) {
        // Copies: the iterator hands out a temporary pair (a reference to its member would
        // dangle, which GCC 12's -Wdangling-pointer reports).
        const YAML::Node k = it->first;
        if (!k.IsScalar()) {
            fail(k, "keys of " + what + " must be plain strings");
        }
        std::string key = k.Scalar();
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            std::string names;
            for (auto a : allowed) {
                names += (names.empty() ? "" : ", ") + std::string(a);
            }
            fail(k, "unknown key \"" + key + "\" in " + what + " (allowed: " + names + ")");
        }
        if (!seen.insert(key).second) {
            fail(k, "duplicate key \"" + key + "\" in " + what);
        }
        out.emplace_back(key, it->second);
    }
    return out;
}

std::string yaml_reader::scalar(const YAML::Node& n, const std::string& what) const {
    if (!n.IsScalar()) {
        fail(n, what + " must be a scalar");
    }
    return n.Scalar();
}

std::string yaml_reader::nonempty(const YAML::Node& n, const std::string& what) const {
    auto s = scalar(n, what);
    if (s.empty()) {
        fail(n, what + " must not be empty");
    }
    return s;
}

std::uint64_t yaml_reader::unsigned_int(const YAML::Node& n, const std::string& what,
                                        std::uint64_t lo, std::uint64_t hi) const {
    const std::string s = scalar(n, what);
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) {
        fail(n, what + " must be a non-negative integer, got \"" + s + "\"");
    }
    if (v < lo || v > hi) {
        fail(n, what + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                    ", got " + s);
    }
    return v;
}

double yaml_reader::positive_number(const YAML::Node& n, const std::string& what, double hi) const {
    const std::string s = scalar(n, what);
    double v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size() || !(v > 0) || v > hi) {
        fail(n, what + " must be a number in (0, " + std::to_string(static_cast<long>(hi)) +
                    "], got \"" + s + "\"");
    }
    return v;
}

bool yaml_reader::boolean(const YAML::Node& n, const std::string& what) const {
    const std::string s = scalar(n, what);
    if (s == "true") {
        return true;
    }
    if (s == "false") {
        return false;
    }
    fail(n, what + " must be true or false, got \"" + s + "\"");
}

std::chrono::milliseconds yaml_reader::duration(const YAML::Node& n, const std::string& what,
                                                std::chrono::milliseconds lo,
                                                std::chrono::milliseconds hi) const {
    const std::string s = scalar(n, what);
    auto d = parse_duration(s);
    if (!d) {
        const auto suffix = suffix_of(s);
        if (suffix && std::none_of(std::begin(duration_units), std::end(duration_units),
                                   [&](const unit& u) { return u.name == *suffix; })) {
            fail(n, what + ": unknown duration unit \"" + std::string(*suffix) +
                        "\" (use ms, s, m, h or d)");
        }
        fail(n, what + " must be a duration like 500ms, 10s, 5m, 1h or 30d, got \"" + s + "\"");
    }
    if (*d < lo || *d > hi) {
        fail(n, what + " must be between " + std::to_string(lo.count()) + "ms and " +
                    std::to_string(hi.count()) + "ms, got \"" + s + "\"");
    }
    return *d;
}

std::uint64_t yaml_reader::byte_size(const YAML::Node& n, const std::string& what, std::uint64_t lo,
                                     std::uint64_t hi) const {
    const std::string s = scalar(n, what);
    auto v = parse_byte_size(s);
    if (!v) {
        fail(n, what + " must be a size like 65536, 512KiB or 64MiB, got \"" + s + "\"");
    }
    if (*v < lo || *v > hi) {
        fail(n, what + " must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
                    " bytes, got \"" + s + "\"");
    }
    return *v;
}

ipv4_prefix yaml_reader::prefix(const YAML::Node& n, const std::string& what) const {
    const std::string s = scalar(n, what);
    auto p = ipv4_prefix::parse(s, /*strict=*/true);
    if (!p || s.find('/') == std::string::npos) {
        auto loose = ipv4_prefix::parse(s, false);
        if (loose && s.find('/') != std::string::npos) {
            fail(n, what + ": \"" + s + "\" has host bits set (did you mean " + loose->to_string() +
                        "?)");
        }
        fail(n, what + ": \"" + s + "\" is not an IPv4 prefix like 198.18.0.0/15");
    }
    return *p;
}

ipv4_addr yaml_reader::address(const YAML::Node& n, const std::string& what) const {
    const std::string s = scalar(n, what);
    auto a = ipv4_addr::parse(s);
    if (!a) {
        fail(n, what + ": \"" + s + "\" is not an IPv4 address");
    }
    return *a;
}

std::uint32_t yaml_reader::asn(const YAML::Node& n, const std::string& what) const {
    const std::string s = scalar(n, what);
    std::string_view v = s;
    if (v.size() > 2 && (v.substr(0, 2) == "AS" || v.substr(0, 2) == "as")) {
        v.remove_prefix(2);
    }
    std::uint64_t value = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
    if (v.empty() || ec != std::errc{} || p != v.data() + v.size() || value == 0 ||
        value > 0xffffffffull) {
        fail(n, what + ": \"" + s + "\" is not an AS number (e.g. 4837 or AS4837)");
    }
    return static_cast<std::uint32_t>(value);
}

std::vector<YAML::Node> yaml_reader::list(const YAML::Node& n, const std::string& what) const {
    expect_seq(n, what);
    std::vector<YAML::Node> out;
    for (const auto& e : n) {
        out.push_back(e);
    }
    return out;
}

std::filesystem::path yaml_reader::path(const YAML::Node& n, const std::string& what) const {
    std::filesystem::path p = nonempty(n, what);
    if (p.is_relative()) {
        p = std::filesystem::path(source_).parent_path() / p;
    }
    return p.lexically_normal();
}

std::vector<std::filesystem::path> yaml_reader::paths(const YAML::Node& n,
                                                      const std::string& what) const {
    std::vector<std::filesystem::path> out;
    if (n.IsScalar()) {
        out.push_back(path(n, what));
        return out;
    }
    if (!n.IsSequence()) {
        fail(n, what + " must be a path or a list of paths");
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
        out.push_back(path(n[i], what + "[" + std::to_string(i) + "]"));
    }
    return out;
}

} // namespace tumen::yaml
