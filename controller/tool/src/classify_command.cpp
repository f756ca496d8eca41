// `tumen-controller classify`: options, loading (campaigns, AS map, result files) and the
// classification loop. The output formats are in text_output.cpp and json_output.cpp.
#include "classify_command.hpp"

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/asmap/loader.hpp>
#include <tumen/controller/inference/classifier.hpp>
#include <tumen/controller/readers/reader.hpp>

#include "classify_output.hpp"

namespace tumen::controller::tool {
namespace {

struct classify_options {
    std::vector<std::string> pfx2as;
    std::vector<std::string> iptoasn;
    std::vector<std::string> campaigns;
    std::vector<std::string> ixp;
    std::vector<std::string> results;
    std::string format = "text";
    std::string text_agent;
    std::uint32_t k = 2;
    bool quiet_notes = false;
};

/// Every trace and ping of the result files, each list in time order.
struct results {
    std::vector<result::trace> traces;
    std::vector<result::ping> pings;
};

/// Campaigns and AS map; prints bad AS-map lines and counts them into `skipped`. Throws on an
/// unreadable or invalid configuration.
asmap::as_map load_map(const classify_options& o, std::size_t& skipped) {
    auto report = [&](const std::string&, const char*, const asmap::load_report& r) {
        for (const auto& e : r.errors) {
            std::cerr << e.where << ": error: " << e.what << '\n';
        }
        if (r.error_count > r.errors.size()) {
            std::cerr << "... " << (r.error_count - r.errors.size()) << " more bad lines\n";
        }
        skipped += r.error_count;
    };
    return asmap::load_as_map({o.pfx2as, o.iptoasn, o.ixp}, report);
}

/// Reads every result file; prints its issues and counts malformed records into `skipped`.
results read_results(const classify_options& o, std::size_t& skipped) {
    results all;
    for (const auto& f : o.results) {
        auto batch = readers::read_results_file(f);
        if (!o.text_agent.empty()) {
            for (auto& t : batch.traces) {
                if (t.agent == f) {
                    t.agent = o.text_agent;
                }
            }
        }
        for (const auto& i : batch.issues) {
            if (!i.unsupported || !o.quiet_notes) {
                std::cerr << i.to_string() << '\n';
            }
        }
        skipped += batch.error_count();
        std::move(batch.traces.begin(), batch.traces.end(), std::back_inserter(all.traces));
        std::move(batch.pings.begin(), batch.pings.end(), std::back_inserter(all.pings));
    }
    // Time order across all files (stable: equal times keep file order).
    std::stable_sort(all.traces.begin(), all.traces.end(),
                     [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
    std::stable_sort(all.pings.begin(), all.pings.end(),
                     [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
    return all;
}

int run_classify(const classify_options& o) {
    // Configuration edges: unreadable or invalid configuration is fatal (exit 2).
    campaign::campaign_set campaigns;
    asmap::as_map map;
    std::size_t skipped = 0;
    try {
        campaigns = campaign::load_campaigns_files(o.campaigns);
        map = load_map(o, skipped);
    } catch (const std::exception& e) {
        std::cerr << "tumen-controller classify: " << e.what() << '\n';
        return 2;
    }
    const auto in = read_results(o, skipped);
    const auto printer =
        o.format == "json" ? make_json_output(std::cout) : make_text_output(std::cout);

    // Traces in time order, each preceded by the pings up to its time.
    inference::classifier cls(campaigns, map, o.k);
    std::size_t unmatched = 0;
    std::size_t verdicts = 0;
    std::size_t changes = 0;
    std::size_t pi = 0;
    for (const auto& t : in.traces) {
        while (pi < in.pings.size() && in.pings[pi].timestamp <= t.timestamp) {
            unmatched += cls.process(in.pings[pi++]) ? 0 : 1;
        }
        auto out = cls.process(t);
        if (out.verdict) {
            ++verdicts;
            printer->verdict(*out.verdict);
        } else {
            ++unmatched;
        }
        if (out.change) {
            ++changes;
            printer->change(*out.change);
        }
    }
    while (pi < in.pings.size()) {
        unmatched += cls.process(in.pings[pi++]) ? 0 : 1;
    }
    printer->latency(cls.latency());
    std::cerr << "classify: " << in.traces.size() << " traces, " << in.pings.size() << " pings, "
              << verdicts << " verdicts, " << changes << " changes, " << unmatched
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
    cmd->add_option("--pfx2as", opts->pfx2as, "CAIDA pfx2as file (plain or .gz); repeatable")
        ->allow_extra_args(false)
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--iptoasn", opts->iptoasn, "iptoasn ip2asn-v4.tsv file; repeatable")
        ->allow_extra_args(false)
        ->check(CLI::ExistingFile);
    cmd->add_option("--campaign", opts->campaigns, "campaign YAML file; repeatable")
        ->allow_extra_args(false)
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--ixp", opts->ixp, "IXP prefixes (CAIDA ixs jsonl or ripe-atlas-monitor json)")
        ->allow_extra_args(false)
        ->check(CLI::ExistingFile);
    cmd->add_option("--format", opts->format, "output format")
        ->check(CLI::IsMember({"text", "json"}))
        ->capture_default_str();
    cmd->add_option("-k,--confirm", opts->k, "consecutive traces needed to declare a change")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    cmd->add_option("--text-agent", opts->text_agent,
                    "agent name for plain traceroute text files (default: the file name)");
    cmd->add_flag("--quiet-notes", opts->quiet_notes,
                  "do not print notes about unsupported records (IPv6, tracelb)");
    cmd->add_option("results", opts->results,
                    "result files (tumen JSON, Atlas, scamper, traceroute text)")
        ->required();
    cmd->callback([opts]() {
        int rc = run_classify(*opts);
        if (rc != 0) {
            throw CLI::RuntimeError(rc);
        }
    });
}

} // namespace tumen::controller::tool
