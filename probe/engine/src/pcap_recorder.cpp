#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include <pcap/pcap.h>

#include <tumen/probe/engine/pcap_recorder.hpp>

namespace tumen::probe::engine {
namespace {

constexpr std::uint64_t file_header_bytes = 24;   // pcap file header
constexpr std::uint64_t record_header_bytes = 16; // pcap record header
constexpr std::uint32_t snap_length = 65535;

pcap_dumper_t* as_dumper(void* p) {
    return static_cast<pcap_dumper_t*>(p);
}

} // namespace

pcap_recorder::pcap_recorder(recorder_options o)
    : options_(std::move(o)) {
    if (options_.max_files == 0) {
        throw std::runtime_error("--pcap-out " + options_.path +
                                 ": at least one file must be kept");
    }
    if (options_.max_file_bytes < file_header_bytes + record_header_bytes + snap_length) {
        throw std::runtime_error("--pcap-out " + options_.path + ": the size bound " +
                                 std::to_string(options_.max_file_bytes) +
                                 " bytes is below one full-size record");
    }
    dead_ = pcap_open_dead(DLT_RAW, static_cast<int>(snap_length));
    if (dead_ == nullptr) {
        throw std::runtime_error("--pcap-out " + options_.path + ": pcap_open_dead failed");
    }
    if (!open_file()) {
        const std::string why = pcap_geterr(static_cast<pcap_t*>(dead_));
        pcap_close(static_cast<pcap_t*>(dead_));
        throw std::runtime_error("--pcap-out " + options_.path + ": " + why);
    }
    writer_ = std::thread([this] { run(); });
}

pcap_recorder::~pcap_recorder() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    writer_.join();
    if (dumper_ != nullptr) {
        pcap_dump_close(as_dumper(dumper_));
    }
    pcap_close(static_cast<pcap_t*>(dead_));
}

std::string pcap_recorder::file_name(unsigned index) const {
    return index == 0 ? options_.path : options_.path + "." + std::to_string(index);
}

void pcap_recorder::record(std::span<const std::uint8_t> ip, std::int64_t ts_ns) noexcept {
    const auto len = static_cast<std::uint32_t>(std::min<std::size_t>(ip.size(), snap_length));
    {
        std::lock_guard lock(mutex_);
        if (pending_.data.size() + len > options_.queue_bytes) {
            ++counters_.dropped; // the disk is behind: drop rather than wait
            return;
        }
        try {
            pending_.items.push_back({ts_ns, pending_.data.size(), len});
            pending_.data.insert(pending_.data.end(), ip.begin(), ip.begin() + len);
        } catch (...) {
            if (pending_.items.size() > 0 &&
                pending_.items.back().offset + len > pending_.data.size()) {
                pending_.items.pop_back();
            }
            ++counters_.dropped;
            return;
        }
    }
    wake_.notify_one();
}

void pcap_recorder::flush() {
    std::unique_lock lock(mutex_);
    if (pending_.items.empty() && queued_seq_ == written_seq_) {
        return;
    }
    // The batch now pending is the next one the writer takes.
    const std::uint64_t target = queued_seq_ + (pending_.items.empty() ? 0 : 1);
    wake_.notify_one();
    written_.wait(lock, [&] { return written_seq_ >= target; });
}

recorder_counters pcap_recorder::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

void pcap_recorder::run() {
    batch writing;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stop_ || !pending_.items.empty(); });
            if (pending_.items.empty()) {
                return; // stopping, nothing left
            }
            std::swap(writing, pending_);
            ++queued_seq_;
        }
        write_batch(writing);
        writing.data.clear();
        writing.items.clear();
        {
            std::lock_guard lock(mutex_);
            ++written_seq_;
        }
        written_.notify_all();
    }
}

void pcap_recorder::write_batch(const batch& b) {
    std::uint64_t written = 0, dropped = 0;
    if (dumper_ == nullptr) {
        rotate(); // the last write failed: start a clean file (the damaged one rotates away)
    }
    for (const item& it : b.items) {
        const std::uint64_t need = record_header_bytes + it.length;
        if (dumper_ != nullptr && file_bytes_ + need > options_.max_file_bytes &&
            file_bytes_ > file_header_bytes) {
            rotate();
        }
        if (dumper_ == nullptr) {
            ++dropped;
            continue;
        }
        pcap_pkthdr h{};
        h.ts.tv_sec = static_cast<time_t>(it.ts_ns / 1000000000);
        h.ts.tv_usec = static_cast<suseconds_t>((it.ts_ns % 1000000000) / 1000);
        h.caplen = it.length;
        h.len = it.length;
        pcap_dump(reinterpret_cast<u_char*>(dumper_), &h, b.data.data() + it.offset);
        file_bytes_ += need;
        ++written;
    }
    if (dumper_ != nullptr && (pcap_dump_flush(as_dumper(dumper_)) != 0 ||
                               std::ferror(pcap_dump_file(as_dumper(dumper_))) != 0)) {
        fail("write to " + options_.path + ": " + std::strerror(errno));
        // What reached the disk is unknown and the file may end in a partial record: count
        // the batch as lost and close the file; the next batch starts a new one.
        dropped += written;
        written = 0;
        pcap_dump_close(as_dumper(dumper_));
        dumper_ = nullptr;
        std::lock_guard lock(mutex_);
        ++counters_.write_errors;
    }
    std::lock_guard lock(mutex_);
    counters_.recorded += written;
    counters_.dropped += dropped;
}

bool pcap_recorder::open_file() {
    dumper_ = pcap_dump_open(static_cast<pcap_t*>(dead_), options_.path.c_str());
    file_bytes_ = file_header_bytes;
    return dumper_ != nullptr;
}

void pcap_recorder::rotate() {
    if (dumper_ != nullptr) {
        pcap_dump_close(as_dumper(dumper_));
        dumper_ = nullptr;
    }
    // FILE.(N-2) -> FILE.(N-1), ..., FILE -> FILE.1 (the oldest is overwritten).
    for (unsigned i = options_.max_files - 1; i >= 1; --i) {
        const std::string from = file_name(i - 1);
        if (std::rename(from.c_str(), file_name(i).c_str()) != 0 && errno != ENOENT) {
            fail("rename " + from + ": " + std::strerror(errno));
            std::lock_guard lock(mutex_);
            ++counters_.write_errors;
        }
    }
    if (!open_file()) {
        fail("open " + options_.path + ": " + pcap_geterr(static_cast<pcap_t*>(dead_)));
        std::lock_guard lock(mutex_);
        ++counters_.write_errors;
        return;
    }
    std::lock_guard lock(mutex_);
    ++counters_.rotations;
}

void pcap_recorder::fail(const std::string& what) {
    if (!failed_) {
        failed_ = true;
        std::fprintf(stderr,
                     "tumen-probe: --pcap-out: %s (recording goes on where it can; errors are "
                     "counted, probing is not affected)\n",
                     what.c_str());
    }
}

} // namespace tumen::probe::engine
