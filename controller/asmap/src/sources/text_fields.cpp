#include "text_fields.hpp"

#include <charconv>
#include <regex>

namespace tumen::controller::asmap::sources {

std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    out.reserve(8); // one allocation per line, not one per doubling (every source has few fields)
    char sep = line.find('\t') != std::string_view::npos ? '\t' : ' ';
    std::size_t pos = 0;
    while (pos <= line.size()) {
        auto next = line.find(sep, pos);
        if (next == std::string_view::npos) {
            next = line.size();
        }
        auto f = line.substr(pos, next - pos);
        if (sep == '\t' || !f.empty()) {
            out.push_back(f);
        }
        pos = next + 1;
    }
    return out;
}

bool parse_u32(std::string_view s, std::uint32_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
}

std::string date_from_name(const std::string& path) {
    static const std::regex re("(19|20)([0-9]{2})(0[1-9]|1[0-2])([0-3][0-9])");
    static const std::regex re2("(19|20)([0-9]{2})-(0[1-9]|1[0-2])(?:-([0-3][0-9]))?");
    auto base =
        path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    std::smatch m;
    if (std::regex_search(base, m, re)) {
        return m[1].str() + m[2].str() + "-" + m[3].str() + "-" + m[4].str();
    }
    if (std::regex_search(base, m, re2)) {
        return m[1].str() + m[2].str() + "-" + m[3].str() + (m[4].matched ? "-" + m[4].str() : "");
    }
    return {};
}

} // namespace tumen::controller::asmap::sources
