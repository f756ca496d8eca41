#include <algorithm>

#include <tumen/controller/asmap/sources/pfx2as.hpp>

#include "text_fields.hpp"

namespace tumen::controller::asmap::sources {
pfx2as_line parse_pfx2as_line(std::string_view line) {
    line = trim(line);
    pfx2as_line out;
    if (line.empty() || line.front() == '#') {
        return out; // skipped
    }
    auto f = fields(line);
    if (f.size() != 3) {
        return bad_line<pfx2as_line>(
            "expected 3 tab-separated fields (prefix, length, origins), got " +
            std::to_string(f.size()));
    }
    if (f[0].find(':') != std::string_view::npos) {
        return out; // IPv6
    }
    auto addr = ipv4_addr::parse(f[0]);
    std::uint32_t len = 0;
    if (!addr) {
        return bad_line<pfx2as_line>("bad prefix address \"" + std::string(f[0].substr(0, 40)) +
                                     "\"");
    }
    if (!parse_u32(f[1], len) || len > 32) {
        return bad_line<pfx2as_line>("bad prefix length \"" + std::string(f[1].substr(0, 40)) +
                                     "\"");
    }
    std::size_t pos = 0;
    std::string_view o = f[2];
    while (pos <= o.size()) {
        auto next = o.find_first_of("_,", pos);
        if (next == std::string_view::npos) {
            next = o.size();
        } else if (o[next] == '_') {
            out.multi_origin = true;
        } else {
            out.as_set = true;
        }
        std::uint32_t asn = 0;
        if (!parse_u32(o.substr(pos, next - pos), asn)) {
            return bad_line<pfx2as_line>("bad origin AS list \"" + std::string(o.substr(0, 60)) +
                                         "\"");
        }
        if (std::find(out.origins.begin(), out.origins.end(), asn) == out.origins.end()) {
            out.origins.push_back(asn);
        }
        pos = next + 1;
    }
    if (out.origins.empty() || out.origins[0] == 0) {
        return pfx2as_line{}; // AS 0: not routed
    }
    out.prefix = ipv4_prefix{*addr, static_cast<std::uint8_t>(len)};
    out.what = line_kind::entry;
    return out;
}

load_report read_pfx2as(line_reader& in, const std::string& source, as_map_builder& into) {
    auto r = read_lines(in, source, parse_pfx2as_line, [&](pfx2as_line& l) {
        into.add_origins(l.prefix, std::move(l.origins), l.multi_origin, l.as_set);
    });
    into.add_dataset(dataset{source, "pfx2as", date_from_name(source), r.entries, {}});
    return r;
}

load_report read_pfx2as_file(const std::string& path, as_map_builder& into) {
    line_reader in(path);
    if (!in.ok()) {
        throw asmap_error(in.error());
    }
    return read_pfx2as(in, path, into);
}

load_report read_pfx2as_text(std::string_view text, const std::string& source,
                             as_map_builder& into) {
    auto in = line_reader::over_text(text);
    return read_pfx2as(in, source, into);
}

} // namespace tumen::controller::asmap::sources
