// `tumen-probe ping`: RTT series per target (ICMP echo, TCP SYN or UDP to a closed port).
#include <memory>

#include <tumen/probe/tool/command.hpp>
#include <tumen/probe/tool/text_format.hpp>

#include "run_support.hpp"

namespace tumen::probe::tool {

namespace {

struct ping_cli {
    std::string method = "icmp";
    int count = 5;
    int interval_ms = 1000;
    int wait_ms = 1000;
    int ttl = 64;
    engine_cli common;
};

int run_ping(const ping_cli& cli) {
    const auto method = engine::parse_ping_method(cli.method);
    if (!method) {
        return usage_error("--method \"" + cli.method + "\": unknown method (icmp, tcp-syn, udp)");
    }
    if (cli.common.targets.empty()) {
        return usage_error("ping needs at least one TARGET");
    }
    if (cli.common.format == "dot") {
        return usage_error("--format dot: a path graph is drawn from traces; ping writes text "
                           "or json");
    }
    return run_targets(cli.common, [&](engine::engine& eng, const target& t) {
        engine::ping_request r;
        r.dst = t.addr;
        r.method = *method;
        r.dst_port = static_cast<std::uint16_t>(cli.common.port);
        r.flow = static_cast<std::uint16_t>(cli.common.flow);
        r.count = static_cast<std::uint32_t>(cli.count);
        r.interval = std::chrono::milliseconds(cli.interval_ms);
        r.wait = std::chrono::milliseconds(cli.wait_ms);
        r.ttl = static_cast<std::uint8_t>(cli.ttl);
        eng.submit_ping(std::move(r), result_writer<result::ping>(cli.common, format_ping_text));
    });
}

} // namespace

void add_ping_command(CLI::App& app, command_runner& selected) {
    auto cli = std::make_shared<ping_cli>();
    auto* sub = app.add_subcommand("ping", "RTT series to each TARGET");
    sub->add_option("--method", cli->method, "icmp|tcp-syn|udp")->capture_default_str();
    sub->add_option("-c,--count", cli->count, "probes per target")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    sub->add_option("-i,--interval", cli->interval_ms, "interval between probes, ms")
        ->check(CLI::Range(1, 3600000))
        ->capture_default_str();
    sub->add_option("--wait", cli->wait_ms, "wait for each reply, ms")
        ->check(CLI::Range(1, 60000))
        ->capture_default_str();
    sub->add_option("--ttl", cli->ttl, "IP TTL")->check(CLI::Range(1, 255))->capture_default_str();
    add_common_engine_options(*sub, cli->common);
    sub->callback([cli, &selected] { selected = [cli] { return run_ping(*cli); }; });
}

} // namespace tumen::probe::tool
