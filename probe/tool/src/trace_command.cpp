// `tumen-probe trace`: many Paris traceroutes at once; text (traceroute-like), JSON lines
// (RIPE Atlas traceroute form + method and stop_reason, via result_json) or Graphviz dot (one
// digraph per trace, dot_format.hpp).
#include <memory>

#include <tumen/probe/tool/command.hpp>
#include <tumen/probe/tool/dot_format.hpp>
#include <tumen/probe/tool/text_format.hpp>

#include "run_support.hpp"

namespace tumen::probe::tool {
namespace {

struct trace_cli {
    std::string method = "udp-paris";
    int first_ttl = 1;
    int max_ttl = 32;
    int attempts = 2;
    int wait_ms = 1000;
    int gap_limit = 5;
    int hops_in_flight = 1;
    engine_cli common;
};

int run_trace(const trace_cli& cli) {
    const auto method = codec::parse_method(cli.method);
    if (!method || !is_traceroute(*method)) {
        return usage_error("--method \"" + cli.method +
                           "\": unknown method (udp-paris, icmp-paris, tcp-syn, udp)");
    }
    if (cli.first_ttl > cli.max_ttl) {
        return usage_error("--first-ttl " + std::to_string(cli.first_ttl) + " is above --max-ttl " +
                           std::to_string(cli.max_ttl));
    }
    const auto max_ttl = static_cast<std::uint8_t>(cli.max_ttl);
    return run_targets(cli.common, [&](engine::engine& eng, const target& t) {
        engine::trace_request r;
        r.dst = t.addr;
        r.dst_name = t.text;
        r.method = *method;
        r.dst_port = static_cast<std::uint16_t>(cli.common.port);
        r.flow = static_cast<std::uint16_t>(cli.common.flow);
        r.first_ttl = static_cast<std::uint8_t>(cli.first_ttl);
        r.max_ttl = max_ttl;
        r.attempts = static_cast<std::uint8_t>(cli.attempts);
        r.wait = std::chrono::milliseconds(cli.wait_ms);
        r.gap_limit = static_cast<std::uint8_t>(cli.gap_limit);
        r.hops_in_flight = static_cast<std::uint8_t>(cli.hops_in_flight);
        eng.submit_trace(
            std::move(r),
            result_writer<result::trace>(
                cli.common, [max_ttl, dot = cli.common.format == "dot"](const result::trace& tr) {
                    return dot ? format_trace_dot(tr) : format_trace_text(tr, max_ttl);
                }));
    });
}

} // namespace

void add_trace_command(CLI::App& app, command_runner& selected) {
    auto cli = std::make_shared<trace_cli>();
    auto* sub = app.add_subcommand("trace", "Paris traceroute to each TARGET (or stdin lines)");
    sub->add_option("--method", cli->method, "udp-paris|icmp-paris|tcp-syn|udp")
        ->capture_default_str();
    sub->add_option("--first-ttl", cli->first_ttl, "first TTL")
        ->check(CLI::Range(1, 255))
        ->capture_default_str();
    sub->add_option("--max-ttl", cli->max_ttl, "last TTL")
        ->check(CLI::Range(1, 255))
        ->capture_default_str();
    sub->add_option("--attempts", cli->attempts, "probes per hop (next only on timeout)")
        ->check(CLI::Range(1, 10))
        ->capture_default_str();
    sub->add_option("--wait", cli->wait_ms, "wait per attempt, ms")
        ->check(CLI::Range(1, 60000))
        ->capture_default_str();
    sub->add_option("--gap-limit", cli->gap_limit, "consecutive silent hops that end a trace")
        ->check(CLI::Range(1, 255))
        ->capture_default_str();
    sub->add_option("--hops-in-flight", cli->hops_in_flight,
                    "probes in flight per trace (1: one hop at a time, as scamper; N: up to N "
                    "over 2N TTLs, a silent hop's wait overlapping the hops after it)")
        ->check(CLI::Range(1, 32))
        ->capture_default_str();
    add_common_engine_options(*sub, cli->common);
    sub->callback([cli, &selected] { selected = [cli] { return run_trace(*cli); }; });
}

} // namespace tumen::probe::tool
