#pragma once
// Private: drafting campaigns from the destinations of existing traces (Atlas, scamper, text
// traceroute), for `tumen-controller draft-campaigns`: one campaign per destination AS.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <tumen/common/campaign/model.hpp>
#include <tumen/common/ipv4.hpp>
#include <tumen/controller/asmap/as_map.hpp>

namespace tumen::controller::tool {

/// What every drafted campaign gets besides its targets.
struct draft_rules {
    /// Path classes of every campaign; a campaign's own AS is taken out of them (the campaign
    /// parser rejects a class listing the target AS) and a class left empty is dropped.
    std::vector<campaign::path_class> classes;
    std::vector<campaign::method> methods;
    /// Destinations originated by these ASes are left out (e.g. covered by another file).
    std::vector<std::uint32_t> exclude_asns;
    /// Each destination contributes its covering prefix of this length.
    std::uint8_t prefix_length = 24;
};

/// The drafted campaigns and what was left out.
struct campaign_draft {
    campaign::campaign_set set;
    std::size_t destinations = 0; ///< distinct destination addresses seen
    std::size_t unmapped = 0;     ///< no origin AS in the map (incl. special-purpose space)
    std::size_t ixp = 0;          ///< on an IXP peering LAN: no destination network
    std::size_t excluded = 0;     ///< in an AS of `exclude_asns`
};

/// Groups `destinations` by origin AS (the first origin the map gives; duplicates ignored):
/// one campaign per AS, named "as<N>", in ASN order, targeting the distinct covering
/// prefixes of its destinations in address order, with `rules`' classes and methods.
campaign_draft draft_campaigns(const std::vector<ipv4_addr>& destinations, const asmap::as_map& map,
                               const draft_rules& rules);

} // namespace tumen::controller::tool
