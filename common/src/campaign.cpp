#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include <tumen/common/campaign.hpp>
#include <tumen/common/yaml_reader.hpp>

namespace tumen::campaign {
namespace {

using yaml::yaml_reader;

struct method_name {
    method m;
    std::string_view name;
};
constexpr method_name method_names[] = {{method::udp_paris, "udp-paris"},
                                        {method::icmp_paris, "icmp-paris"},
                                        {method::tcp_syn, "tcp-syn"},
                                        {method::udp, "udp"},
                                        {method::ping, "ping"}};

bool valid_name(std::string_view s) {
    if (s.empty() || s.size() > 64) {
        return false;
    }
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
    });
}

std::uint64_t usable_count(const ipv4_prefix& p) {
    return p.length >= 31 ? p.size() : p.size() - 2;
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
        if (per_node && t.addresses_per_prefix > usable_count(p)) {
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

path_class parse_class(const yaml_reader& y, const YAML::Node& n) {
    path_class c;
    bool have_name = false;
    for (const auto& [key, v] : y.keys(n, {"name", "asns", "prefixes"}, "a class")) {
        if (key == "name") {
            c.name = y.scalar(v, "classes.name");
            if (!valid_name(c.name)) {
                y.fail(v, "classes.name \"" + c.name + "\" must be 1-64 of [A-Za-z0-9._-]");
            }
            if (c.name == "unknown" || c.name == "none") {
                y.fail(v, "classes.name \"" + c.name + "\" is reserved (verdicts use it)");
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

campaign parse_campaign(const yaml_reader& y, const YAML::Node& n) {
    campaign c;
    bool have_name = false;
    bool have_targets = false;
    bool have_methods = false;
    YAML::Node jitter_node;
    YAML::Node first_ttl_node;
    for (const auto& [key, v] :
         y.keys(n,
                {"name", "description", "targets", "classes", "methods", "interval", "jitter",
                 "wait", "attempts", "first_ttl", "max_ttl", "gap_limit", "hops_in_flight", "pps",
                 "udp_port", "tcp_port", "agents"},
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
        } else if (key == "interval") {
            c.params.interval = y.duration(v, "interval");
            if (c.params.interval.count() < 1000) {
                y.fail(v, "interval must be at least 1s");
            }
        } else if (key == "jitter") {
            c.params.jitter = y.duration(v, "jitter");
            jitter_node = v;
        } else if (key == "wait") {
            c.params.wait = y.duration(v, "wait");
            if (c.params.wait.count() < 10 || c.params.wait.count() > 60'000) {
                y.fail(v, "wait must be between 10ms and 60s");
            }
        } else if (key == "attempts") {
            c.params.attempts = static_cast<std::uint32_t>(y.unsigned_int(v, "attempts", 1, 16));
        } else if (key == "first_ttl") {
            c.params.first_ttl = static_cast<std::uint32_t>(y.unsigned_int(v, "first_ttl", 1, 255));
            first_ttl_node = v;
        } else if (key == "max_ttl") {
            c.params.max_ttl = static_cast<std::uint32_t>(y.unsigned_int(v, "max_ttl", 1, 255));
        } else if (key == "gap_limit") {
            c.params.gap_limit = static_cast<std::uint32_t>(y.unsigned_int(v, "gap_limit", 1, 255));
        } else if (key == "hops_in_flight") {
            c.params.hops_in_flight =
                static_cast<std::uint32_t>(y.unsigned_int(v, "hops_in_flight", 1, 32));
        } else if (key == "pps") {
            c.params.pps = y.positive_number(v, "pps", 100'000);
        } else if (key == "udp_port") {
            c.params.udp_port = static_cast<std::uint16_t>(y.unsigned_int(v, "udp_port", 1, 65535));
        } else if (key == "tcp_port") {
            c.params.tcp_port = static_cast<std::uint16_t>(y.unsigned_int(v, "tcp_port", 1, 65535));
        } else if (key == "agents") {
            c.agents = parse_agents(y, v);
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
    if (jitter_node && c.params.jitter >= c.params.interval) {
        y.fail(jitter_node, "jitter must be shorter than interval");
    }
    if (first_ttl_node && c.params.first_ttl > c.params.max_ttl) {
        y.fail(first_ttl_node, "first_ttl must not exceed max_ttl");
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

const char* to_string(method m) noexcept {
    for (const auto& e : method_names) {
        if (e.m == m) {
            return e.name.data();
        }
    }
    return "udp-paris";
}

std::optional<method> parse_method(std::string_view text) noexcept {
    for (const auto& e : method_names) {
        if (e.name == text) {
            return e.m;
        }
    }
    return std::nullopt;
}

bool agent_selector::matches(std::string_view agent,
                             const std::vector<std::string>& agent_labels) const {
    if (all) {
        return true;
    }
    if (std::find(names.begin(), names.end(), agent) != names.end()) {
        return true;
    }
    for (const auto& l : agent_labels) {
        if (std::find(labels.begin(), labels.end(), l) != labels.end()) {
            return true;
        }
    }
    return false;
}

std::optional<ipv4_prefix> campaign::target_prefix_of(ipv4_addr addr) const {
    std::optional<ipv4_prefix> best;
    for (const auto& p : targets.prefixes) {
        if (p.contains(addr) && (!best || p.length > best->length)) {
            best = p;
        }
    }
    return best;
}

const path_class* campaign::class_by_prefix(ipv4_addr addr) const {
    const path_class* best = nullptr;
    int best_len = -1;
    for (const auto& c : classes) {
        for (const auto& p : c.prefixes) {
            if (p.contains(addr) && p.length > best_len) {
                best = &c;
                best_len = p.length;
            }
        }
    }
    return best;
}

const path_class* campaign::class_by_asn(std::uint32_t asn) const {
    for (const auto& c : classes) {
        if (std::find(c.asns.begin(), c.asns.end(), asn) != c.asns.end()) {
            return &c;
        }
    }
    return nullptr;
}

const campaign* campaign_set::find(std::string_view name) const {
    for (const auto& c : campaigns) {
        if (c.name == name) {
            return &c;
        }
    }
    return nullptr;
}

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

ipv4_addr address_for_round(const ipv4_prefix& prefix, std::uint32_t per_prefix, bool rotate,
                            std::uint64_t round, std::uint32_t slot) {
    const std::uint64_t usable = usable_count(prefix);
    const std::uint64_t first = prefix.length >= 31 ? 0 : 1;
    const std::uint64_t start = rotate ? (round * per_prefix) % usable : 0;
    return prefix.at(first + (start + slot) % usable);
}

std::vector<work_item> compute_work(const campaign_set& set, std::string_view agent,
                                    const std::vector<std::string>& labels, std::uint64_t round) {
    std::vector<work_item> out;
    for (const auto& c : set.campaigns) {
        if (!c.agents.matches(agent, labels)) {
            continue;
        }
        for (const auto& p : c.targets.prefixes) {
            std::vector<ipv4_addr> addrs;
            for (std::uint32_t s = 0; s < c.targets.addresses_per_prefix; ++s) {
                addrs.push_back(address_for_round(p, c.targets.addresses_per_prefix,
                                                  c.targets.rotate, round, s));
            }
            for (auto a : c.targets.addresses) {
                if (p.contains(a) && std::find(addrs.begin(), addrs.end(), a) == addrs.end()) {
                    addrs.push_back(a);
                }
            }
            for (auto a : addrs) {
                for (auto m : c.methods) {
                    out.push_back(work_item{c.name, p, a, m, c.params});
                }
            }
        }
    }
    return out;
}

nlohmann::json to_json(const work_item& w) {
    return nlohmann::json{{"campaign", w.campaign},
                          {"target_prefix", w.target_prefix.to_string()},
                          {"address", w.address.to_string()},
                          {"method", to_string(w.how)},
                          {"interval_ms", w.params.interval.count()},
                          {"jitter_ms", w.params.jitter.count()},
                          {"wait_ms", w.params.wait.count()},
                          {"attempts", w.params.attempts},
                          {"first_ttl", w.params.first_ttl},
                          {"max_ttl", w.params.max_ttl},
                          {"gap_limit", w.params.gap_limit},
                          {"hops_in_flight", w.params.hops_in_flight},
                          {"pps", w.params.pps},
                          {"udp_port", w.params.udp_port},
                          {"tcp_port", w.params.tcp_port}};
}

parsed<work_item> parse_work_item(const nlohmann::json& j) {
    if (!j.is_object()) {
        return parse_error{"", "expected a JSON object"};
    }
    work_item w;
    auto str = [&](const char* key, std::string& out) -> std::optional<parse_error> {
        auto it = j.find(key);
        if (it == j.end() || !it->is_string()) {
            return parse_error{key, "missing or not a string"};
        }
        out = it->get<std::string>();
        return std::nullopt;
    };
    auto uint = [&](const char* key, std::uint64_t hi,
                    std::uint64_t& out) -> std::optional<parse_error> {
        auto it = j.find(key);
        if (it == j.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0) {
            return parse_error{key, "missing or not a non-negative integer"};
        }
        out = it->get<std::uint64_t>();
        if (out > hi) {
            return parse_error{key, "out of range"};
        }
        return std::nullopt;
    };
    std::string prefix, address, how;
    if (auto e = str("campaign", w.campaign)) {
        return *e;
    }
    if (auto e = str("target_prefix", prefix)) {
        return *e;
    }
    if (auto e = str("address", address)) {
        return *e;
    }
    if (auto e = str("method", how)) {
        return *e;
    }
    auto p = ipv4_prefix::parse(prefix, true);
    if (!p) {
        return parse_error{"target_prefix", "not an IPv4 prefix: " + prefix};
    }
    auto a = ipv4_addr::parse(address);
    if (!a || !p->contains(*a)) {
        return parse_error{"address", "not an IPv4 address inside target_prefix: " + address};
    }
    auto m = parse_method(how);
    if (!m) {
        return parse_error{"method", "unknown method: " + how};
    }
    w.target_prefix = *p;
    w.address = *a;
    w.how = *m;
    std::uint64_t v = 0;
    const std::uint64_t day_ms = 365ull * 24 * 3600 * 1000;
    if (auto e = uint("interval_ms", day_ms, v)) {
        return *e;
    }
    w.params.interval = std::chrono::milliseconds(v);
    if (auto e = uint("jitter_ms", day_ms, v)) {
        return *e;
    }
    w.params.jitter = std::chrono::milliseconds(v);
    if (auto e = uint("wait_ms", 60'000, v)) {
        return *e;
    }
    w.params.wait = std::chrono::milliseconds(v);
    if (auto e = uint("attempts", 16, v)) {
        return *e;
    }
    w.params.attempts = static_cast<std::uint32_t>(v);
    if (auto e = uint("first_ttl", 255, v)) {
        return *e;
    }
    w.params.first_ttl = static_cast<std::uint32_t>(v);
    if (auto e = uint("max_ttl", 255, v)) {
        return *e;
    }
    w.params.max_ttl = static_cast<std::uint32_t>(v);
    if (auto e = uint("gap_limit", 255, v)) {
        return *e;
    }
    w.params.gap_limit = static_cast<std::uint32_t>(v);
    // Optional (absent from work items of controllers before it existed): 1, one at a time.
    if (j.contains("hops_in_flight")) {
        if (auto e = uint("hops_in_flight", 32, v)) {
            return *e;
        }
        if (v == 0) {
            return parse_error{"hops_in_flight", "out of range"};
        }
        w.params.hops_in_flight = static_cast<std::uint32_t>(v);
    }
    if (auto e = uint("udp_port", 65535, v)) {
        return *e;
    }
    w.params.udp_port = static_cast<std::uint16_t>(v);
    if (auto e = uint("tcp_port", 65535, v)) {
        return *e;
    }
    w.params.tcp_port = static_cast<std::uint16_t>(v);
    auto pps = j.find("pps");
    if (pps == j.end() || !pps->is_number() || !(pps->get<double>() > 0)) {
        return parse_error{"pps", "missing or not a positive number"};
    }
    w.params.pps = pps->get<double>();
    return w;
}

} // namespace tumen::campaign
