#include <algorithm>

#include <tumen/controller/inference/path_names.hpp>

namespace tumen::controller::inference {

std::string as_path_name(std::uint32_t asn) {
    return "AS" + std::to_string(asn);
}

bool is_as_path_name(std::string_view name) noexcept {
    return name.size() > 2 && name.starts_with("AS") &&
           std::all_of(name.begin() + 2, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string path_name(const std::string& stored) {
    constexpr std::string_view legacy = "unknown:";
    if (stored.starts_with(legacy) && is_as_path_name("AS" + stored.substr(legacy.size()))) {
        return "AS" + stored.substr(legacy.size());
    }
    return stored;
}

std::string cap_path(std::vector<std::string>& named, const std::string& path,
                     std::uint32_t max_paths) {
    if (path.empty() || path == path_none || path == path_other ||
        std::find(named.begin(), named.end(), path) != named.end()) {
        return path;
    }
    if (!is_as_path_name(path) || named.size() < max_paths) {
        named.push_back(path);
        return path;
    }
    return path_other;
}

} // namespace tumen::controller::inference
