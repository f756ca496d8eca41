// `tumen-controller classify`: options, loading (campaigns; AS map and result files through
// result_inputs.hpp) and the classification loop. The output formats are in text_output.cpp,
// json_output.cpp and dot_output.cpp.
#include "classify_command.hpp"

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/inference/classifier.hpp>

#include "classify_output.hpp"
#include "ordered_results.hpp"
#include "result_inputs.hpp"

namespace tumen::controller::tool {
namespace {

struct classify_options {
    asmap::as_map_sources sources;
    std::vector<std::string> campaigns;
    std::vector<std::string> results;
    std::string format = "text";
    std::string text_agent;
    std::uint32_t k = 2;
    std::uint32_t max_paths = inference::default_max_paths_per_target;
    bool quiet_notes = false;
    std::size_t reorder_window = ordered_results::default_window;
    unsigned reader_threads = readers::result_stream::default_threads();
};

int run_classify(const classify_options& o) {
    // Configuration edges: unreadable or invalid configuration is fatal (exit 2).
    campaign::campaign_set campaigns;
    asmap::as_map map;
    std::size_t skipped = 0;
    try {
        campaigns = campaign::load_campaigns_files(o.campaigns);
        map = load_map_reporting(o.sources, skipped);
    } catch (const std::exception& e) {
        std::cerr << "tumen-controller classify: " << e.what() << '\n';
        return 2;
    }
    // The result files are streamed: memory holds the trackers of the (agent, target) pairs
    // and each file's reorder window, not the files.
    // The verdicts are many short writes: std::cout with its own buffer, not a locked stdio
    // call per insertion (nothing else here writes to stdout through stdio).
    std::ios_base::sync_with_stdio(false);
    ordered_results in(o.results, {o.text_agent, o.quiet_notes, o.reader_threads},
                       o.reorder_window);
    const auto printer = o.format == "json"  ? make_json_output(std::cout)
                         : o.format == "dot" ? make_dot_output(std::cout)
                                             : make_text_output(std::cout);

    printer->datasets(map);
    // Traces in time order, each preceded by the pings up to its time.
    inference::classifier cls(campaigns, map, o.k, o.max_paths);
    std::size_t unmatched = 0;
    std::size_t verdicts = 0;
    std::size_t changes = 0;
    timed_result r;
    while (in.next(r)) {
        if (const auto* p = std::get_if<result::ping>(&r)) {
            unmatched += cls.process(*p) ? 0 : 1;
            continue;
        }
        const auto& t = std::get<result::trace>(r);
        auto out = cls.process(t);
        if (out.verdict) {
            ++verdicts;
            printer->traced(t, *out.verdict);
            printer->verdict(*out.verdict);
        } else {
            ++unmatched;
        }
        if (out.change) {
            ++changes;
            printer->change(*out.change);
        }
    }
    printer->latency(cls.latency());
    skipped += in.skipped();
    if (in.late() > 0) {
        std::cerr << "classify: note: " << in.late() << " results were more than "
                  << o.reorder_window
                  << " records out of time order in their file and were classified when read "
                     "(--reorder-window)\n";
    }
    std::cerr << "classify: " << in.traces() << " traces, " << in.pings() << " pings, " << verdicts
              << " verdicts, " << changes << " changes, " << unmatched
              << " results outside every campaign, " << skipped << " malformed records skipped\n";
    return skipped > 0 ? 1 : 0;
}

} // namespace

void register_classify_command(CLI::App& app) {
    auto opts = std::make_shared<classify_options>();
    auto* cmd = app.add_subcommand(
        "classify",
        "Infer the border path of each trace in result files and detect changes "
        "(no server). Exit 1 if any malformed record was skipped, 2 on bad configuration.");
    add_as_map_options(*cmd, opts->sources,
                       "IXP prefixes (CAIDA ixs jsonl or ripe-atlas-monitor json)");
    cmd->add_option("--campaign", opts->campaigns, "campaign YAML file; repeatable")
        ->allow_extra_args(false)
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--format", opts->format,
                    "output format (dot: Graphviz path graph per agent x target)")
        ->check(CLI::IsMember({"text", "json", "dot"}))
        ->capture_default_str();
    cmd->add_option("-k,--confirm", opts->k,
                    "independent observations needed to declare a change: distinct rounds "
                    "of the trace's campaign; each trace naming no campaign is one")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    cmd->add_option("--as-names", opts->sources.as_names,
                    "AS names (ipinfo CSV: asn,name,...) shown with the transits; repeatable")
        ->allow_extra_args(false)
        ->check(CLI::ExistingFile);
    cmd->add_option("--max-paths-per-target", opts->max_paths,
                    "distinct paths named per agent x target; later new transits are \"other\"")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--text-agent", opts->text_agent,
                    "agent name for plain traceroute text files (default: the file name)");
    cmd->add_flag("--quiet-notes", opts->quiet_notes,
                  "do not print notes about unsupported records (IPv6, tracelb)");
    cmd->add_option("--reorder-window", opts->reorder_window,
                    "records of a file held to put them in time order (memory grows with it, "
                    "not with the files)")
        ->check(CLI::Range(1, 10000000))
        ->capture_default_str();
    cmd->add_option("--reader-threads", opts->reader_threads,
                    "threads reading each JSON-lines file (0: the classifying thread only; "
                    "default: the cores but one, at most 4; the classifying thread reads "
                    "too while it waits)")
        ->check(CLI::Range(0, 4));
    add_result_files_option(*cmd, opts->results);
    set_exit_status_callback(*cmd, [opts] { return run_classify(*opts); });
}

} // namespace tumen::controller::tool
