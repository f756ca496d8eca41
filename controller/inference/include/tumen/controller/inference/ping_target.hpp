#pragma once
/// @file
/// Where an agent's pings toward a target prefix go: an address that answers, chosen from the
/// latest trace of that (agent, target prefix), so that ping loss is loss on the path and not
/// a host that is down. The destination of the trace if it answered; otherwise the last hop
/// that answered at or after the border (the border interface, or a hop inside the target);
/// with neither, no choice (the campaign's own address, as before).
#include <map>
#include <optional>
#include <vector>

#include <tumen/common/campaign/work.hpp>
#include <tumen/common/result.hpp>
#include <tumen/controller/inference/border.hpp>

namespace tumen::controller::inference {

/// The address pings should go to according to trace `t` and its verdict `v`, or nullopt.
std::optional<ipv4_addr> choose_ping_target(const result::trace& t, const border_verdict& v);

/// Points every `ping` work item whose target prefix has an entry in `chosen` at that address
/// (traceroute items keep theirs) and drops the ping items this makes identical (several
/// addresses per prefix). Items of other prefixes are left as they are.
void point_pings(std::vector<campaign::work_item>& work,
                 const std::map<ipv4_prefix, ipv4_addr>& chosen);

} // namespace tumen::controller::inference
