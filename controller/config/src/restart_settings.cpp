#include <tumen/controller/config/restart_settings.hpp>

namespace tumen::controller::config {
namespace {

bool same_tls(const std::optional<tls_config>& a, const std::optional<tls_config>& b) {
    if (a.has_value() != b.has_value()) {
        return false;
    }
    return !a || (a->cert == b->cert && a->key == b->key);
}

/// Keeps `running`'s value of one setting in `loaded`, noting `name` when they differed.
template <class T, class Same>
void keep(const char* name, const T& running, T& loaded, Same same,
          std::vector<std::string>& changed) {
    if (!same(running, loaded)) {
        changed.emplace_back(name);
        loaded = running;
    }
}

} // namespace

std::vector<std::string> keep_restart_settings(const server_config& running,
                                               server_config& loaded) {
    std::vector<std::string> changed;
    const auto equal = [](const auto& a, const auto& b) { return a == b; };
    if (running.listen_address != loaded.listen_address ||
        running.listen_port != loaded.listen_port) {
        changed.emplace_back("listen");
        loaded.listen_address = running.listen_address;
        loaded.listen_port = running.listen_port;
    }
    keep("tls", running.tls, loaded.tls, same_tls, changed);
    keep("database", running.database, loaded.database, equal, changed);
    keep("hysteresis", running.hysteresis, loaded.hysteresis, equal, changed);
    keep("max_paths_per_target", running.max_paths_per_target, loaded.max_paths_per_target, equal,
         changed);
    keep("threads", running.threads, loaded.threads, equal, changed);
    keep("assignment_history", running.assignment_history, loaded.assignment_history, equal,
         changed);
    keep("clock_skew", running.clock_skew, loaded.clock_skew, equal, changed);
    return changed;
}

} // namespace tumen::controller::config
