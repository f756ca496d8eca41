#pragma once
/// @file
/// IP -> AS by longest-prefix match, with IXP peering LANs, built-in special-purpose space and
/// optional AS names. The input formats live in `sources/` (pfx2as, iptoasn, IXP lists, AS
/// names); `loader.hpp` loads a whole set of files. The table itself is a range_table.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <tumen/common/ipv4.hpp>
#include <tumen/controller/asmap/load_report.hpp>
#include <tumen/controller/asmap/range_table.hpp>
#include <tumen/controller/asmap/special_space.hpp>

namespace tumen::controller::asmap {

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
    std::string kind; ///< "pfx2as", "iptoasn", "ixp", "as-names", "manual"
    std::string date; ///< YYYY-MM-DD from the file name or contents, or empty
    std::size_t entries = 0;
    std::string sha256; ///< hex SHA-256 of the file's bytes (set by load_as_map), or empty

    /// `<file name>@<date or "undated">#<first 12 hex of sha256>`, e.g.
    /// "routeviews-rv2-20170329-1200.pfx2as.gz@2017-03-29#3f1a0c9e2b7d" (the metric label).
    std::string version() const;
};

class as_map;

/// Collects prefixes, then builds an immutable as_map. Later additions win over earlier
/// ones for the same prefix.
class as_map_builder {
public:
    /// One prefix with its origin ASes (duplicates already removed) and pfx2as flags.
    void add_origins(ipv4_prefix p, std::vector<std::uint32_t> asns, bool multi_origin,
                     bool as_set);
    /// One prefix with its origins (e.g. from a campaign or a test); several origins are a
    /// multi-origin prefix unless `as_set`.
    void add_prefix(ipv4_prefix p, std::vector<std::uint32_t> origins, bool as_set = false);
    /// One IXP LAN.
    void add_ixp_prefix(ipv4_prefix p, std::string name);
    /// The name of an AS (a later name for the same AS wins).
    void add_as_name(std::uint32_t asn, std::string name);
    /// Records a data set that went in.
    void add_dataset(dataset d) { datasets_.push_back(std::move(d)); }
    /// Sets the content hash of every data set recorded from `path`.
    void set_dataset_hash(const std::string& path, const std::string& sha256);

    /// Builds the map (consumes the builder).
    as_map build();

private:
    std::uint32_t intern_origins(std::vector<std::uint32_t> asns, bool moas, bool as_set);

    std::vector<range_entry> as_entries_;
    std::vector<range_entry> ixp_entries_;
    struct origin_set {
        std::vector<std::uint32_t> asns;
        bool multi_origin = false;
        bool as_set = false;
    };
    std::vector<origin_set> origin_sets_{origin_set{}}; // index 0 = unmapped
    struct origin_key {
        std::vector<std::uint32_t> asns;
        bool moas = false;
        bool as_set = false;
        bool operator==(const origin_key&) const = default;
    };
    struct origin_key_hash {
        std::size_t operator()(const origin_key& k) const noexcept;
    };
    // A hash map, not an ordered one: a tree walk per multi-origin or first-seen set was the
    // builder's main cost on a full pfx2as table.
    std::unordered_map<origin_key, std::uint32_t, origin_key_hash> intern_;
    std::vector<std::uint32_t> single_; // ASN -> origin set index for single-AS sets
    std::vector<std::string> ixp_names_{std::string()};           // index 0 = not an IXP
    std::vector<std::pair<std::uint32_t, std::string>> as_names_; // in the order added
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
    /// Name of an AS from an AS-names file; empty when none was loaded for it.
    const std::string& as_name(std::uint32_t asn) const noexcept;
    /// Number of ASes with a name.
    std::size_t as_name_count() const noexcept { return as_names_.size(); }
    /// Data sets loaded, in load order.
    const std::vector<dataset>& datasets() const noexcept { return datasets_; }
    /// Number of disjoint ranges in the AS table (for reports and benchmarks).
    std::size_t range_count() const noexcept { return as_.size(); }
    /// Number of prefixes that went in.
    std::size_t prefix_count() const noexcept { return prefix_count_; }
    /// Approximate heap memory held, in bytes.
    std::size_t memory_bytes() const noexcept;

private:
    friend class as_map_builder;

    range_table as_;
    range_table ixp_;
    std::vector<as_map_builder::origin_set> origin_sets_;
    std::vector<std::string> ixp_names_;
    std::vector<std::pair<std::uint32_t, std::string>> as_names_; // sorted by AS, one per AS
    std::vector<dataset> datasets_;
    std::size_t prefix_count_ = 0;
};

/// Formats the origins of `info` as in pfx2as ("4837", "4837_9929", "{64500,64501}").
std::string format_origins(const as_map& map, const as_info& info);

} // namespace tumen::controller::asmap
