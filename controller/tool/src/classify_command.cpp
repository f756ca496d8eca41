#include "classify_command.hpp"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <tumen/common/campaign.hpp>
#include <tumen/controller/asmap/loader.hpp>
#include <tumen/controller/inference/classifier.hpp>
#include <tumen/controller/readers/reader.hpp>

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

std::string iso_time(std::int64_t t) {
    char buf[32];
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

nlohmann::json asn_or_null(const std::optional<std::uint32_t>& a) {
    return a ? nlohmann::json(*a) : nlohmann::json(nullptr);
}

void print_verdict(const classify_options& o, const inference::verdict_record& r) {
    const auto& v = r.verdict;
    if (o.format == "json") {
        nlohmann::json border = nullptr;
        if (v.border_addr) {
            border = {
                {"addr", v.border_addr->to_string()},
                {"rtt_ms",
                 v.border_rtt_ms ? nlohmann::json(*v.border_rtt_ms) : nlohmann::json(nullptr)},
                {"ttl", v.border_ttl ? nlohmann::json(*v.border_ttl) : nlohmann::json(nullptr)}};
        }
        nlohmann::json j{
            {"kind", "verdict"},
            {"agent", r.agent},
            {"campaign", r.campaign},
            {"target", r.target.to_string()},
            {"path", v.path},
            {"transit_asn", asn_or_null(v.transit_asn)},
            {"time", r.time},
            {"trace_id", r.trace_id},
            {"reached_target", v.reached_target},
            {"weak", v.weak},
            {"border", border},
            {"end_rtt_ms", v.end_rtt_ms ? nlohmann::json(*v.end_rtt_ms) : nlohmann::json(nullptr)},
            {"as_path", v.as_path}};
        if (!v.via_ixp.empty()) {
            j["via_ixp"] = v.via_ixp;
        }
        std::cout << j.dump() << '\n';
        return;
    }
    std::cout << iso_time(r.time) << "  " << r.agent << "  " << r.target.to_string() << "  "
              << v.path;
    if (v.transit_asn) {
        std::cout << " (AS" << *v.transit_asn << ")";
    }
    if (v.border_addr) {
        std::cout << "  border " << v.border_addr->to_string();
        if (v.border_rtt_ms) {
            char buf[32];
            std::snprintf(buf, sizeof buf, " %.1f ms", *v.border_rtt_ms);
            std::cout << buf;
        }
    }
    if (v.weak) {
        std::cout << "  [weak: target not reached]";
    }
    if (!v.via_ixp.empty()) {
        std::cout << "  via IXP " << v.via_ixp;
    }
    std::cout << "  " << r.trace_id << '\n';
}

void print_change(const classify_options& o, const inference::change_record& c) {
    const auto& e = c.event;
    if (o.format == "json") {
        nlohmann::json j{{"kind", "change"},
                         {"agent", c.agent},
                         {"campaign", c.campaign},
                         {"target", c.target.to_string()},
                         {"from", inference::path_name(e.from)},
                         {"to", inference::path_name(e.to)},
                         {"from_asn", asn_or_null(e.from_asn)},
                         {"to_asn", asn_or_null(e.to_asn)},
                         {"time", e.first_new_time},
                         {"last_old_time", e.last_old_time},
                         {"first_new_time", e.first_new_time},
                         {"last_old_trace_id", e.last_old_trace_id},
                         {"trace_ids", e.trace_ids}};
        std::cout << j.dump() << '\n';
        return;
    }
    std::cout << iso_time(e.first_new_time) << "  " << c.agent << "  " << c.target.to_string()
              << "  CHANGE " << e.from << " -> " << e.to << "  (last on old path "
              << iso_time(e.last_old_time) << ", confirmed by " << e.trace_ids.size()
              << " traces)\n";
}

void print_latency(const classify_options& o, const inference::latency_accumulator& acc) {
    for (const auto& [key, s] : acc.series()) {
        if (o.format == "json") {
            nlohmann::json j{{"kind", "latency"},
                             {"agent", key.agent},
                             {"target", key.target.to_string()},
                             {"path", inference::path_name(key.path)},
                             {"traces", s.traces},
                             {"pings", s.pings},
                             {"end_rtt_ms_mean", s.end_to_end.count
                                                     ? nlohmann::json(s.end_to_end.mean())
                                                     : nlohmann::json(nullptr)},
                             {"border_rtt_ms_mean", s.border.count ? nlohmann::json(s.border.mean())
                                                                   : nlohmann::json(nullptr)},
                             {"loss_ratio", s.loss_ratio()}};
            std::cout << j.dump() << '\n';
        } else {
            char buf[160];
            auto ms = [](const inference::rtt_summary& r) {
                if (r.count == 0) {
                    return std::string("-");
                }
                char b[32];
                std::snprintf(b, sizeof b, "%.1f ms", r.mean());
                return std::string(b);
            };
            std::snprintf(
                buf, sizeof buf,
                "latency  %s  %s  %s  traces %llu pings %llu  e2e %s  border %s  loss %.3f\n",
                key.agent.c_str(), key.target.to_string().c_str(), key.path.c_str(),
                static_cast<unsigned long long>(s.traces), static_cast<unsigned long long>(s.pings),
                ms(s.end_to_end).c_str(), ms(s.border).c_str(), s.loss_ratio());
            std::cout << buf;
        }
    }
}

int run_classify(const classify_options& o) {
    // Configuration edges: unreadable or invalid configuration is fatal (exit 2).
    campaign::campaign_set campaigns;
    asmap::as_map map;
    std::size_t skipped = 0;
    try {
        campaigns = campaign::load_campaigns_files(o.campaigns);
        auto report = [&](const std::string&, const char*, const asmap::load_report& r) {
            for (const auto& e : r.errors) {
                std::cerr << e.where << ": error: " << e.what << '\n';
            }
            if (r.error_count > r.errors.size()) {
                std::cerr << "... " << (r.error_count - r.errors.size()) << " more bad lines\n";
            }
            skipped += r.error_count;
        };
        map = asmap::load_as_map({o.pfx2as, o.iptoasn, o.ixp}, report);
    } catch (const std::exception& e) {
        std::cerr << "tumen-controller classify: " << e.what() << '\n';
        return 2;
    }

    std::vector<result::trace> traces;
    std::vector<result::ping> pings;
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
        std::move(batch.traces.begin(), batch.traces.end(), std::back_inserter(traces));
        std::move(batch.pings.begin(), batch.pings.end(), std::back_inserter(pings));
    }
    // Time order across all files (stable: equal times keep file order).
    std::stable_sort(traces.begin(), traces.end(),
                     [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
    std::stable_sort(pings.begin(), pings.end(),
                     [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });

    inference::classifier cls(campaigns, map, o.k);
    std::size_t unmatched = 0;
    std::size_t verdicts = 0;
    std::size_t changes = 0;
    std::size_t pi = 0;
    for (const auto& t : traces) {
        while (pi < pings.size() && pings[pi].timestamp <= t.timestamp) {
            unmatched += cls.process(pings[pi++]) ? 0 : 1;
        }
        auto out = cls.process(t);
        if (out.verdict) {
            ++verdicts;
            print_verdict(o, *out.verdict);
        } else {
            ++unmatched;
        }
        if (out.change) {
            ++changes;
            print_change(o, *out.change);
        }
    }
    while (pi < pings.size()) {
        unmatched += cls.process(pings[pi++]) ? 0 : 1;
    }
    print_latency(o, cls.latency());
    std::cerr << "classify: " << traces.size() << " traces, " << pings.size() << " pings, "
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
