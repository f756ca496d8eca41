#include <cstdio>
#include <unistd.h>

#include <tumen/common/campaign/yaml.hpp>
#include <tumen/probe/agent/run_setup.hpp>

namespace tumen::probe::agent {

namespace {

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') {
        return "agent";
    }
    return buf;
}

/// The checks that need no file; the error message or nullptr.
const char* check_modes(const run_options& o) {
    if (o.config.empty() && o.schedule.empty()) {
        return "give --config agent.yaml (controller mode) or --schedule FILE --output "
               "FILE.jsonl (standalone)";
    }
    if (o.schedule.empty() != o.output.empty()) {
        return "--schedule and --output go together";
    }
    if (o.once && o.schedule.empty()) {
        return "--once is for standalone mode (--schedule)";
    }
    return nullptr;
}

} // namespace

std::optional<run_setup> load_run_setup(const run_options& o) {
    if (const char* why = check_modes(o)) {
        std::fprintf(stderr, "tumen-agent run: %s\n", why);
        return std::nullopt;
    }
    run_setup s;
    if (!o.config.empty()) {
        try {
            s.config = load_agent_config(o.config);
        } catch (const config_error& e) {
            std::fprintf(stderr, "tumen-agent run: %s\n", e.what());
            return std::nullopt;
        }
        if (o.schedule.empty() && !s.config.controller) {
            std::fprintf(stderr,
                         "tumen-agent run: %s has no controller section; add one or run "
                         "standalone with --schedule and --output\n",
                         o.config.c_str());
            return std::nullopt;
        }
    }
    if (!o.schedule.empty()) {
        try {
            s.campaigns = campaign::load_campaigns_file(o.schedule);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "tumen-agent run: %s\n", e.what());
            return std::nullopt;
        }
    }
    s.agent = !o.agent.empty() ? o.agent : !s.config.id.empty() ? s.config.id : host_name();
    if (o.pps && (*o.pps <= 0 || *o.pps > 100000)) {
        std::fprintf(stderr, "tumen-agent run: --pps must be in (0, 100000]\n");
        return std::nullopt;
    }
    return s;
}

} // namespace tumen::probe::agent
