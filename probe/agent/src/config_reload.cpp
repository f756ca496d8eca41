#include <spdlog/spdlog.h>

#include <tumen/common/campaign/yaml.hpp>
#include <tumen/probe/agent/config_reload.hpp>

namespace tumen::probe::agent {

bool needs_restart(const agent_config& current, const agent_config& fresh) {
    return fresh.id != current.id || fresh.spool.dir != current.spool.dir ||
           fresh.metrics_listen != current.metrics_listen || fresh.pps != current.pps ||
           fresh.user != current.user || fresh.source != current.source ||
           fresh.interface != current.interface ||
           fresh.spool.max_bytes != current.spool.max_bytes ||
           fresh.controller.has_value() != current.controller.has_value() ||
           (fresh.controller &&
            fresh.controller->url.to_string() != current.controller->url.to_string()) ||
           (fresh.controller && fresh.controller->ca_file != current.controller->ca_file);
}

bool apply_live_settings(agent_config& current, const agent_config& fresh) {
    current.labels = fresh.labels;
    if (!fresh.controller || !current.controller) {
        return false;
    }
    auto& c = *current.controller;
    c.token = fresh.controller->token;
    c.timeout = fresh.controller->timeout;
    c.poll_interval = fresh.controller->poll_interval;
    c.batch_size = fresh.controller->batch_size;
    c.batch_max_bytes = fresh.controller->batch_max_bytes;
    c.backoff_initial = fresh.controller->backoff_initial;
    c.backoff_max = fresh.controller->backoff_max;
    return true;
}

reload_outcome reload_config(agent_config& current, const std::string& path) {
    agent_config fresh;
    try {
        fresh = load_agent_config(path);
    } catch (const std::exception& e) {
        spdlog::error("SIGHUP: keeping the current configuration: {}", e.what());
        return {};
    }
    if (needs_restart(current, fresh)) {
        spdlog::warn("SIGHUP: agent, spool, metrics, pps, user, source, interface and the "
                     "controller url/CA take effect only after a restart");
    }
    reload_outcome r;
    r.reloaded = true;
    r.controller_applied = apply_live_settings(current, fresh);
    return r;
}

std::optional<campaign::campaign_set> reload_schedule(const std::string& path) {
    try {
        return campaign::load_campaigns_file(path);
    } catch (const std::exception& e) {
        spdlog::error("SIGHUP: keeping the current schedule: {}", e.what());
        return std::nullopt;
    }
}

} // namespace tumen::probe::agent
