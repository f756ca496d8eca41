#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <tumen/probe/agent/spool.hpp>

#include "spool_head.hpp"

namespace tumen::probe::agent {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view seg_prefix = "seg-";
constexpr std::string_view seg_suffix = ".jsonl";

std::error_code last_error() {
    return {errno, std::generic_category()};
}

/// Writes all of `data` (retrying short writes and EINTR).
std::error_code write_all(int fd, std::string_view data) {
    while (!data.empty()) {
        const auto n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return last_error();
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return {};
}

std::error_code fsync_dir(const fs::path& dir) {
    unique_fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        return last_error();
    }
    if (::fsync(fd.get()) != 0) {
        return last_error();
    }
    return {};
}

/// Writes `content` to `target` atomically: temporary file, fsync, rename, fsync directory.
std::error_code replace_file(const fs::path& target, std::string_view content) {
    const auto tmp = fs::path(target.string() + ".tmp");
    unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd) {
        return last_error();
    }
    if (auto ec = write_all(fd.get(), content)) {
        return ec;
    }
    if (::fsync(fd.get()) != 0) {
        return last_error();
    }
    fd.reset();
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
        return last_error();
    }
    return fsync_dir(target.parent_path());
}

/// A free name for the quarantined copy of `p`: `p.corrupt`, `p.corrupt.1`, ...
fs::path quarantine_name(const fs::path& p) {
    fs::path q = p.string() + ".corrupt";
    for (int i = 1; fs::exists(q); ++i) {
        q = p.string() + ".corrupt." + std::to_string(i);
    }
    return q;
}

std::optional<std::uint64_t> segment_number(const std::string& name) {
    if (!name.starts_with(seg_prefix) || !name.ends_with(seg_suffix)) {
        return std::nullopt;
    }
    const auto digits = std::string_view(name).substr(
        seg_prefix.size(), name.size() - seg_prefix.size() - seg_suffix.size());
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec != std::errc{} || p != digits.data() + digits.size() || digits.empty()) {
        return std::nullopt;
    }
    return v;
}

/// The id of a spooled line, or nullopt when the line is not a JSON object with a string id.
std::optional<std::string> line_id(std::string_view line) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        return std::nullopt;
    }
    auto it = j.find("id");
    if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
        return std::nullopt;
    }
    return it->get<std::string>();
}

} // namespace

fs::path spool::segment_path(std::uint64_t segno) const {
    char name[48];
    std::snprintf(name, sizeof name, "seg-%020llu.jsonl", static_cast<unsigned long long>(segno));
    return dir_ / name;
}

spool spool::open(const fs::path& dir, std::uint64_t max_bytes) {
    spool s;
    s.dir_ = dir;
    s.max_bytes_ = max_bytes;
    s.segment_bytes_ = std::clamp<std::uint64_t>(max_bytes / 8, 16 * 1024, 8ull << 20);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        throw std::system_error(ec, "spool: cannot create " + dir.string());
    }
    s.load();
    return s;
}

void spool::load() {
    std::error_code ec;
    for (const auto& de : fs::directory_iterator(dir_, ec)) {
        if (auto n = segment_number(de.path().filename().string()); n && de.is_regular_file()) {
            segments_.push_back(*n);
        }
    }
    if (ec) {
        throw std::system_error(ec, "spool: cannot list " + dir_.string());
    }
    std::sort(segments_.begin(), segments_.end());

    // The head (spool_head.hpp). Missing: start from the oldest segment. Damaged or
    // inconsistent with the segments present: renamed aside, replay from the oldest segment.
    std::uint64_t head_seg = segments_.empty() ? 0 : segments_.front();
    std::uint64_t head_off = 0;
    const auto head_path = dir_ / "head";
    if (std::ifstream in(head_path, std::ios::binary); in) {
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        in.close();
        spool_head h;
        std::string why;
        if (parse_spool_head(text, h, why)) {
            why = check_spool_head(h, segments_, [this](auto n) { return segment_path(n); });
        }
        if (why.empty()) {
            head_seg = h.segment;
            head_off = h.offset;
            generation_ = h.generation;
            if (h.format == 1) {
                spdlog::info("spool: {} is in format 1; rewriting it in format 2",
                             head_path.string());
            }
        } else {
            const auto q = quarantine_name(head_path);
            fs::rename(head_path, q, ec);
            ++recovery_.quarantined_files;
            recovery_.head_error = why;
            spdlog::error("spool: head file {} is damaged: {}; renamed to {}; no segment is "
                          "deleted and every spooled result from the oldest segment on will "
                          "be sent again (the controller ignores duplicates)",
                          head_path.string(), why, q.string());
        }
    }

    std::vector<std::uint64_t> kept;
    for (auto segno : segments_) {
        if (segno < head_seg) {
            // Fully acknowledged before a crash prevented its removal.
            fs::remove(segment_path(segno), ec);
            ++recovery_.removed_acked_files;
            continue;
        }
        load_segment(segno, head_seg, head_off);
        if (fs::exists(segment_path(segno))) {
            kept.push_back(segno);
        }
    }
    segments_ = std::move(kept);
    // Appends always go to a fresh segment after whatever was there.
    active_segment_ = (segments_.empty() ? head_seg : segments_.back()) + 1;
    if (bytes_ > max_bytes_) {
        std::size_t n = 0;
        std::uint64_t b = bytes_;
        while (n < entries_.size() && b > max_bytes_) {
            b -= entries_[n].length + 1;
            ++n;
        }
        drop_front(n);
    }
    if (auto e = persist_head()) {
        // E.g. a full disk: start anyway, so that uploading can free the space; the head
        // is written again at the next acknowledgement.
        spdlog::error("spool: cannot write the head file in {}: {}; starting anyway", dir_.string(),
                      e.message());
    }
    remove_consumed_segments();
    if (!entries_.empty()) {
        spdlog::info("spool: {} result(s), {} bytes waiting in {}", entries_.size(), bytes_,
                     dir_.string());
    }
}

void spool::load_segment(std::uint64_t segno, std::uint64_t head_seg, std::uint64_t head_off) {
    const auto path = segment_path(segno);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        spdlog::error("spool: cannot read {}; leaving it in place", path.string());
        return;
    }
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    in.close();

    // A crash in the middle of an append leaves an incomplete last line: cut it off.
    const auto last_nl = data.rfind('\n');
    const std::size_t complete = last_nl == std::string::npos ? 0 : last_nl + 1;
    if (complete < data.size()) {
        spdlog::warn("spool: {} ends with an incomplete line ({} bytes, interrupted write); "
                     "truncating it",
                     path.string(), data.size() - complete);
        ++recovery_.truncated_tails;
        if (::truncate(path.c_str(), static_cast<off_t>(complete)) != 0) {
            spdlog::error("spool: cannot truncate {}: {}", path.string(), last_error().message());
        }
        data.resize(complete);
    }

    struct line {
        std::uint64_t offset;
        std::uint32_t length;
        std::string id;
    };
    std::vector<line> good;
    std::size_t bad = 0;
    std::size_t first_bad_line = 0;
    std::size_t lineno = 0;
    for (std::size_t pos = 0; pos < data.size();) {
        const auto nl = data.find('\n', pos);
        const std::string_view text(data.data() + pos, nl - pos);
        ++lineno;
        if (auto id = line_id(text)) {
            good.push_back({pos, static_cast<std::uint32_t>(text.size()), std::move(*id)});
        } else {
            if (bad++ == 0) {
                first_bad_line = lineno;
            }
        }
        pos = nl + 1;
    }

    const auto skip = [&](const line& l) { return segno == head_seg && l.offset < head_off; };
    if (bad == 0) {
        for (auto& l : good) {
            if (!skip(l)) {
                bytes_ += l.length + 1;
                entries_.push_back({next_seq_++, segno, l.offset, l.length, std::move(l.id)});
            }
        }
        return;
    }

    // Quarantine the file, keep its good (unacknowledged) lines in a rewritten segment with
    // the same number so the order of delivery is kept.
    const auto q = quarantine_name(path);
    std::error_code ec;
    fs::rename(path, q, ec);
    ++recovery_.quarantined_files;
    recovery_.quarantined_lines += bad;
    spdlog::error("spool: {} has {} unparsable line(s) (first at line {}); renamed to {}, "
                  "keeping its {} good line(s)",
                  path.string(), bad, first_bad_line, q.string(), good.size());
    if (ec) {
        spdlog::error("spool: cannot rename {}: {}", path.string(), ec.message());
        return;
    }
    std::string rewritten;
    std::vector<line> kept;
    for (auto& l : good) {
        if (skip(l)) {
            continue;
        }
        const auto offset = rewritten.size();
        rewritten.append(data, l.offset, l.length);
        rewritten.push_back('\n');
        kept.push_back({offset, l.length, std::move(l.id)});
    }
    if (kept.empty()) {
        return;
    }
    if (auto e = replace_file(path, rewritten)) {
        spdlog::error("spool: cannot rewrite {}: {}", path.string(), e.message());
        return;
    }
    for (auto& l : kept) {
        bytes_ += l.length + 1;
        entries_.push_back({next_seq_++, segno, l.offset, l.length, std::move(l.id)});
    }
}

std::error_code spool::open_active() {
    const auto path = segment_path(active_segment_);
    active_fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    if (!active_fd_) {
        return last_error();
    }
    struct stat st {};
    if (::fstat(active_fd_.get(), &st) != 0) {
        return last_error();
    }
    active_size_ = static_cast<std::uint64_t>(st.st_size);
    if (segments_.empty() || segments_.back() != active_segment_) {
        segments_.push_back(active_segment_);
        if (auto ec = fsync_dir(dir_)) {
            return ec;
        }
    }
    return {};
}

std::error_code spool::append(std::string_view id, std::string_view body) {
    if (body.empty() || body.find('\n') != std::string_view::npos || id.empty()) {
        return std::make_error_code(std::errc::invalid_argument);
    }
    if (active_fd_ && active_size_ >= segment_bytes_) {
        active_fd_.reset();
        ++active_segment_;
    }
    if (!active_fd_) {
        if (auto ec = open_active()) {
            return ec;
        }
    }
    std::string line;
    line.reserve(body.size() + 1);
    line.append(body);
    line.push_back('\n');
    if (auto ec = write_all(active_fd_.get(), line)) {
        if (ec == std::errc::no_space_on_device || ec.value() == EDQUOT) {
            low_space_ = true;
        }
        // Do not leave a partial line behind for the next append to extend.
        if (::ftruncate(active_fd_.get(), static_cast<off_t>(active_size_)) != 0) {
            active_fd_.reset();
            ++active_segment_;
        }
        return ec;
    }
    if (::fdatasync(active_fd_.get()) != 0) {
        return last_error();
    }
    entries_.push_back({next_seq_++, active_segment_, active_size_,
                        static_cast<std::uint32_t>(body.size()), std::string(id)});
    active_size_ += line.size();
    bytes_ += line.size();

    if (bytes_ > max_bytes_) {
        std::size_t n = 0;
        std::uint64_t b = bytes_;
        // Never drop the record just appended.
        while (n + 1 < entries_.size() && b > max_bytes_) {
            b -= entries_[n].length + 1;
            ++n;
        }
        drop_front(n);
        if (auto ec = persist_head()) {
            spdlog::error("spool: cannot write head file: {}", ec.message());
        } else {
            remove_consumed_segments();
        }
    }
    return {};
}

void spool::drop_front(std::size_t n) {
    if (n == 0) {
        return;
    }
    for (std::size_t i = 0; i < n; ++i) {
        bytes_ -= entries_.front().length + 1;
        entries_.pop_front();
    }
    dropped_ += n;
    spdlog::warn("spool: over its cap of {} bytes; dropped the {} oldest result(s) ({} dropped "
                 "since start)",
                 max_bytes_, n, dropped_);
    if (on_drop_) {
        on_drop_(n);
    }
}

std::vector<spool_record> spool::peek(std::size_t max_records, std::size_t max_bytes,
                                      std::error_code& ec) const {
    ec.clear();
    std::vector<spool_record> out;
    std::size_t total = 0;
    std::uint64_t open_seg = 0;
    unique_fd fd;
    for (const auto& e : entries_) {
        if (out.size() >= max_records || (!out.empty() && total + e.length > max_bytes)) {
            break;
        }
        if (!fd || open_seg != e.segment) {
            fd.reset(::open(segment_path(e.segment).c_str(), O_RDONLY | O_CLOEXEC));
            open_seg = e.segment;
            if (!fd) {
                ec = last_error();
                break;
            }
        }
        spool_record r{e.seq, e.id, std::string(e.length, '\0')};
        std::size_t got = 0;
        while (got < e.length) {
            const auto n = ::pread(fd.get(), r.body.data() + got, e.length - got,
                                   static_cast<off_t>(e.offset + got));
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                ec = n < 0 ? last_error() : std::make_error_code(std::errc::io_error);
                return out;
            }
            got += static_cast<std::size_t>(n);
        }
        total += e.length;
        out.push_back(std::move(r));
    }
    return out;
}

std::error_code spool::ack(std::uint64_t up_to_seq) {
    bool changed = false;
    while (!entries_.empty() && entries_.front().seq <= up_to_seq) {
        bytes_ -= entries_.front().length + 1;
        entries_.pop_front();
        changed = true;
    }
    if (!changed) {
        return {};
    }
    // Fully acknowledged segments are removed even when the head cannot be written (full
    // disk): an older head naming a removed segment replays from the oldest one present.
    const auto ec = persist_head();
    remove_consumed_segments();
    return ec;
}

std::error_code spool::persist_head() {
    std::uint64_t seg = active_segment_;
    std::uint64_t off = active_fd_ ? active_size_ : 0;
    if (!entries_.empty()) {
        seg = entries_.front().segment;
        off = entries_.front().offset;
    }
    return replace_file(dir_ / "head", format_spool_head({++generation_, seg, off, 2}));
}

void spool::remove_consumed_segments() {
    const std::uint64_t first_live = entries_.empty() ? active_segment_ : entries_.front().segment;
    std::error_code ec;
    while (!segments_.empty() && segments_.front() < first_live) {
        fs::remove(segment_path(segments_.front()), ec);
        if (ec) {
            spdlog::error("spool: cannot remove {}: {}", segment_path(segments_.front()).string(),
                          ec.message());
        }
        segments_.erase(segments_.begin());
    }
    // Everything acknowledged and the active segment is large (or the disk was full): start a
    // new one. The new head is written first: a crash in between leaves only an acknowledged
    // file. On a full disk the head may not fit until the segment is gone: the segment is
    // removed anyway (a head naming a removed segment replays from the oldest one present,
    // and the controller ignores what it already has), then the head is written again.
    if (entries_.empty() && active_fd_ && (active_size_ >= segment_bytes_ || low_space_)) {
        const auto old = active_segment_;
        const bool disk_full = low_space_;
        active_fd_.reset();
        ++active_segment_;
        low_space_ = false;
        const auto head_ec = persist_head();
        if (head_ec && !disk_full) {
            spdlog::error("spool: cannot write head file: {}", head_ec.message());
            return;
        }
        fs::remove(segment_path(old), ec);
        if (!segments_.empty() && segments_.back() == old) {
            segments_.pop_back();
        }
        if (head_ec) {
            if (auto again = persist_head()) {
                spdlog::error("spool: cannot write head file: {}", again.message());
            }
        }
    }
}

} // namespace tumen::probe::agent
