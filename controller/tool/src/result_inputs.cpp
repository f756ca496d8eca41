// Loading of the AS map and the result files for the offline subcommands.
#include "result_inputs.hpp"

#include <algorithm>
#include <iostream>
#include <iterator>

#include <tumen/controller/readers/reader.hpp>

namespace tumen::controller::tool {

void add_as_map_options(CLI::App& cmd, asmap::as_map_sources& sources,
                        const std::string& ixp_help) {
    cmd.add_option("--pfx2as", sources.pfx2as, "CAIDA pfx2as file (plain or .gz); repeatable")
        ->allow_extra_args(false)
        ->required()
        ->check(CLI::ExistingFile);
    cmd.add_option("--iptoasn", sources.iptoasn, "iptoasn ip2asn-v4.tsv file; repeatable")
        ->allow_extra_args(false)
        ->check(CLI::ExistingFile);
    cmd.add_option("--ixp", sources.ixp, ixp_help)
        ->allow_extra_args(false)
        ->check(CLI::ExistingFile);
}

void add_result_files_option(CLI::App& cmd, std::vector<std::string>& files) {
    cmd.add_option("results", files, "result files (tumen JSON, Atlas, scamper, traceroute text)")
        ->required();
}

void set_exit_status_callback(CLI::App& cmd, std::function<int()> run) {
    cmd.callback([run = std::move(run)]() {
        if (int rc = run(); rc != 0) {
            throw CLI::RuntimeError(rc);
        }
    });
}

asmap::as_map load_map_reporting(const asmap::as_map_sources& sources, std::size_t& skipped) {
    auto report = [&](const std::string&, const char*, const asmap::load_report& r) {
        for (const auto& e : r.errors) {
            std::cerr << e.where << ": error: " << e.what << '\n';
        }
        if (r.error_count > r.errors.size()) {
            std::cerr << "... " << (r.error_count - r.errors.size()) << " more bad lines\n";
        }
        skipped += r.error_count;
    };
    return asmap::load_as_map(sources, report);
}

result_inputs read_result_files(const std::vector<std::string>& files, const read_options& o,
                                std::size_t& skipped) {
    result_inputs all;
    for (const auto& f : files) {
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
    std::stable_sort(all.traces.begin(), all.traces.end(),
                     [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
    std::stable_sort(all.pings.begin(), all.pings.end(),
                     [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
    return all;
}

} // namespace tumen::controller::tool
