// `tumen-controller draft-campaigns`: options, loading (AS map and result files through
// result_inputs.hpp), drafting (campaign_draft.hpp) and the YAML output, read back by the
// campaign parser before it is printed.
#include "draft_campaigns_command.hpp"

#include <charconv>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <tumen/common/campaign/yaml.hpp>

#include "campaign_draft.hpp"
#include "campaign_yaml_writer.hpp"
#include "result_inputs.hpp"

namespace tumen::controller::tool {
namespace {

struct draft_options {
    asmap::as_map_sources sources;
    std::vector<std::string> classes; ///< "name=asn[,asn]..."
    std::vector<std::string> methods{"udp-paris", "icmp-paris", "ping"};
    std::vector<std::uint32_t> exclude_asns;
    unsigned prefix_length = 24;
    std::vector<std::string> results;
};

/// Parses "name=asn[,asn]..." (the name is checked by the campaign parser on the draft).
campaign::path_class parse_class(const std::string& text) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
        throw CLI::ValidationError("--class", "expected name=asn[,asn...], got \"" + text + "\"");
    }
    campaign::path_class c;
    c.name = text.substr(0, eq);
    std::istringstream list(text.substr(eq + 1));
    for (std::string item; std::getline(list, item, ',');) {
        std::uint32_t asn = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), asn);
        if (ec != std::errc() || end != item.data() + item.size() || asn == 0) {
            throw CLI::ValidationError("--class",
                                       "bad AS number \"" + item + "\" in \"" + text + "\"");
        }
        c.asns.push_back(asn);
    }
    return c;
}

draft_rules make_rules(const draft_options& o) {
    draft_rules r;
    for (const auto& c : o.classes) {
        r.classes.push_back(parse_class(c));
    }
    for (const auto& m : o.methods) {
        r.methods.push_back(*campaign::parse_method(m)); // checked by the option
    }
    r.exclude_asns = o.exclude_asns;
    r.prefix_length = static_cast<std::uint8_t>(o.prefix_length);
    return r;
}

int run_draft(const draft_options& o) {
    const auto rules = make_rules(o);
    asmap::as_map map;
    std::size_t skipped = 0;
    try {
        map = load_map_reporting(o.sources, skipped);
    } catch (const std::exception& e) {
        std::cerr << "tumen-controller draft-campaigns: " << e.what() << '\n';
        return 2;
    }
    const auto in = read_result_files(o.results, {}, skipped);
    std::vector<ipv4_addr> destinations;
    for (const auto& t : in.traces) {
        destinations.push_back(t.dst);
    }
    for (const auto& p : in.pings) {
        destinations.push_back(p.dst);
    }
    const auto draft = draft_campaigns(destinations, map, rules);

    // The draft must read back as written: one writer, checked by the one parser.
    std::ostringstream yaml;
    write_campaigns_yaml(yaml, draft.set,
                         {"Drafted by tumen-controller draft-campaigns: one campaign per "
                          "destination AS of the result files."});
    try {
        campaign::parse_campaigns(yaml.str(), "draft");
    } catch (const campaign::campaign_error& e) {
        std::cerr << "tumen-controller draft-campaigns: the draft does not parse: " << e.what()
                  << '\n';
        return 2;
    }
    std::cout << yaml.str();
    std::cerr << "draft-campaigns: " << in.traces.size() << " traces, " << in.pings.size()
              << " pings, " << draft.destinations << " destinations, " << draft.set.campaigns.size()
              << " campaigns; left out " << draft.unmapped << " unmapped, " << draft.ixp
              << " on IXP LANs, " << draft.excluded << " in excluded ASes; " << skipped
              << " malformed records skipped\n";
    return skipped > 0 ? 1 : 0;
}

} // namespace

void register_draft_campaigns_command(CLI::App& app) {
    auto opts = std::make_shared<draft_options>();
    auto* cmd = app.add_subcommand(
        "draft-campaigns",
        "Print campaign YAML drafted from the destinations of result files: one campaign per "
        "destination AS, each destination's covering prefix as a target. Exit 1 if any "
        "malformed record was skipped, 2 on bad configuration.");
    add_as_map_options(*cmd, opts->sources, "IXP prefixes (destinations there are left out)");
    cmd->add_option("--class", opts->classes,
                    "path class of every campaign, name=asn[,asn...]; repeatable, in order")
        ->allow_extra_args(false);
    cmd->add_option("--method", opts->methods, "probing method; repeatable, in order")
        ->allow_extra_args(false)
        ->check(CLI::IsMember({"udp-paris", "icmp-paris", "tcp-syn", "udp", "ping"}))
        ->capture_default_str();
    cmd->add_option("--exclude-asn", opts->exclude_asns,
                    "leave out destinations of this AS (e.g. covered by another campaign file); "
                    "repeatable")
        ->allow_extra_args(false);
    cmd->add_option("--prefix-length", opts->prefix_length,
                    "length of the target prefix around each destination")
        ->check(CLI::Range(8, 32))
        ->capture_default_str();
    add_result_files_option(*cmd, opts->results);
    set_exit_status_callback(*cmd, [opts] { return run_draft(*opts); });
}

} // namespace tumen::controller::tool
