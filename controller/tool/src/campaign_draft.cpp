// Drafting campaigns from trace destinations: group by origin AS, one campaign per AS.
#include "campaign_draft.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace tumen::controller::tool {
namespace {

/// `classes` without `asn`; classes left with neither AS nor prefix are dropped.
std::vector<campaign::path_class> classes_without(const std::vector<campaign::path_class>& classes,
                                                  std::uint32_t asn) {
    std::vector<campaign::path_class> out;
    for (auto c : classes) {
        std::erase(c.asns, asn);
        if (!c.asns.empty() || !c.prefixes.empty()) {
            out.push_back(std::move(c));
        }
    }
    return out;
}

} // namespace

campaign_draft draft_campaigns(const std::vector<ipv4_addr>& destinations, const asmap::as_map& map,
                               const draft_rules& rules) {
    campaign_draft d;
    const std::set<ipv4_addr> distinct(destinations.begin(), destinations.end());
    d.destinations = distinct.size();
    std::map<std::uint32_t, std::set<ipv4_prefix>> by_as; // ordered: ASN, then address
    for (const auto addr : distinct) {
        const auto info = map.lookup(addr);
        if (info.ixp != 0) {
            ++d.ixp;
        } else if (!info.mapped()) {
            ++d.unmapped;
        } else if (std::ranges::find(rules.exclude_asns, info.asn) != rules.exclude_asns.end()) {
            ++d.excluded;
        } else {
            by_as[info.asn].insert(ipv4_prefix(addr, rules.prefix_length));
        }
    }
    for (const auto& [asn, prefixes] : by_as) {
        campaign::campaign c;
        c.name = "as" + std::to_string(asn);
        c.targets.asn = asn;
        c.targets.prefixes.assign(prefixes.begin(), prefixes.end());
        c.classes = classes_without(rules.classes, asn);
        c.methods = rules.methods;
        d.set.campaigns.push_back(std::move(c));
    }
    return d;
}

} // namespace tumen::controller::tool
