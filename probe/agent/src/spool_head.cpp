#include "spool_head.hpp"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tumen/probe/agent/unique_fd.hpp>

namespace tumen::probe::agent {
namespace {

constexpr std::string_view magic = "tumen-spool-head";

std::uint64_t fnv1a64(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) {
        h ^= c;
        h *= 0x100000001b3ull;
    }
    return h;
}

std::string hex16(std::uint64_t v) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
    return buf;
}

/// Splits on single spaces; empty fields are kept (and later rejected as numbers).
std::vector<std::string_view> fields_of(std::string_view s) {
    std::vector<std::string_view> out;
    while (true) {
        const auto sp = s.find(' ');
        out.push_back(s.substr(0, sp));
        if (sp == std::string_view::npos) {
            return out;
        }
        s.remove_prefix(sp + 1);
    }
}

bool to_u64(std::string_view s, std::uint64_t& v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
}

std::string body_of(const spool_head& h) {
    return std::string(magic) + " 2 " + std::to_string(h.generation) + " " +
           std::to_string(h.segment) + " " + std::to_string(h.offset);
}

} // namespace

std::string format_spool_head(const spool_head& h) {
    const auto body = body_of(h);
    return body + " " + hex16(fnv1a64(body)) + "\n";
}

bool parse_spool_head(std::string_view text, spool_head& out, std::string& error) {
    if (!text.ends_with('\n')) {
        error = "no final newline (truncated write?)";
        return false;
    }
    text.remove_suffix(1);
    if (text.find('\n') != std::string_view::npos) {
        error = "more than one line";
        return false;
    }
    const auto f = fields_of(text);
    if (f.size() == 2) { // format 1: "<segment> <offset>"
        spool_head h;
        h.format = 1;
        if (!to_u64(f[0], h.segment) || !to_u64(f[1], h.offset)) {
            error = "format 1 head is not two unsigned integers";
            return false;
        }
        out = h;
        return true;
    }
    if (f.size() != 6 || f[0] != magic) {
        error = "not a head file (expected '" + std::string(magic) +
                " 2 <generation> <segment> <offset> <checksum>')";
        return false;
    }
    if (f[1] != "2") {
        error = "unknown format version '" + std::string(f[1]) + "'";
        return false;
    }
    spool_head h;
    if (!to_u64(f[2], h.generation) || !to_u64(f[3], h.segment) || !to_u64(f[4], h.offset)) {
        error = "generation, segment and offset must be unsigned integers";
        return false;
    }
    const auto want = hex16(fnv1a64(body_of(h)));
    if (f[5] != want || body_of(h) != text.substr(0, text.rfind(' '))) {
        error = "checksum mismatch (stored " + std::string(f[5]) + ", computed " + want + ")";
        return false;
    }
    out = h;
    return true;
}

std::string check_spool_head(const spool_head& h, const std::vector<std::uint64_t>& segments,
                             const std::function<std::filesystem::path(std::uint64_t)>& path_of) {
    if (segments.empty() || h.segment < segments.front()) {
        return {}; // nothing it could make us skip
    }
    const auto newest = segments.back();
    const auto at = "segment " + std::to_string(h.segment) + " offset " + std::to_string(h.offset);
    if (h.segment > newest + 1) {
        return at + " is beyond the newest segment present (" + std::to_string(newest) + ")";
    }
    bool present = false;
    for (auto s : segments) {
        present = present || s == h.segment;
    }
    if (!present) {
        return h.offset == 0 ? std::string{} : at + ": that segment does not exist";
    }
    if (h.offset == 0) {
        return {};
    }
    const auto path = path_of(h.segment);
    unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (!fd || ::fstat(fd.get(), &st) != 0) {
        return at + ": cannot read " + path.string();
    }
    if (h.offset > static_cast<std::uint64_t>(st.st_size)) {
        return at + " is past the end of " + path.filename().string() + " (" +
               std::to_string(st.st_size) + " bytes)";
    }
    char c = 0;
    if (::pread(fd.get(), &c, 1, static_cast<off_t>(h.offset - 1)) != 1 || c != '\n') {
        return at + " is not at the start of a line";
    }
    return {};
}

} // namespace tumen::probe::agent
