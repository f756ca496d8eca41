#pragma once
/// @file
/// IP -> AS by longest-prefix match. Sources: CAIDA pfx2as (plain or gzip; multi-origin
/// "a_b" and AS sets "a,b"), iptoasn TSV ranges, explicit prefixes, IXP peering LANs (CAIDA
/// ixs jsonl, ripe-atlas-monitor ixps json) and built-in special-purpose space.
///
/// The table is flattened into disjoint address ranges (each holding the most specific
/// prefix's value) plus a 65,536-entry index on the top 16 bits, so a lookup is one table
/// read and a short binary search.
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/parse_error.hpp>

namespace tumen::controller::asmap {

/// Special-purpose IPv4 space (RFC 6890 registry). 198.18.0.0/15 (RFC 2544 benchmarking)
/// and the RFC 5737 documentation ranges are deliberately NOT special: the lab uses them as
/// public space.
enum class special_space : std::uint8_t {
    none,         ///< ordinary (public) address
    private_use,  ///< RFC 1918: 10/8, 172.16/12, 192.168/16
    shared,       ///< RFC 6598: 100.64/10 (carrier-grade NAT)
    loopback,     ///< RFC 1122: 127/8
    link_local,   ///< RFC 3927: 169.254/16
    this_network, ///< RFC 1122: 0/8
    multicast,    ///< RFC 5771: 224/4
    reserved,     ///< RFC 1112: 240/4 (incl. 255.255.255.255)
};
/// "private", "shared", ... ; "public" for none.
const char* to_string(special_space s) noexcept;
/// Classifies `a` against the special-purpose ranges above.
special_space special_space_of(ipv4_addr a) noexcept;

/// Result of one lookup.
struct as_info {
    std::uint32_t asn = 0;        ///< first origin AS; 0 when unmapped
    std::uint32_t origin_set = 0; ///< index for as_map::origins(); 0 when unmapped
    std::uint32_t ixp = 0;        ///< index for as_map::ixp_name(); 0 when not an IXP LAN
    special_space special = special_space::none;
    bool multi_origin = false;      ///< pfx2as "a_b": several ASes originate the prefix
    bool as_set = false;            ///< pfx2as "a,b": an AS set
    std::uint8_t prefix_length = 0; ///< length of the matched prefix (when mapped)

    bool mapped() const noexcept { return asn != 0; }
};

/// A data set that went into the map (recorded for the API and reports).
struct dataset {
    std::string path;
    std::string kind; ///< "pfx2as", "iptoasn", "ixp", "manual"
    std::string date; ///< YYYY-MM-DD from the file name or contents, or empty
    std::size_t entries = 0;
};

/// What happened while loading one file. Bad lines are listed (at most `max_errors` kept,
/// `error_count` counts all); good lines are kept.
struct load_report {
    std::size_t lines = 0;
    std::size_t entries = 0;
    std::size_t skipped = 0; ///< well-formed but not used (IPv6, AS 0, comments)
    std::size_t error_count = 0;
    std::vector<parse_error> errors; ///< where = "file:line"
    static constexpr std::size_t max_errors = 100;
};

/// Thrown only when a file cannot be opened or read at all (a start-up edge).
class asmap_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class as_map;

/// Collects prefixes, then builds an immutable as_map. Later additions win over earlier
/// ones for the same prefix.
class as_map_builder {
public:
    /// CAIDA pfx2as: "prefix<TAB>length<TAB>origins" per line; origins "a", "a_b" (multi
    /// origin) or "a,b" (AS set), possibly combined ("a_b,c").
    load_report add_pfx2as_file(const std::string& path);
    /// Same format, from text (`source` names it in errors).
    load_report add_pfx2as_text(std::string_view text, const std::string& source);
    /// iptoasn TSV: "range_start<TAB>range_end<TAB>AS<TAB>country<TAB>description"; AS 0
    /// (not routed) and IPv6 lines are skipped.
    load_report add_iptoasn_file(const std::string& path);
    /// IXP peering LANs: CAIDA ixs jsonl ("prefixes": {"ipv4": [...]}) or
    /// ripe-atlas-monitor json ({"Data": {prefix: {"name": ...}}}); detected from content.
    load_report add_ixp_file(const std::string& path);
    /// One prefix with its origins (e.g. from a campaign or a test).
    void add_prefix(ipv4_prefix p, std::vector<std::uint32_t> origins, bool as_set = false);
    /// One IXP LAN.
    void add_ixp_prefix(ipv4_prefix p, std::string name);

    /// Builds the map (consumes the builder).
    as_map build();

private:
    struct entry {
        ipv4_prefix prefix;
        std::uint32_t value; // origin set index, or ixp index
    };
    std::uint32_t intern_origins(std::vector<std::uint32_t> asns, bool moas, bool as_set);
    void parse_pfx2as_line(std::string_view line, const std::string& where, load_report& r);

    std::vector<entry> as_entries_;
    std::vector<entry> ixp_entries_;
    struct origin_set {
        std::vector<std::uint32_t> asns;
        bool multi_origin = false;
        bool as_set = false;
    };
    std::vector<origin_set> origin_sets_{origin_set{}}; // index 0 = unmapped
    std::map<std::tuple<std::vector<std::uint32_t>, bool, bool>, std::uint32_t> intern_;
    std::vector<std::uint32_t> single_; // ASN -> origin set index for single-AS sets
    std::vector<std::string> ixp_names_{std::string()}; // index 0 = not an IXP
    std::vector<dataset> datasets_;
    friend class as_map;
};

/// Immutable IP -> AS map. Cheap lookups, safe to share between threads once built.
class as_map {
public:
    as_map() = default;

    /// Longest-prefix match plus IXP and special-space flags. Never fails.
    as_info lookup(ipv4_addr a) const noexcept;
    /// All origin ASes of an origin set (as_info::origin_set).
    const std::vector<std::uint32_t>& origins(std::uint32_t origin_set) const noexcept;
    /// Name of an IXP (as_info::ixp); empty for 0.
    const std::string& ixp_name(std::uint32_t ixp) const noexcept;
    /// Data sets loaded, in load order.
    const std::vector<dataset>& datasets() const noexcept { return datasets_; }
    /// Number of disjoint ranges in the AS table (for reports and benchmarks).
    std::size_t range_count() const noexcept { return as_.starts.size(); }
    /// Number of prefixes that went in.
    std::size_t prefix_count() const noexcept { return prefix_count_; }
    /// Approximate heap memory held, in bytes.
    std::size_t memory_bytes() const noexcept;

private:
    friend class as_map_builder;
    struct range_table {
        static constexpr unsigned value_bits = 26; // value | length << 26 in `packed`
        std::vector<std::uint32_t> starts;         // sorted range starts
        std::vector<std::uint32_t> packed;         // value (0 = none) and matched prefix length
        std::vector<std::uint32_t> index;          // 65537 entries: first range per /16 block
        std::uint32_t find(std::uint32_t addr, std::uint8_t* length) const noexcept;
    };
    static range_table flatten(std::vector<as_map_builder::entry> entries);

    range_table as_;
    range_table ixp_;
    std::vector<as_map_builder::origin_set> origin_sets_;
    std::vector<std::string> ixp_names_;
    std::vector<dataset> datasets_;
    std::size_t prefix_count_ = 0;
};

/// Formats the origins of `info` as in pfx2as ("4837", "4837_9929", "{64500,64501}").
std::string format_origins(const as_map& map, const as_info& info);

} // namespace tumen::controller::asmap
