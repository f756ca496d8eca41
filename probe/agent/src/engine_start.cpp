#include <cstdio>

#include <spdlog/spdlog.h>

#include <tumen/probe/agent/engine_start.hpp>
#include <tumen/probe/engine/privileges.hpp>

namespace tumen::probe::agent {

std::optional<engine::engine_options> engine_options_of(const run_options& o,
                                                        const agent_config& cfg,
                                                        const campaign::campaign_set* campaigns,
                                                        const std::string& agent) {
    engine::engine_options eo;
    eo.agent = agent;
    eo.pps = o.pps.value_or(static_cast<double>(cfg.pps));
    const std::string source = !o.source.empty() ? o.source : cfg.source;
    if (!source.empty()) {
        auto a = ipv4_addr::parse(source);
        if (!a) {
            spdlog::error("--source '{}' is not an IPv4 address", source);
            return std::nullopt;
        }
        eo.source = *a;
    } else if (campaigns != nullptr && !campaigns->campaigns.empty() &&
               !campaigns->campaigns.front().targets.prefixes.empty()) {
        eo.route_hint = campaigns->campaigns.front().targets.prefixes.front().at(1);
    } else {
        // The source of the default route (RFC 5737 address; nothing is sent).
        eo.route_hint = ipv4_addr(192, 0, 2, 1);
    }
    eo.interface = cfg.interface;
    eo.pcap_out = o.pcap_out;
    eo.pcap_out_bytes = static_cast<std::uint64_t>(o.pcap_out_size_mb * 1024 * 1024);
    eo.pcap_out_files = o.pcap_out_files;
    eo.sender = o.send_raw ? engine::send_path::raw : engine::send_path::packet;
    return eo;
}

int open_engine(engine::engine& eng, const engine::engine_options& eo, const run_options& o,
                const agent_config& cfg) {
    if (auto ec = eng.open()) {
        if (ec == std::errc::operation_not_permitted) {
            std::fprintf(stderr, "%s\n",
                         engine::missing_capability_message("tumen-agent run").c_str());
        } else {
            spdlog::error("cannot open the probe engine: {} ({})", eng.error_text(), ec.message());
        }
        return 1;
    }
    spdlog::info("agent {}: probing from {} on {} at up to {} probes/s", eo.agent,
                 eng.source().to_string(), eng.interface(), eo.pps);
    const std::string user = !o.user.empty() ? o.user : cfg.user;
    if (!user.empty()) {
        std::string msg;
        if (auto ec = engine::drop_privileges(user, msg)) {
            spdlog::error("cannot drop privileges to {}: {}", user, msg);
            return 1;
        }
        spdlog::info("dropped privileges to user {}", user);
    }
    return 0;
}

} // namespace tumen::probe::agent
