// Campaign YAML for drafted campaigns, in the layout of schedules/*.yaml (flow-style lists).
#include "campaign_yaml_writer.hpp"

#include <stdexcept>

namespace tumen::controller::tool {
namespace {

/// The keys the writer leaves out must hold their parser defaults.
void check_writable(const campaign::campaign& c) {
    const campaign::target_set defaults;
    const bool plain_targets = c.targets.addresses.empty() &&
                               c.targets.addresses_per_prefix == defaults.addresses_per_prefix &&
                               c.targets.rotate == defaults.rotate;
    const bool all_agents = c.agents.all && c.agents.names.empty() && c.agents.labels.empty();
    if (!c.description.empty() || !plain_targets || !all_agents ||
        !(c.params == campaign::probe_params{})) {
        throw std::invalid_argument("campaign \"" + c.name +
                                    "\" sets keys the campaign draft writer does not write");
    }
}

/// "[a, b, c]" of anything `put` can write.
template <typename T, typename Put>
void flow_list(std::ostream& out, const std::vector<T>& items, Put put) {
    out << '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
        out << (i == 0 ? "" : ", ");
        put(items[i]);
    }
    out << ']';
}

void write_class(std::ostream& out, const campaign::path_class& pc) {
    out << "      - {name: " << pc.name;
    if (!pc.asns.empty()) {
        out << ", asns: ";
        flow_list(out, pc.asns, [&](std::uint32_t a) { out << a; });
    }
    if (!pc.prefixes.empty()) {
        out << ", prefixes: ";
        flow_list(out, pc.prefixes, [&](const ipv4_prefix& p) { out << p.to_string(); });
    }
    out << "}\n";
}

void write_campaign(std::ostream& out, const campaign::campaign& c) {
    out << "  - name: " << c.name << '\n';
    out << "    targets: {asn: " << c.targets.asn << ", prefixes: ";
    flow_list(out, c.targets.prefixes, [&](const ipv4_prefix& p) { out << p.to_string(); });
    out << "}\n";
    if (!c.classes.empty()) {
        out << "    classes:\n";
        for (const auto& pc : c.classes) {
            write_class(out, pc);
        }
    }
    out << "    methods: ";
    flow_list(out, c.methods, [&](campaign::method m) { out << campaign::to_string(m); });
    out << '\n';
}

} // namespace

void write_campaigns_yaml(std::ostream& out, const campaign::campaign_set& set,
                          const std::vector<std::string>& comment) {
    for (const auto& c : set.campaigns) {
        check_writable(c);
    }
    for (const auto& line : comment) {
        out << (line.empty() ? "#" : "# " + line) << '\n';
    }
    if (set.campaigns.empty()) {
        out << "campaigns: []\n";
        return;
    }
    out << "campaigns:\n";
    for (const auto& c : set.campaigns) {
        write_campaign(out, c);
    }
}

} // namespace tumen::controller::tool
