#include <algorithm>
#include <charconv>
#include <map>
#include <regex>

#include <nlohmann/json.hpp>

#include <tumen/controller/asmap/as_map.hpp>
#include <tumen/controller/asmap/line_reader.hpp>

namespace tumen::controller::asmap {
namespace {

struct special_range {
    std::uint32_t network;
    std::uint32_t mask;
    special_space kind;
};
// RFC 6890 special-purpose registry, minus 198.18.0.0/15 and RFC 5737 (used as public
// space by the lab). Order: most specific first is not needed (no overlaps).
constexpr special_range special_ranges[] = {
    {0x0a000000u, 0xff000000u, special_space::private_use},  // 10/8      RFC 1918
    {0xac100000u, 0xfff00000u, special_space::private_use},  // 172.16/12 RFC 1918
    {0xc0a80000u, 0xffff0000u, special_space::private_use},  // 192.168/16 RFC 1918
    {0x64400000u, 0xffc00000u, special_space::shared},       // 100.64/10 RFC 6598
    {0x7f000000u, 0xff000000u, special_space::loopback},     // 127/8     RFC 1122
    {0xa9fe0000u, 0xffff0000u, special_space::link_local},   // 169.254/16 RFC 3927
    {0x00000000u, 0xff000000u, special_space::this_network}, // 0/8       RFC 1122
    {0xe0000000u, 0xf0000000u, special_space::multicast},    // 224/4     RFC 5771
    {0xf0000000u, 0xf0000000u, special_space::reserved},     // 240/4     RFC 1112
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

/// Splits on tabs (or runs of spaces when there is no tab).
std::vector<std::string_view> fields(std::string_view line) {
    std::vector<std::string_view> out;
    char sep = line.find('\t') != std::string_view::npos ? '\t' : ' ';
    std::size_t pos = 0;
    while (pos <= line.size()) {
        auto next = line.find(sep, pos);
        if (next == std::string_view::npos) {
            next = line.size();
        }
        auto f = line.substr(pos, next - pos);
        if (sep == '\t' || !f.empty()) {
            out.push_back(f);
        }
        pos = next + 1;
    }
    return out;
}

bool parse_u32(std::string_view s, std::uint32_t& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
}

/// YYYYMMDD in a file name -> YYYY-MM-DD.
std::string date_from_name(const std::string& path) {
    static const std::regex re("(19|20)([0-9]{2})(0[1-9]|1[0-2])([0-3][0-9])");
    static const std::regex re2("(19|20)([0-9]{2})-(0[1-9]|1[0-2])(?:-([0-3][0-9]))?");
    auto base =
        path.substr(path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/') + 1);
    std::smatch m;
    if (std::regex_search(base, m, re)) {
        return m[1].str() + m[2].str() + "-" + m[3].str() + "-" + m[4].str();
    }
    if (std::regex_search(base, m, re2)) {
        return m[1].str() + m[2].str() + "-" + m[3].str() + (m[4].matched ? "-" + m[4].str() : "");
    }
    return {};
}

void add_error(load_report& r, std::string where, std::string what) {
    ++r.error_count;
    if (r.errors.size() < load_report::max_errors) {
        r.errors.push_back(parse_error{std::move(where), std::move(what)});
    }
}

/// Splits the inclusive range [lo, hi] into CIDR prefixes.
void range_to_prefixes(std::uint32_t lo, std::uint32_t hi, std::vector<ipv4_prefix>& out) {
    std::uint64_t cur = lo;
    const std::uint64_t end = std::uint64_t{hi} + 1;
    while (cur < end) {
        int len = 32;
        while (len > 0) {
            std::uint64_t size = std::uint64_t{1} << (32 - (len - 1));
            if ((cur & (size - 1)) != 0 || cur + size > end) {
                break;
            }
            --len;
        }
        out.emplace_back(ipv4_addr{static_cast<std::uint32_t>(cur)},
                         static_cast<std::uint8_t>(len));
        cur += std::uint64_t{1} << (32 - len);
    }
}

} // namespace

const char* to_string(special_space s) noexcept {
    switch (s) {
    case special_space::none:
        return "public";
    case special_space::private_use:
        return "private";
    case special_space::shared:
        return "shared";
    case special_space::loopback:
        return "loopback";
    case special_space::link_local:
        return "link-local";
    case special_space::this_network:
        return "this-network";
    case special_space::multicast:
        return "multicast";
    case special_space::reserved:
        return "reserved";
    }
    return "public";
}

special_space special_space_of(ipv4_addr a) noexcept {
    for (const auto& r : special_ranges) {
        if ((a.value & r.mask) == r.network) {
            return r.kind;
        }
    }
    return special_space::none;
}

std::uint32_t as_map_builder::intern_origins(std::vector<std::uint32_t> asns, bool moas,
                                             bool as_set) {
    // Few distinct origin sets exist (~60k for the full table); single-AS sets (almost all)
    // go through a direct table, the rest through a map.
    if (asns.size() == 1 && !moas && !as_set && asns[0] < single_.size() && single_[asns[0]] != 0) {
        return single_[asns[0]];
    }
    auto key = std::make_tuple(asns, moas, as_set);
    auto it = intern_.find(key);
    if (it != intern_.end()) {
        return it->second;
    }
    auto id = static_cast<std::uint32_t>(origin_sets_.size());
    if (id >= (1u << 26)) {
        return 0; // beyond the packed range (never seen: real tables have ~60k sets)
    }
    origin_sets_.push_back(origin_set{std::move(asns), moas, as_set});
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

void as_map_builder::parse_pfx2as_line(std::string_view line, const std::string& where,
                                       load_report& r) {
    line = trim(line);
    if (line.empty() || line.front() == '#') {
        ++r.skipped;
        return;
    }
    auto f = fields(line);
    if (f.size() != 3) {
        add_error(r, where,
                  "expected 3 tab-separated fields (prefix, length, origins), got " +
                      std::to_string(f.size()));
        return;
    }
    if (f[0].find(':') != std::string_view::npos) {
        ++r.skipped; // IPv6
        return;
    }
    auto addr = ipv4_addr::parse(f[0]);
    std::uint32_t len = 0;
    if (!addr) {
        add_error(r, where, "bad prefix address \"" + std::string(f[0].substr(0, 40)) + "\"");
        return;
    }
    if (!parse_u32(f[1], len) || len > 32) {
        add_error(r, where, "bad prefix length \"" + std::string(f[1].substr(0, 40)) + "\"");
        return;
    }
    std::vector<std::uint32_t> asns;
    bool moas = false;
    bool as_set = false;
    std::size_t pos = 0;
    std::string_view o = f[2];
    while (pos <= o.size()) {
        auto next = o.find_first_of("_,", pos);
        if (next == std::string_view::npos) {
            next = o.size();
        } else if (o[next] == '_') {
            moas = true;
        } else {
            as_set = true;
        }
        std::uint32_t asn = 0;
        if (!parse_u32(o.substr(pos, next - pos), asn)) {
            add_error(r, where, "bad origin AS list \"" + std::string(o.substr(0, 60)) + "\"");
            return;
        }
        if (std::find(asns.begin(), asns.end(), asn) == asns.end()) {
            asns.push_back(asn);
        }
        pos = next + 1;
    }
    if (asns.empty() || asns[0] == 0) {
        ++r.skipped;
        return;
    }
    ipv4_prefix p{*addr, static_cast<std::uint8_t>(len)};
    as_entries_.push_back(entry{p, intern_origins(std::move(asns), moas, as_set)});
    ++r.entries;
}

load_report as_map_builder::add_pfx2as_file(const std::string& path) {
    line_reader in(path);
    if (!in.ok()) {
        throw asmap_error(in.error());
    }
    load_report r;
    std::string line;
    while (in.next(line)) {
        ++r.lines;
        parse_pfx2as_line(line, path + ":" + std::to_string(in.line_number()), r);
    }
    if (!in.error().empty()) {
        add_error(r, path + ":" + std::to_string(in.line_number() + 1), in.error());
    }
    datasets_.push_back(dataset{path, "pfx2as", date_from_name(path), r.entries});
    return r;
}

load_report as_map_builder::add_pfx2as_text(std::string_view text, const std::string& source) {
    load_report r;
    std::size_t pos = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            nl = text.size();
        }
        ++r.lines;
        parse_pfx2as_line(text.substr(pos, nl - pos), source + ":" + std::to_string(r.lines), r);
        pos = nl + 1;
    }
    datasets_.push_back(dataset{source, "pfx2as", date_from_name(source), r.entries});
    return r;
}

load_report as_map_builder::add_iptoasn_file(const std::string& path) {
    line_reader in(path);
    if (!in.ok()) {
        throw asmap_error(in.error());
    }
    load_report r;
    std::string line;
    std::vector<ipv4_prefix> prefixes;
    while (in.next(line)) {
        ++r.lines;
        auto where = path + ":" + std::to_string(in.line_number());
        std::string_view l = trim(line);
        if (l.empty() || l.front() == '#') {
            ++r.skipped;
            continue;
        }
        auto f = fields(l);
        if (f.size() < 3) {
            add_error(r, where, "expected range_start, range_end, AS, country, description");
            continue;
        }
        if (f[0].find(':') != std::string_view::npos) {
            ++r.skipped;
            continue;
        }
        auto lo = ipv4_addr::parse(f[0]);
        auto hi = ipv4_addr::parse(f[1]);
        std::uint32_t asn = 0;
        if (!lo || !hi || hi->value < lo->value) {
            add_error(r, where, "bad address range");
            continue;
        }
        if (!parse_u32(f[2], asn)) {
            add_error(r, where, "bad AS number \"" + std::string(f[2].substr(0, 40)) + "\"");
            continue;
        }
        if (asn == 0) {
            ++r.skipped; // "Not routed"
            continue;
        }
        prefixes.clear();
        range_to_prefixes(lo->value, hi->value, prefixes);
        auto id = intern_origins({asn}, false, false);
        for (auto p : prefixes) {
            as_entries_.push_back(entry{p, id});
        }
        ++r.entries;
    }
    datasets_.push_back(dataset{path, "iptoasn", date_from_name(path), r.entries});
    return r;
}

load_report as_map_builder::add_ixp_file(const std::string& path) {
    std::string text;
    std::string err;
    if (!read_whole_file(path, text, err)) {
        throw asmap_error(err);
    }
    load_report r;
    std::string date;
    auto add_ixp = [&](const std::string& prefix_text, const std::string& name,
                       const std::string& where) {
        if (prefix_text.find(':') != std::string::npos) {
            ++r.skipped;
            return;
        }
        auto p = ipv4_prefix::parse(prefix_text);
        if (!p || prefix_text.find('/') == std::string::npos) {
            add_error(r, where, "bad IXP prefix \"" + prefix_text.substr(0, 40) + "\"");
            return;
        }
        add_ixp_prefix(*p, name);
        ++r.entries;
    };
    auto first = text.find_first_not_of(" \t\r\n");
    bool whole_object = false;
    if (first != std::string::npos && text[first] == '{') {
        auto j = nlohmann::json::parse(text, nullptr, false);
        whole_object = !j.is_discarded() && j.is_object() && j.contains("Data");
        if (whole_object) {
            // ripe-atlas-monitor: {"Data": {prefix: {"name": ...}}, "TS": unix time}
            r.lines = 1;
            const auto& data = j["Data"];
            if (!data.is_object()) {
                add_error(r, path + ":1", "\"Data\" is not an object");
            } else {
                for (auto it = data.begin(); it != data.end(); ++it) {
                    std::string name;
                    if (it->is_object() && it->contains("name") && (*it)["name"].is_string()) {
                        name = (*it)["name"].get<std::string>();
                    }
                    add_ixp(it.key(), name, path + ":1: Data." + it.key());
                }
            }
            if (j.contains("TS") && j["TS"].is_number_integer()) {
                auto ts = static_cast<std::time_t>(j["TS"].get<std::int64_t>());
                char buf[16];
                std::tm tm{};
                gmtime_r(&ts, &tm);
                std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
                date = buf;
            }
        }
    }
    if (!whole_object) {
        // CAIDA ixs jsonl: '#' header line, then one IXP object per line.
        std::size_t pos = 0;
        std::size_t line_no = 0;
        while (pos < text.size()) {
            auto nl = text.find('\n', pos);
            if (nl == std::string::npos) {
                nl = text.size();
            }
            std::string_view line = trim(std::string_view(text).substr(pos, nl - pos));
            pos = nl + 1;
            ++line_no;
            ++r.lines;
            auto where = path + ":" + std::to_string(line_no);
            if (line.empty()) {
                continue;
            }
            if (line.front() == '#') {
                ++r.skipped;
                auto j = nlohmann::json::parse(line.substr(1), nullptr, false);
                if (!j.is_discarded() && j.is_object() && j.contains("date") &&
                    j["date"].is_string()) {
                    auto d = j["date"].get<std::string>();
                    if (d.size() >= 10) {
                        date = d.substr(0, 4) + "-" + d.substr(5, 2) + "-" + d.substr(8, 2);
                    }
                }
                continue;
            }
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_discarded() || !j.is_object()) {
                add_error(r, where, "not a JSON object");
                continue;
            }
            std::string name =
                j.contains("name") && j["name"].is_string() ? j["name"].get<std::string>() : "";
            auto pfx = j.find("prefixes");
            if (pfx == j.end()) {
                ++r.skipped;
                continue;
            }
            if (!pfx->is_object() || (pfx->contains("ipv4") && !(*pfx)["ipv4"].is_array())) {
                add_error(r, where, "\"prefixes\" must be {\"ipv4\": [...], \"ipv6\": [...]}");
                continue;
            }
            if (!pfx->contains("ipv4")) {
                continue;
            }
            for (const auto& p : (*pfx)["ipv4"]) {
                if (!p.is_string()) {
                    add_error(r, where, "prefixes.ipv4 entry is not a string");
                    continue;
                }
                add_ixp(p.get<std::string>(), name, where);
            }
        }
    }
    if (date.empty()) {
        date = date_from_name(path);
    }
    datasets_.push_back(dataset{path, "ixp", date, r.entries});
    return r;
}

void as_map_builder::add_prefix(ipv4_prefix p, std::vector<std::uint32_t> origins, bool as_set) {
    if (origins.empty()) {
        return;
    }
    bool moas = origins.size() > 1 && !as_set;
    as_entries_.push_back(entry{p, intern_origins(std::move(origins), moas, as_set)});
}

void as_map_builder::add_ixp_prefix(ipv4_prefix p, std::string name) {
    auto id = static_cast<std::uint32_t>(ixp_names_.size());
    if (id >= (1u << 26)) {
        return;
    }
    ixp_names_.push_back(std::move(name));
    ixp_entries_.push_back(entry{p, id});
}

as_map as_map_builder::build() {
    as_map m;
    m.prefix_count_ = as_entries_.size();
    m.as_ = as_map::flatten(std::move(as_entries_));
    m.ixp_ = as_map::flatten(std::move(ixp_entries_));
    m.origin_sets_ = std::move(origin_sets_);
    m.ixp_names_ = std::move(ixp_names_);
    m.datasets_ = std::move(datasets_);
    intern_.clear();
    single_.clear();
    return m;
}

as_map::range_table as_map::flatten(std::vector<as_map_builder::entry> entries) {
    // Stable sort by (start, length): equal prefixes keep insertion order, so the later one is
    // pushed last (innermost) and wins.
    std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
        if (a.prefix.network.value != b.prefix.network.value) {
            return a.prefix.network.value < b.prefix.network.value;
        }
        return a.prefix.length < b.prefix.length;
    });
    range_table t;
    t.starts.reserve(entries.size() * 2 + 1);
    t.packed.reserve(entries.size() * 2 + 1);
    auto emit = [&](std::uint64_t start, std::uint32_t value, std::uint8_t length) {
        const std::uint32_t packed = value | (std::uint32_t{length} << range_table::value_bits);
        if (!t.starts.empty() && t.packed.back() == packed) {
            return; // same value continues
        }
        t.starts.push_back(static_cast<std::uint32_t>(start));
        t.packed.push_back(packed);
    };
    struct open {
        std::uint64_t end;
        std::uint32_t value;
        std::uint8_t length;
    };
    std::vector<open> stack;
    std::uint64_t cur = 0;
    auto close_until = [&](std::uint64_t pos) {
        while (!stack.empty() && stack.back().end <= pos) {
            auto top = stack.back();
            stack.pop_back();
            if (cur < top.end) {
                emit(cur, top.value, top.length);
                cur = top.end;
            }
        }
    };
    for (const auto& e : entries) {
        const std::uint64_t s = e.prefix.network.value;
        const std::uint64_t end = s + e.prefix.size();
        close_until(s);
        if (cur < s) {
            if (stack.empty()) {
                emit(cur, 0, 0);
            } else {
                emit(cur, stack.back().value, stack.back().length);
            }
            cur = s;
        }
        stack.push_back(open{end, e.value, e.prefix.length});
    }
    close_until(std::uint64_t{1} << 32);
    if (cur < (std::uint64_t{1} << 32)) {
        emit(cur, 0, 0);
    }
    if (t.starts.empty()) {
        emit(0, 0, 0);
    }
    t.starts.shrink_to_fit();
    t.packed.shrink_to_fit();
    // index[h] = range containing address h << 16.
    t.index.resize(65537);
    std::size_t r = 0;
    for (std::uint32_t h = 0; h < 65536; ++h) {
        const std::uint32_t a = h << 16;
        while (r + 1 < t.starts.size() && t.starts[r + 1] <= a) {
            ++r;
        }
        t.index[h] = static_cast<std::uint32_t>(r);
    }
    t.index[65536] = static_cast<std::uint32_t>(t.starts.size() - 1);
    return t;
}

std::uint32_t as_map::range_table::find(std::uint32_t addr, std::uint8_t* length) const noexcept {
    if (starts.empty()) {
        *length = 0;
        return 0;
    }
    const std::uint32_t h = addr >> 16;
    std::uint32_t lo = index[h];
    std::uint32_t hi = index[h + 1]; // inclusive candidate
    // Last range in [lo, hi] whose start <= addr.
    auto first = starts.begin() + lo;
    auto last = starts.begin() + hi + 1;
    auto it = std::upper_bound(first, last, addr);
    auto i = static_cast<std::size_t>(it - starts.begin()) - 1;
    const std::uint32_t p = packed[i];
    *length = static_cast<std::uint8_t>(p >> value_bits);
    return p & ((1u << value_bits) - 1);
}

as_info as_map::lookup(ipv4_addr a) const noexcept {
    as_info info;
    info.special = special_space_of(a);
    std::uint8_t len = 0;
    std::uint32_t v = as_.find(a.value, &len);
    if (v != 0 && v < origin_sets_.size()) {
        const auto& s = origin_sets_[v];
        info.origin_set = v;
        info.asn = s.asns.empty() ? 0 : s.asns[0];
        info.multi_origin = s.multi_origin;
        info.as_set = s.as_set;
        info.prefix_length = len;
    }
    if (ixp_names_.size() > 1) { // any IXP LAN loaded
        std::uint8_t ilen = 0;
        info.ixp = ixp_.find(a.value, &ilen);
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

std::size_t as_map::memory_bytes() const noexcept {
    auto table = [](const range_table& t) {
        return t.starts.capacity() * 4 + t.packed.capacity() * 4 + t.index.capacity() * 4;
    };
    std::size_t n = table(as_) + table(ixp_);
    for (const auto& s : origin_sets_) {
        n += sizeof s + s.asns.capacity() * 4;
    }
    for (const auto& s : ixp_names_) {
        n += sizeof s + s.capacity();
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

} // namespace tumen::controller::asmap
