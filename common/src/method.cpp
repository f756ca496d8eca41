#include <tumen/common/method.hpp>

namespace tumen {
namespace {

struct method_name {
    method m;
    std::string_view name;
};
constexpr method_name method_names[] = {{method::udp_paris, "udp-paris"},
                                        {method::icmp_paris, "icmp-paris"},
                                        {method::tcp_syn, "tcp-syn"},
                                        {method::udp, "udp"},
                                        {method::ping, "ping"}};

} // namespace

const char* to_string(method m) noexcept {
    for (const auto& e : method_names) {
        if (e.m == m) {
            return e.name.data();
        }
    }
    return "unknown";
}

std::optional<method> parse_method(std::string_view text) noexcept {
    for (const auto& e : method_names) {
        if (e.name == text) {
            return e.m;
        }
    }
    return std::nullopt;
}

} // namespace tumen
