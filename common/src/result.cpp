#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include <tumen/common/result.hpp>

namespace tumen::result {
namespace {
constexpr std::array<std::pair<stop_reason, std::string_view>, 7> stop_names{{
    {stop_reason::none, "none"},
    {stop_reason::completed, "completed"},
    {stop_reason::unreachable, "unreachable"},
    {stop_reason::gap_limit, "gap_limit"},
    {stop_reason::loop, "loop"},
    {stop_reason::max_ttl, "max_ttl"},
    {stop_reason::error, "error"},
}};
} // namespace

const char* to_string(stop_reason r) noexcept {
    for (const auto& [value, name] : stop_names) {
        if (value == r) {
            return name.data();
        }
    }
    return "none";
}

std::optional<stop_reason> parse_stop_reason(std::string_view text) noexcept {
    for (const auto& [value, name] : stop_names) {
        if (name == text) {
            return value;
        }
    }
    return std::nullopt;
}

rtt_summary rtt_summary_of(const ping& p) noexcept {
    rtt_summary out;
    double sum = 0;
    std::size_t n = 0;
    for (const auto& r : p.rtts_ms) {
        if (r) {
            out.min = n == 0 ? *r : std::min(out.min, *r);
            out.max = n == 0 ? *r : std::max(out.max, *r);
            sum += *r;
            ++n;
        }
    }
    if (n > 0) {
        out.avg = sum / static_cast<double>(n);
    }
    return out;
}

} // namespace tumen::result
