#pragma once
/// @file
/// The `err` field of a traceroute reply, written exactly as RIPE Atlas writes it, and read
/// back (with the letters older tumen versions wrote).
///
/// RIPE Atlas, "Measurement Result Format" (https://atlas.ripe.net/doc/data_struct), traceroute
/// reply fields: `err` is optional and names the ICMP error: "N" network unreachable, "H"
/// destination (host) unreachable, "A" administratively prohibited, "P" protocol unreachable,
/// "p" port unreachable, "h" beyond scope (IPv6 only). The probe firmware that writes it
/// (RIPE-NCC/ripe-atlas-software-probe, probe-busybox/eperd/traceroute.c, ready_callback4)
/// does so, for an IPv4 ICMP destination unreachable (RFC 792 codes 0-5, RFC 1122 3.2.2.1
/// codes 6-12, RFC 1812 5.2.7.1 codes 13-15), as follows:
///   code 0 "N", 1 "H", 2 "P", 13 "A", 3 "p" for ICMP probes and nothing for UDP and TCP
///   probes (to them a port unreachable is the normal end of a trace), 4 no `err` but an
///   `mtu` field, any other code the code itself as a JSON number (`"err":9`).
/// tumen writes "p" for a port unreachable from another address than the destination (for
/// any method: it is not the end of the trace but an unreachable) and nothing when it comes
/// from the destination.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tumen::result {

/// Atlas `err` of an ICMP destination unreachable with `code` (IPv4). `end_of_trace`: the
/// reply is a port unreachable that ends the trace (from the destination itself), which
/// Atlas marks with no `err` at all; empty then. Other codes give "N", "H", "P", "p", "A"
/// or the decimal code ("9"); code 4 gives "4" (Atlas writes an `mtu` field instead, which
/// tumen's result model does not have).
std::string err_of_unreachable(std::uint8_t code, bool end_of_trace);

/// The ICMP unreachable code an `err` names: the Atlas letters ("N" 0, "H" 1, "P" 2, "p" 3,
/// "A" 13), the letters tumen wrote before it followed Atlas ("X" 13, "F" 4, "S" 5, "V" 14,
/// "C" 15) and decimal codes "0".."255". nullopt for anything else (e.g. IPv6's "h").
std::optional<std::uint8_t> code_of_err(std::string_view err) noexcept;

/// True when `err` is a decimal code ("9"): the JSON writer then writes it as a number, as
/// Atlas does.
bool err_is_numeric(std::string_view err) noexcept;

} // namespace tumen::result
