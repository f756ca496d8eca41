// `tumen-probe ping`: RTT series per target (ICMP echo, TCP SYN or UDP to a closed port).
#include <cstdio>
#include <iostream>
#include <memory>

#include <tumen/common/result_json.hpp>
#include <tumen/probe/engine/text_format.hpp>
#include <tumen/probe/tool/command.hpp>

#include "run_support.hpp"

namespace tumen::probe::tool {

namespace {

struct ping_cli {
    std::string method = "icmp";
    int port = 0;
    int flow = 0;
    int count = 5;
    int interval_ms = 1000;
    int wait_ms = 1000;
    int ttl = 64;
    std::string format = "text";
    engine_cli common;
    std::vector<std::string> targets;
};

int run_ping(const ping_cli& cli) {
    const auto method = engine::parse_ping_method(cli.method);
    if (!method) {
        return usage_error("--method \"" + cli.method + "\": unknown method (icmp, tcp-syn, udp)");
    }
    if (cli.targets.empty()) {
        return usage_error("ping needs at least one TARGET");
    }
    std::string error;
    auto targets = parse_targets(cli.targets, std::cin, error);
    if (!targets) {
        return usage_error(error);
    }
    auto options = to_engine_options(cli.common, *targets, error);
    if (!options) {
        return usage_error(error);
    }
    if (cli.flow >= options->max_flows) {
        return usage_error("--flow " + std::to_string(cli.flow) + ": must be below " +
                           std::to_string(options->max_flows));
    }
    const bool json = cli.format == "json";
    boost::asio::io_context io;
    engine::engine eng(io, *options);
    return run_engine(io, eng, cli.common, [&] {
        for (const auto& t : *targets) {
            engine::ping_request r;
            r.dst = t.addr;
            r.method = *method;
            r.dst_port = static_cast<std::uint16_t>(cli.port);
            r.flow = static_cast<std::uint16_t>(cli.flow);
            r.count = static_cast<std::uint32_t>(cli.count);
            r.interval = std::chrono::milliseconds(cli.interval_ms);
            r.wait = std::chrono::milliseconds(cli.wait_ms);
            r.ttl = static_cast<std::uint8_t>(cli.ttl);
            eng.submit_ping(std::move(r), [json](result::ping p) {
                const std::string out =
                    json ? result::to_json(p).dump() + "\n" : engine::format_ping_text(p);
                std::fwrite(out.data(), 1, out.size(), stdout);
                std::fflush(stdout);
            });
        }
    });
}

} // namespace

void add_ping_command(CLI::App& app, command_runner& selected) {
    auto cli = std::make_shared<ping_cli>();
    auto* sub = app.add_subcommand("ping", "RTT series to each TARGET");
    sub->add_option("--method", cli->method, "icmp|tcp-syn|udp")->capture_default_str();
    sub->add_option("--port", cli->port, "destination port (default 33435 UDP, 80 TCP)")
        ->check(CLI::Range(1, 65535));
    sub->add_option("--flow", cli->flow, "flow id (source port / ICMP id offset)")
        ->check(CLI::Range(0, 65535));
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
    sub->add_option("--format", cli->format, "text|json")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    add_common_engine_options(*sub, cli->common);
    sub->add_option("TARGET", cli->targets, "IPv4 addresses");
    sub->callback([cli, &selected] { selected = [cli] { return run_ping(*cli); }; });
}

} // namespace tumen::probe::tool
