#include <algorithm>

#include <tumen/controller/asmap/as_map.hpp>

namespace tumen::controller::asmap {

std::size_t as_map_builder::origin_key_hash::operator()(const origin_key& k) const noexcept {
    std::uint64_t h = (k.moas ? 1u : 0u) | (k.as_set ? 2u : 0u);
    for (auto asn : k.asns) {
        h = (h ^ asn) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    return static_cast<std::size_t>(h);
}

std::uint32_t as_map_builder::intern_origins(std::vector<std::uint32_t> asns, bool moas,
                                             bool as_set) {
    // Few distinct origin sets exist (~60k for the full table); single-AS sets (almost all)
    // go through a direct table, the rest through a map.
    if (asns.size() == 1 && !moas && !as_set && asns[0] < single_.size() && single_[asns[0]] != 0) {
        return single_[asns[0]];
    }
    origin_key key{std::move(asns), moas, as_set};
    auto it = intern_.find(key);
    if (it != intern_.end()) {
        return it->second;
    }
    auto id = static_cast<std::uint32_t>(origin_sets_.size());
    if (id > range_table::max_value) {
        return 0; // beyond the packed range (never seen: real tables have ~60k sets)
    }
    origin_sets_.push_back(origin_set{key.asns, moas, as_set});
    intern_.emplace(std::move(key), id);
    const auto& s = origin_sets_.back();
    if (s.asns.size() == 1 && !moas && !as_set && s.asns[0] < (1u << 20)) {
        if (single_.size() <= s.asns[0]) {
            single_.resize(s.asns[0] + 1, 0);
        }
        single_[s.asns[0]] = id;
    }
    return id;
}

void as_map_builder::add_origins(ipv4_prefix p, std::vector<std::uint32_t> asns, bool multi_origin,
                                 bool as_set) {
    as_entries_.push_back(range_entry{p, intern_origins(std::move(asns), multi_origin, as_set)});
}

void as_map_builder::add_prefix(ipv4_prefix p, std::vector<std::uint32_t> origins, bool as_set) {
    if (origins.empty()) {
        return;
    }
    const bool moas = origins.size() > 1 && !as_set;
    add_origins(p, std::move(origins), moas, as_set);
}

void as_map_builder::add_ixp_prefix(ipv4_prefix p, std::string name) {
    auto id = static_cast<std::uint32_t>(ixp_names_.size());
    if (id > range_table::max_value) {
        return;
    }
    ixp_names_.push_back(std::move(name));
    ixp_entries_.push_back(range_entry{p, id});
}

void as_map_builder::add_as_name(std::uint32_t asn, std::string name) {
    as_names_.emplace_back(asn, std::move(name));
}

as_map as_map_builder::build() {
    as_map m;
    m.prefix_count_ = as_entries_.size();
    m.as_ = range_table::build(std::move(as_entries_));
    m.ixp_ = range_table::build(std::move(ixp_entries_));
    m.origin_sets_ = std::move(origin_sets_);
    m.ixp_names_ = std::move(ixp_names_);
    // One name per AS, the last one added: a stable sort keeps the order of equal ASes.
    std::stable_sort(as_names_.begin(), as_names_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& entry : as_names_) {
        if (!m.as_names_.empty() && m.as_names_.back().first == entry.first) {
            m.as_names_.back().second = std::move(entry.second);
        } else {
            m.as_names_.push_back(std::move(entry));
        }
    }
    as_names_.clear();
    m.datasets_ = std::move(datasets_);
    intern_.clear();
    single_.clear();
    return m;
}

as_info as_map::lookup(ipv4_addr a) const noexcept {
    as_info info;
    info.special = special_space_of(a);
    const auto m = as_.find(a);
    if (m.value != 0 && m.value < origin_sets_.size()) {
        const auto& s = origin_sets_[m.value];
        info.origin_set = m.value;
        info.asn = s.asns.empty() ? 0 : s.asns[0];
        info.multi_origin = s.multi_origin;
        info.as_set = s.as_set;
        info.prefix_length = m.length;
    }
    if (ixp_names_.size() > 1) { // any IXP LAN loaded
        info.ixp = ixp_.find(a).value;
    }
    return info;
}

const std::vector<std::uint32_t>& as_map::origins(std::uint32_t origin_set) const noexcept {
    static const std::vector<std::uint32_t> empty;
    return origin_set < origin_sets_.size() ? origin_sets_[origin_set].asns : empty;
}

const std::string& as_map::ixp_name(std::uint32_t ixp) const noexcept {
    static const std::string empty;
    return ixp < ixp_names_.size() ? ixp_names_[ixp] : empty;
}

const std::string& as_map::as_name(std::uint32_t asn) const noexcept {
    static const std::string empty;
    auto it = std::lower_bound(as_names_.begin(), as_names_.end(), asn,
                               [](const auto& entry, std::uint32_t a) { return entry.first < a; });
    return it != as_names_.end() && it->first == asn ? it->second : empty;
}

std::size_t as_map::memory_bytes() const noexcept {
    std::size_t n = as_.memory_bytes() + ixp_.memory_bytes();
    for (const auto& s : origin_sets_) {
        n += sizeof s + s.asns.capacity() * 4;
    }
    for (const auto& s : ixp_names_) {
        n += sizeof s + s.capacity();
    }
    for (const auto& [asn, name] : as_names_) {
        n += sizeof asn + sizeof name + name.capacity();
    }
    return n;
}

std::string format_origins(const as_map& map, const as_info& info) {
    const auto& o = map.origins(info.origin_set);
    std::string out;
    if (info.as_set) {
        out += "{";
    }
    for (std::size_t i = 0; i < o.size(); ++i) {
        if (i > 0) {
            out += info.as_set ? "," : "_";
        }
        out += std::to_string(o[i]);
    }
    if (info.as_set) {
        out += "}";
    }
    return out;
}

std::string dataset::version() const {
    const auto slash = path.find_last_of('/');
    std::string out = slash == std::string::npos ? path : path.substr(slash + 1);
    out += '@';
    out += date.empty() ? "undated" : date;
    out += '#';
    out += sha256.substr(0, 12);
    return out;
}

void as_map_builder::set_dataset_hash(const std::string& path, const std::string& sha256) {
    for (auto& d : datasets_) {
        if (d.path == path) {
            d.sha256 = sha256;
        }
    }
}

} // namespace tumen::controller::asmap
