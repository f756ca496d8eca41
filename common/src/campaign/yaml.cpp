#include <algorithm>
#include <array>
#include <fstream>
#include <limits>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include <tumen/common/campaign/work.hpp>
#include <tumen/common/campaign/yaml.hpp>
#include <tumen/common/yaml_reader.hpp>

namespace tumen::campaign {
namespace {

using yaml::yaml_reader;

bool valid_name(std::string_view s) {
    if (s.empty() || s.size() > 64) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
    });
}

target_set parse_targets(const yaml_reader& y, const YAML::Node& n) {
    target_set t;
    bool have_asn = false;
    YAML::Node per_node;
    for (const auto& [key, v] :
         y.keys(n, {"asn", "prefixes", "addresses_per_prefix", "rotate", "addresses"}, "targets")) {
        if (key == "asn") {
            t.asn = y.asn(v, "targets.asn");
            have_asn = true;
        } else if (key == "prefixes") {
            for (const auto& e : y.list(v, "targets.prefixes")) {
                auto p = y.prefix(e, "targets.prefixes");
                for (const auto& q : t.prefixes) {
                    if (q.contains(p) || p.contains(q)) {
                        y.fail(e,
                               "targets.prefixes: " + p.to_string() + " overlaps " + q.to_string());
                    }
                }
                t.prefixes.push_back(p);
            }
            if (t.prefixes.empty()) {
                y.fail(v, "targets.prefixes must list at least one prefix");
            }
        } else if (key == "addresses_per_prefix") {
            t.addresses_per_prefix = static_cast<std::uint32_t>(
                y.unsigned_int(v, "targets.addresses_per_prefix", 1, 256));
            per_node = v;
        } else if (key == "rotate") {
            t.rotate = y.boolean(v, "targets.rotate");
        } else if (key == "addresses") {
            for (const auto& e : y.list(v, "targets.addresses")) {
                t.addresses.push_back(y.address(e, "targets.addresses"));
            }
        }
    }
    if (!have_asn) {
        y.fail(n, "targets: missing required key \"asn\"");
    }
    if (t.prefixes.empty()) {
        y.fail(n, "targets: missing required key \"prefixes\"");
    }
    for (const auto& p : t.prefixes) {
        if (per_node && t.addresses_per_prefix > usable_addresses(p)) {
            y.fail(per_node,
                   "targets.addresses_per_prefix exceeds the usable addresses of " + p.to_string());
        }
    }
    if (n["addresses"]) {
        std::size_t i = 0;
        for (const auto& a : t.addresses) {
            bool inside = std::any_of(t.prefixes.begin(), t.prefixes.end(),
                                      [&](const ipv4_prefix& p) { return p.contains(a); });
            if (!inside) {
                y.fail(n["addresses"][i],
                       "targets.addresses: " + a.to_string() + " is not inside any target prefix");
            }
            ++i;
        }
    }
    return t;
}

/// Names verdicts give paths themselves: "none", "other", "AS<number>" (in any case), and
/// "unknown" (transits in no class, before they were named by their AS).
bool reserved_class_name(const std::string& name) {
    const bool as_number =
        name.size() > 2 && (name[0] == 'A' || name[0] == 'a') &&
        (name[1] == 'S' || name[1] == 's') &&
        std::all_of(name.begin() + 2, name.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    return as_number || name == "none" || name == "other" || name == "unknown";
}

path_class parse_class(const yaml_reader& y, const YAML::Node& n) {
    path_class c;
    bool have_name = false;
    for (const auto& [key, v] : y.keys(n, {"name", "asns", "prefixes"}, "a class")) {
        if (key == "name") {
            c.name = y.scalar(v, "classes.name");
            if (!valid_name(c.name)) {
                y.fail(v, "classes.name \"" + c.name + "\" must be 1-64 of [A-Za-z0-9._-]");
            }
            if (reserved_class_name(c.name)) {
                y.fail(v, "classes.name \"" + c.name +
                              "\" is reserved (verdicts use none, other and AS<number>)");
            }
            have_name = true;
        } else if (key == "asns") {
            for (const auto& e : y.list(v, "classes.asns")) {
                auto a = y.asn(e, "classes.asns");
                if (std::find(c.asns.begin(), c.asns.end(), a) != c.asns.end()) {
                    y.fail(e, "classes.asns: AS" + std::to_string(a) + " listed twice");
                }
                c.asns.push_back(a);
            }
        } else if (key == "prefixes") {
            for (const auto& e : y.list(v, "classes.prefixes")) {
                auto p = y.prefix(e, "classes.prefixes");
                if (std::find(c.prefixes.begin(), c.prefixes.end(), p) != c.prefixes.end()) {
                    y.fail(e, "classes.prefixes: " + p.to_string() + " listed twice");
                }
                c.prefixes.push_back(p);
            }
        }
    }
    if (!have_name) {
        y.fail(n, "a class needs a \"name\"");
    }
    if (c.asns.empty() && c.prefixes.empty()) {
        y.fail(n, "class \"" + c.name + "\" needs at least one of \"asns\" or \"prefixes\"");
    }
    return c;
}

agent_selector parse_agents(const yaml_reader& y, const YAML::Node& n) {
    agent_selector s;
    s.all = false;
    if (n.IsScalar()) {
        if (n.Scalar() != "all") {
            y.fail(n, "agents must be \"all\" or a mapping with names and/or labels");
        }
        s.all = true;
        return s;
    }
    for (const auto& [key, v] : y.keys(n, {"names", "labels"}, "agents")) {
        auto& out = key == "names" ? s.names : s.labels;
        for (const auto& e : y.list(v, "agents." + key)) {
            auto name = y.scalar(e, "agents." + key);
            if (!valid_name(name)) {
                y.fail(e, "agents." + key + ": \"" + name + "\" must be 1-64 of [A-Za-z0-9._-]");
            }
            if (std::find(out.begin(), out.end(), name) != out.end()) {
                y.fail(e, "agents." + key + ": \"" + name + "\" listed twice");
            }
            out.push_back(name);
        }
    }
    if (s.names.empty() && s.labels.empty()) {
        y.fail(n, "agents: give names and/or labels (or write `agents: all`)");
    }
    return s;
}

/// The YAML node of each probe parameter given in a campaign (indexed by `param`), so that
/// validate()'s verdict points at the offending value.
using param_node_table = std::array<YAML::Node, static_cast<std::size_t>(param::tcp_port) + 1>;

/// The probe parameters by the type of their member (for read_param).
struct duration_member {
    param which;
    std::chrono::milliseconds probe_params::*member;
};
constexpr duration_member duration_members[] = {
    {param::interval, &probe_params::interval},
    {param::jitter, &probe_params::jitter},
    {param::wait, &probe_params::wait},
    {param::watch_interval, &probe_params::watch_interval}};
struct count_member {
    param which;
    std::uint32_t probe_params::*member;
};
constexpr count_member count_members[] = {{param::attempts, &probe_params::attempts},
                                          {param::first_ttl, &probe_params::first_ttl},
                                          {param::max_ttl, &probe_params::max_ttl},
                                          {param::gap_limit, &probe_params::gap_limit},
                                          {param::hops_in_flight, &probe_params::hops_in_flight}};
struct port_member {
    param which;
    std::uint16_t probe_params::*member;
};
constexpr port_member port_members[] = {{param::udp_port, &probe_params::udp_port},
                                        {param::tcp_port, &probe_params::tcp_port}};

/// Reads one probe parameter (its type and the range of its C++ type); validate() checks
/// the limits afterwards, for YAML and JSON alike.
void read_param(const yaml_reader& y, const std::string& key, const YAML::Node& v, probe_params& p,
                param_node_table& nodes) {
    auto mark = [&](param which) { nodes[static_cast<std::size_t>(which)] = v; };
    for (const auto& d : duration_members) {
        if (key == yaml_key(d.which)) {
            p.*d.member = y.duration(v, key);
            return mark(d.which);
        }
    }
    for (const auto& c : count_members) {
        if (key == yaml_key(c.which)) {
            p.*c.member = static_cast<std::uint32_t>(
                y.unsigned_int(v, key, 0, std::numeric_limits<std::uint32_t>::max()));
            return mark(c.which);
        }
    }
    for (const auto& q : port_members) {
        if (key == yaml_key(q.which)) {
            p.*q.member = static_cast<std::uint16_t>(y.unsigned_int(v, key, 0, 65535));
            return mark(q.which);
        }
    }
    if (key == yaml_key(param::pps)) {
        p.pps = y.positive_number(v, key, limits::pps_max);
        mark(param::pps);
    }
    if (key == yaml_key(param::stale_after)) {
        p.stale_after = y.duration(v, key);
        mark(param::stale_after);
    }
}

campaign parse_campaign(const yaml_reader& y, const YAML::Node& n) {
    campaign c;
    bool have_name = false;
    bool have_targets = false;
    bool have_methods = false;
    param_node_table param_nodes;
    for (const auto& [key, v] :
         y.keys(n,
                {"name", "description", "targets", "classes", "methods", "interval", "jitter",
                 "wait", "watch_interval", "attempts", "first_ttl", "max_ttl", "gap_limit",
                 "hops_in_flight", "pps", "udp_port", "tcp_port", "agents", "stale_after"},
                "a campaign")) {
        if (key == "name") {
            c.name = y.scalar(v, "name");
            if (!valid_name(c.name)) {
                y.fail(v, "name \"" + c.name + "\" must be 1-64 of [A-Za-z0-9._-]");
            }
            have_name = true;
        } else if (key == "description") {
            c.description = y.scalar(v, "description");
        } else if (key == "targets") {
            c.targets = parse_targets(y, v);
            have_targets = true;
        } else if (key == "classes") {
            for (const auto& e : y.list(v, "classes")) {
                auto pc = parse_class(y, e);
                for (const auto& other : c.classes) {
                    if (other.name == pc.name) {
                        y.fail(e, "duplicate class name \"" + pc.name + "\"");
                    }
                    for (auto a : pc.asns) {
                        if (std::find(other.asns.begin(), other.asns.end(), a) !=
                            other.asns.end()) {
                            y.fail(e, "AS" + std::to_string(a) + " is in classes \"" + other.name +
                                          "\" and \"" + pc.name + "\"");
                        }
                    }
                    for (auto p : pc.prefixes) {
                        for (auto q : other.prefixes) {
                            if (p.contains(q) || q.contains(p)) {
                                y.fail(e, "prefix " + p.to_string() + " of class \"" + pc.name +
                                              "\" overlaps " + q.to_string() + " of class \"" +
                                              other.name + "\"");
                            }
                        }
                    }
                }
                c.classes.push_back(std::move(pc));
            }
        } else if (key == "methods") {
            for (const auto& e : y.list(v, "methods")) {
                auto text = y.scalar(e, "methods");
                auto m = parse_method(text);
                if (!m) {
                    y.fail(e, "methods: unknown method \"" + text +
                                  "\" (udp-paris, icmp-paris, tcp-syn, udp, ping)");
                }
                if (std::find(c.methods.begin(), c.methods.end(), *m) != c.methods.end()) {
                    y.fail(e, "methods: \"" + text + "\" listed twice");
                }
                c.methods.push_back(*m);
            }
            if (c.methods.empty()) {
                y.fail(v, "methods must list at least one method");
            }
            have_methods = true;
        } else if (key == "agents") {
            c.agents = parse_agents(y, v);
        } else {
            read_param(y, key, v, c.params, param_nodes);
        }
    }
    if (!have_name) {
        y.fail(n, "a campaign needs a \"name\"");
    }
    if (!have_targets) {
        y.fail(n, "campaign \"" + c.name + "\" needs \"targets\"");
    }
    if (!have_methods) {
        y.fail(n, "campaign \"" + c.name + "\" needs \"methods\"");
    }
    if (auto problem = validate(c.params)) {
        const YAML::Node& at = param_nodes[static_cast<std::size_t>(problem->field)];
        y.fail(at ? at : n, problem->what);
    }
    for (const auto& pc : c.classes) {
        if (std::find(pc.asns.begin(), pc.asns.end(), c.targets.asn) != pc.asns.end()) {
            y.fail(n["classes"],
                   "class \"" + pc.name + "\" lists the target AS" + std::to_string(c.targets.asn));
        }
    }
    return c;
}

} // namespace

campaign_error::campaign_error(std::string file, int line, int column, const std::string& what)
    : std::runtime_error(
          file +
          (line > 0 ? ":" + std::to_string(line) + ":" + std::to_string(column) : std::string()) +
          ": " + what)
    , file_(std::move(file))
    , line_(line)
    , column_(column) {}

campaign_set parse_campaigns(std::string_view yaml_text, const std::string& source) {
    try {
        const YAML::Node root = yaml::load(yaml_text, source);
        yaml_reader y(source);
        if (!root || root.IsNull()) {
            throw campaign_error(source, 0, 0,
                                 "empty file (expected a mapping with \"campaigns\")");
        }
        campaign_set set;
        auto top = y.keys(root, {"campaigns"}, "the top level");
        if (top.empty()) {
            y.fail(root, "missing \"campaigns\"");
        }
        for (const auto& e : y.list(top[0].second, "campaigns")) {
            auto c = parse_campaign(y, e);
            if (set.find(c.name)) {
                y.fail(e, "duplicate campaign name \"" + c.name + "\"");
            }
            set.campaigns.push_back(std::move(c));
        }
        return set;
    } catch (const yaml::yaml_error& e) {
        throw campaign_error(e.source(), e.line(), e.column(), e.message());
    } catch (const YAML::Exception& e) {
        // Defensive: yaml-cpp conversion errors carry a mark too.
        throw campaign_error(source, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                             e.mark.column >= 0 ? e.mark.column + 1 : 0, e.msg);
    }
}

campaign_set load_campaigns_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw campaign_error(path, 0, 0, "cannot open campaign file");
    }
    std::ostringstream buf;
    buf << in.rdbuf();
    if (in.bad()) {
        throw campaign_error(path, 0, 0, "read error");
    }
    return parse_campaigns(buf.str(), path);
}

campaign_set load_campaigns_files(const std::vector<std::string>& paths) {
    campaign_set all;
    for (const auto& p : paths) {
        auto one = load_campaigns_file(p);
        for (auto& c : one.campaigns) {
            if (all.find(c.name)) {
                throw campaign_error(
                    p, 0, 0, "campaign \"" + c.name + "\" is already defined in another file");
            }
            all.campaigns.push_back(std::move(c));
        }
    }
    return all;
}

parsed<campaign_set> try_parse_campaigns(std::string_view yaml_text, const std::string& source) {
    try {
        return parse_campaigns(yaml_text, source);
    } catch (const campaign_error& e) {
        std::string where = e.file();
        if (e.line() > 0) {
            where += ":" + std::to_string(e.line()) + ":" + std::to_string(e.column());
        }
        std::string what = e.what();
        what = what.substr(std::min(what.size(), where.size() + 2));
        return parse_error{where, what};
    } catch (const std::exception& e) {
        return parse_error{source, e.what()};
    }
}

} // namespace tumen::campaign
