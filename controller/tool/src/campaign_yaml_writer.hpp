#pragma once
// Private: writes drafted campaigns as campaign YAML (docs/campaign-schema.md) that the one
// campaign parser (tumen/common/campaign/yaml.hpp) reads back to the same campaigns.
#include <ostream>
#include <string>
#include <vector>

#include <tumen/common/campaign/model.hpp>

namespace tumen::controller::tool {

/// Writes `set` in flow style, one campaign after another: name, targets (asn, prefixes),
/// classes (name, asns, prefixes) and methods, after `comment` lines (each prefixed "# ").
/// Only those keys are written: a campaign with any other field set (description,
/// target addresses or rotation, probe parameters, agents) would not round-trip and is
/// rejected with std::invalid_argument before anything is written.
void write_campaigns_yaml(std::ostream& out, const campaign::campaign_set& set,
                          const std::vector<std::string>& comment = {});

} // namespace tumen::controller::tool
