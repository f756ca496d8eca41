#include <tumen/controller/asmap/sources/iptoasn.hpp>

#include "text_fields.hpp"

namespace tumen::controller::asmap::sources {
iptoasn_line parse_iptoasn_line(std::string_view line) {
    line = trim(line);
    iptoasn_line out;
    if (line.empty() || line.front() == '#') {
        return out; // skipped
    }
    auto f = fields(line);
    if (f.size() < 3) {
        return bad_line<iptoasn_line>("expected range_start, range_end, AS, country, description");
    }
    if (f[0].find(':') != std::string_view::npos) {
        return out; // IPv6
    }
    auto lo = ipv4_addr::parse(f[0]);
    auto hi = ipv4_addr::parse(f[1]);
    if (!lo || !hi || hi->value < lo->value) {
        return bad_line<iptoasn_line>("bad address range");
    }
    if (!parse_u32(f[2], out.asn)) {
        return bad_line<iptoasn_line>("bad AS number \"" + std::string(f[2].substr(0, 40)) + "\"");
    }
    if (out.asn == 0) {
        return out; // "Not routed"
    }
    out.first = *lo;
    out.last = *hi;
    out.what = line_kind::entry;
    return out;
}

std::vector<ipv4_prefix> range_to_prefixes(ipv4_addr first, ipv4_addr last) {
    std::vector<ipv4_prefix> out;
    std::uint64_t cur = first.value;
    const std::uint64_t end = std::uint64_t{last.value} + 1;
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
    return out;
}

load_report read_iptoasn(line_reader& in, const std::string& source, as_map_builder& into) {
    auto r = read_lines(in, source, parse_iptoasn_line, [&](iptoasn_line& l) {
        for (auto p : range_to_prefixes(l.first, l.last)) {
            into.add_origins(p, {l.asn}, false, false);
        }
    });
    into.add_dataset(dataset{source, "iptoasn", date_from_name(source), r.entries, {}});
    return r;
}

load_report read_iptoasn_file(const std::string& path, as_map_builder& into) {
    line_reader in(path);
    if (!in.ok()) {
        throw asmap_error(in.error());
    }
    return read_iptoasn(in, path, into);
}

load_report read_iptoasn_text(std::string_view text, const std::string& source,
                              as_map_builder& into) {
    auto in = line_reader::over_text(text);
    return read_iptoasn(in, source, into);
}

} // namespace tumen::controller::asmap::sources
