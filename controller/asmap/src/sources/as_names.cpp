#include <tumen/controller/asmap/sources/as_names.hpp>

#include "text_fields.hpp"

namespace tumen::controller::asmap::sources {
namespace {

/// ASCII lower case of `s`.
std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return out;
}

/// Length of the UTF-8 sequence that starts with `lead`; 0 if `lead` cannot start one.
std::size_t utf8_length(unsigned char lead) {
    if (lead < 0x80) {
        return 1;
    }
    if (lead >= 0xc2 && lead <= 0xdf) {
        return 2;
    }
    if (lead >= 0xe0 && lead <= 0xef) {
        return 3;
    }
    if (lead >= 0xf0 && lead <= 0xf4) {
        return 4;
    }
    return 0;
}

/// True if `s` is well-formed UTF-8 (RFC 3629: no overlong forms, no surrogates, at most
/// U+10FFFF) without control characters: a name the API can put in JSON as it is.
bool printable_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto lead = static_cast<unsigned char>(s[i]);
        const std::size_t n = utf8_length(lead);
        if (n == 0 || i + n > s.size() || lead < 0x20 || lead == 0x7f) {
            return false;
        }
        std::uint32_t cp = n == 1 ? lead : lead & (0x7fu >> n);
        for (std::size_t k = 1; k < n; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (c & 0x3f);
        }
        const std::uint32_t min_cp[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += n;
    }
    return true;
}

/// "AS4837", "as4837" or "4837".
bool parse_as_field(std::string_view s, std::uint32_t& asn) {
    if (s.size() > 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's')) {
        s.remove_prefix(2);
    }
    return parse_u32(s, asn);
}

} // namespace

std::optional<std::vector<std::string>> split_csv_line(std::string_view line) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (true) {
        std::string field;
        if (i < line.size() && line[i] == '"') {
            ++i;
            while (true) {
                if (i >= line.size()) {
                    return std::nullopt; // unterminated quoted field
                }
                if (line[i] == '"') {
                    if (i + 1 < line.size() && line[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                field += line[i++];
            }
            if (i < line.size() && line[i] != ',') {
                return std::nullopt; // text after the closing quote
            }
        } else {
            const auto comma = line.find(',', i);
            const auto end = comma == std::string_view::npos ? line.size() : comma;
            field = std::string(line.substr(i, end - i));
            i = end;
        }
        out.push_back(std::move(field));
        if (i >= line.size()) {
            return out;
        }
        ++i; // the comma
    }
}

std::optional<as_names_columns> parse_as_names_header(std::string_view line) {
    auto fields = split_csv_line(trim(line));
    if (!fields) {
        return std::nullopt;
    }
    std::optional<std::size_t> asn;
    std::optional<std::size_t> name;
    for (std::size_t i = 0; i < fields->size(); ++i) {
        const auto f = lower(trim((*fields)[i]));
        if (f == "asn" && !asn) {
            asn = i;
        } else if (f == "name" && !name) {
            name = i;
        }
    }
    if (!asn) {
        return std::nullopt;
    }
    return as_names_columns{*asn, name.value_or(std::string_view::npos)};
}

as_names_line parse_as_names_line(std::string_view line, const as_names_columns& columns) {
    line = trim(line);
    as_names_line out;
    if (line.empty() || line.front() == '#') {
        return out; // skipped
    }
    auto fields = split_csv_line(line);
    if (!fields) {
        return bad_line<as_names_line>("unterminated or misplaced quote");
    }
    if (columns.asn >= fields->size() || columns.name >= fields->size()) {
        return bad_line<as_names_line>("expected the asn and name columns");
    }
    const auto as_text = trim((*fields)[columns.asn]);
    if (!parse_as_field(as_text, out.asn)) {
        return bad_line<as_names_line>("bad AS number \"" + std::string(as_text.substr(0, 40)) +
                                       "\"");
    }
    out.name = std::string(trim((*fields)[columns.name]));
    if (!printable_utf8(out.name)) {
        return bad_line<as_names_line>("the name is not printable UTF-8 text");
    }
    if (out.asn == 0 || out.name.empty()) {
        out.name.clear();
        return out; // skipped: nothing to name
    }
    out.what = line_kind::entry;
    return out;
}

load_report read_as_names(line_reader& in, const std::string& source, as_map_builder& into) {
    as_names_columns columns;
    bool before_first = true;
    auto parse = [&](std::string_view line) {
        auto text = trim(line);
        if (before_first && text.starts_with("\xef\xbb\xbf")) {
            text.remove_prefix(3); // a UTF-8 byte order mark
            line = text;
        }
        if (before_first && !text.empty() && text.front() != '#') {
            before_first = false;
            if (auto header = parse_as_names_header(text)) {
                if (header->name == std::string_view::npos) {
                    return bad_line<as_names_line>("the header names no `name` column");
                }
                columns = *header;
                return as_names_line{}; // skipped: the header
            }
        }
        return parse_as_names_line(line, columns);
    };
    auto r = read_lines(in, source, parse,
                        [&](as_names_line& l) { into.add_as_name(l.asn, std::move(l.name)); });
    into.add_dataset(dataset{source, "as-names", date_from_name(source), r.entries, {}});
    return r;
}

load_report read_as_names_file(const std::string& path, as_map_builder& into) {
    line_reader in(path);
    if (!in.ok()) {
        throw asmap_error(in.error());
    }
    return read_as_names(in, path, into);
}

load_report read_as_names_text(std::string_view text, const std::string& source,
                               as_map_builder& into) {
    auto in = line_reader::over_text(text);
    return read_as_names(in, source, into);
}

} // namespace tumen::controller::asmap::sources
