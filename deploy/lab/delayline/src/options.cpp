#include "options.hpp"

#include <CLI/CLI.hpp>

namespace tumen::lab {

std::optional<delayline_options> parse_options(int argc, const char* const* argv, int& exit_code) {
    delayline_options o;
    CLI::App app{"tumen-delayline: joins two network namespaces with a TUN pair and forwards "
                 "IP packets between them after a constant one-way delay, with optional random "
                 "loss. Packets are never reordered. SIGTERM/SIGINT: exit and print counters; "
                 "SIGUSR1: print counters; SIGHUP: re-read the --control file.",
                 "tumen-delayline"};
    app.add_option("--ns-a", o.ns_a, "namespace A (name under /var/run/netns, or a path)")
        ->required();
    app.add_option("--dev-a", o.dev_a, "TUN device to create in namespace A")->required();
    app.add_option("--ns-b", o.ns_b, "namespace B (name under /var/run/netns, or a path)")
        ->required();
    app.add_option("--dev-b", o.dev_b, "TUN device to create in namespace B")->required();
    app.add_option("--name-a", o.label_a, "name of side A in the counters (default: --ns-a)");
    app.add_option("--name-b", o.label_b, "name of side B in the counters (default: --ns-b)");
    app.add_option("--delay-ms", o.delay_ms, "one-way delay A->B in milliseconds")
        ->check(CLI::Range(0.0, 60000.0));
    auto* back = app.add_option("--delay-ms-back", o.delay_ms_back,
                                "one-way delay B->A in milliseconds (default: --delay-ms)")
                     ->check(CLI::Range(0.0, 60000.0));
    app.add_option("--loss-pct", o.loss_pct, "random loss A->B in percent")
        ->check(CLI::Range(0.0, 100.0));
    auto* loss_back = app.add_option("--loss-pct-back", o.loss_pct_back,
                                     "random loss B->A in percent (default: --loss-pct)")
                          ->check(CLI::Range(0.0, 100.0));
    app.add_option("--seed", o.seed, "seed of the loss generator (0: random)");
    app.add_option("--max-queue", o.max_queue, "packets held per direction before dropping")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 24));
    app.add_option("--pidfile", o.pidfile, "written once both devices exist, removed at exit");
    app.add_option("--control", o.control_file,
                   "file re-read on SIGHUP: 'loss PCT [PCT_BACK]' changes the random loss");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        exit_code = app.exit(e);
        return std::nullopt;
    }
    if (back->count() == 0) {
        o.delay_ms_back = o.delay_ms;
    }
    if (loss_back->count() == 0) {
        o.loss_pct_back = o.loss_pct;
    }
    if (o.label_a.empty()) {
        o.label_a = o.ns_a;
    }
    if (o.label_b.empty()) {
        o.label_b = o.ns_b;
    }
    exit_code = 0;
    return o;
}

} // namespace tumen::lab
