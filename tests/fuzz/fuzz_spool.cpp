// libFuzzer target over the agent's spool reader (files on disk are hostile input after a
// crash, a full disk or a damaged medium): the input's first line is written as the `head`
// file and the rest as segment seg-1, then the spool is opened (spool_head.cpp, spool.cpp:
// head checks, truncated tails, quarantine of unparsable lines) in a scratch directory.
// Invariants, beyond no crash and no sanitizer report:
//  - a head that parses prints back to the same text (format 2) and the same fields;
//  - every record the spool holds reads back, in order (seq increasing), as a JSON object
//    whose id is the record's, and bytes() is the sum of their lengths plus newlines;
//  - nothing is lost: when the head was refused (or absent), the spool holds every complete
//    good line of the segment (a damaged head never deletes);
//  - acknowledging everything and reopening leaves an empty spool.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <tumen/probe/agent/spool.hpp>

#include "spool_head.hpp"

namespace {

namespace fs = std::filesystem;
using namespace tumen::probe::agent;

void require(bool ok) {
    if (!ok) {
        std::abort(); // libFuzzer keeps the input as a crash artifact
    }
}

const fs::path& scratch() {
    static const fs::path dir = [] {
        auto p = fs::temp_directory_path() / ("tumen-fuzz-spool-" + std::to_string(::getpid()));
        return p;
    }();
    return dir;
}

void write(const fs::path& p, std::string_view data) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

/// Complete lines of `seg` that are JSON objects with a non-empty string id.
std::size_t good_lines(std::string_view seg) {
    std::size_t n = 0;
    for (std::size_t pos = 0; pos < seg.size();) {
        const auto nl = seg.find('\n', pos);
        if (nl == std::string_view::npos) {
            break; // the incomplete tail is cut off
        }
        auto j = nlohmann::json::parse(seg.substr(pos, nl - pos), nullptr, false);
        if (j.is_object()) {
            auto it = j.find("id");
            if (it != j.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
                ++n;
            }
        }
        pos = nl + 1;
    }
    return n;
}

void check_head(std::string_view text) {
    spool_head h;
    std::string why;
    if (!parse_spool_head(text, h, why)) {
        require(!why.empty());
        return;
    }
    if (h.format == 2) {
        spool_head again;
        require(parse_spool_head(format_spool_head(h), again, why));
        require(again.generation == h.generation && again.segment == h.segment &&
                again.offset == h.offset && again.format == 2);
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off); // the spool logs every repair
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto nl = input.find('\n');
    const bool has_head = nl != std::string_view::npos && nl > 0;
    const std::string_view head = has_head ? input.substr(0, nl + 1) : std::string_view{};
    const std::string_view seg = nl == std::string_view::npos ? input : input.substr(nl + 1);
    check_head(head.empty() ? input : head);

    const fs::path dir = scratch();
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir);
    if (has_head) {
        write(dir / "head", head);
    }
    write(dir / "seg-00000000000000000001.jsonl", seg);
    {
        auto sp = spool::open(dir, 64u << 20);
        std::error_code read_ec;
        const auto records = sp.peek(sp.size() + 1, std::size_t(-1), read_ec);
        require(!read_ec && records.size() == sp.size());
        std::uint64_t bytes = 0;
        std::uint64_t last_seq = 0;
        for (const auto& r : records) {
            require(r.seq > last_seq);
            last_seq = r.seq;
            auto j = nlohmann::json::parse(r.body, nullptr, false);
            require(j.is_object() && j.contains("id") && j["id"].is_string() &&
                    j["id"].get<std::string>() == r.id);
            bytes += r.body.size() + 1;
        }
        require(bytes == sp.bytes());
        if (!has_head || !sp.recovery().head_error.empty()) {
            require(sp.size() == good_lines(seg));
        } else {
            require(sp.size() <= good_lines(seg));
        }
        if (!records.empty()) {
            require(!sp.ack(records.back().seq));
        }
    }
    auto reopened = spool::open(dir, 64u << 20);
    require(reopened.empty());
    return 0;
}
