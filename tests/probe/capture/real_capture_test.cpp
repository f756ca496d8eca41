// `tumen-probe decode --format json` output of each real capture, compared field by field
// with the capture's `tshark -V` dump: the dump is parsed here (nothing is written down by
// hand), packet k of the dump being frame k of the .pcap (the dumps keep the frame numbers of
// the larger captures they were cut from).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <tumen/probe/tool/decode_output.hpp>

#include "real_data.hpp"

/// This binary needs the real captures and their tshark -V dumps (real_data_main.cpp skips it when
/// absent).
const char* const tumen::test::real_data_subdir = "pcap/caracal";

namespace {

namespace fs = std::filesystem;

/// What the dump says about one packet.
struct dumped {
    int family = 0;
    std::string src, dst;
    std::optional<int> icmp_type, icmp_code;
    std::optional<std::int64_t> epoch_us;               ///< "Epoch Time", when the dump has it
    std::optional<int> ttl;                             ///< the packet's own TTL / hop limit
    std::optional<int> ip_id;                           ///< the packet's own IP id
    std::optional<int> sport, dport, echo_id, echo_seq; ///< the packet's own L4
    // The quoted packet inside an ICMP error:
    std::string q_dst;
    std::optional<int> q_proto, q_ttl, q_ip_id, q_sport, q_dport, q_icmp_id, q_icmp_seq;
    std::vector<nlohmann::json> mpls;
};

std::size_t indent_of(const std::string& l) {
    return l.find_first_not_of(' ');
}

/// The integer in the last "(...)" of a line ("Protocol: UDP (17)", "Type: Time Exceeded
/// (3)", "Identification: 0x0006 (6)"), else the first integer after ": " (hex with 0x).
std::optional<int> number_of(const std::string& l) {
    static const std::regex paren(R"(\((\d+)\)\s*$)");
    static const std::regex first(R"(:\s+(0x[0-9a-fA-F]+|\d+))");
    std::smatch m;
    if (std::regex_search(l, m, paren)) {
        return std::stoi(m[1]);
    }
    if (std::regex_search(l, m, first)) {
        return static_cast<int>(std::stol(m[1], nullptr, 0));
    }
    return std::nullopt;
}

bool has(const std::string& l, const char* key) {
    const auto i = indent_of(l);
    return i != std::string::npos && l.compare(i, std::strlen(key), key) == 0;
}

/// Parses the dump into one entry per packet.
std::vector<dumped> parse_dump(const fs::path& txt) {
    std::ifstream in(txt);
    REQUIRE_MESSAGE(in.good(), "cannot read ", txt.string());
    std::vector<dumped> out;
    std::string l;
    // Where we are inside the current packet: the outer layers (level 0) or the ICMP error's
    // quote (level 4, its fields at 8).
    bool in_icmp = false, in_quote = false, in_quoted_icmp = false, in_mpls = false;
    static const std::regex ip_line(R"(Internet Protocol Version (4|6), Src: ([^,]+), Dst: (.+)$)");
    static const std::regex ports(R"(Protocol, Src Port: (\d+), Dst Port: (\d+))");
    static const std::regex epoch(R"(Epoch Time: (\d+)\.(\d{6}))");
    while (std::getline(in, l)) {
        std::smatch m;
        if (l.rfind("Frame ", 0) == 0) {
            out.emplace_back();
            in_icmp = in_quote = in_quoted_icmp = in_mpls = false;
            continue;
        }
        if (out.empty() || l.empty()) {
            continue;
        }
        dumped& d = out.back();
        const std::size_t ind = indent_of(l);
        if (std::regex_search(l, m, epoch) && !d.epoch_us) {
            d.epoch_us = std::stoll(m[1]) * 1000000 + std::stoll(m[2]);
        }
        if (std::regex_search(l, m, ip_line)) {
            if (ind == 0) {
                d.family = std::stoi(m[1]);
                d.src = m[2];
                d.dst = m[3];
            } else if (in_icmp) {
                in_quote = true;
                d.q_dst = m[3];
            }
            continue;
        }
        if (ind == 0 && l.rfind("Internet Control Message Protocol", 0) == 0) {
            in_icmp = true;
            continue;
        }
        if (std::regex_search(l, m, ports)) {
            if (ind == 0) {
                d.sport = std::stoi(m[1]);
                d.dport = std::stoi(m[2]);
            } else if (in_quote) {
                d.q_sport = std::stoi(m[1]);
                d.q_dport = std::stoi(m[2]);
            }
            continue;
        }
        if (in_quote && ind == 4 && has(l, "Internet Control Message Protocol")) {
            in_quoted_icmp = true;
            continue;
        }
        if (has(l, "MPLS Stack Entry") || has(l, "MPLS Label Stack")) {
            in_mpls = true;
            continue;
        }
        if (in_mpls && has(l, "Label:")) {
            d.mpls.push_back({{"label", number_of(l).value_or(-1)}});
            continue;
        }
        if (in_mpls && !d.mpls.empty() &&
            (has(l, "Experimental") || has(l, "Traffic Class") || has(l, "Stack bit") ||
             has(l, "Bottom of Stack") || has(l, "Time to live") || has(l, "TTL"))) {
            auto& e = d.mpls.back();
            if (has(l, "Stack bit") || has(l, "Bottom of Stack")) {
                e["s"] = l.find("Not set") == std::string::npos ? 1 : 0;
            } else if (has(l, "Time to live") || has(l, "TTL")) {
                e["ttl"] = number_of(l).value_or(-1);
            } else {
                e["exp"] = number_of(l).value_or(-1);
            }
            continue;
        }
        const bool own = ind == 4 && !in_quote;
        const bool quoted = ind == 8 && in_quote;
        if (has(l, "Type:") && own && in_icmp) {
            d.icmp_type = number_of(l);
        } else if (has(l, "Code:") && own && in_icmp) {
            d.icmp_code = number_of(l);
        } else if ((has(l, "Time to live:") || has(l, "Hop Limit:"))) {
            if (own && !in_icmp) {
                d.ttl = number_of(l);
            } else if (quoted && !in_quoted_icmp) {
                d.q_ttl = number_of(l);
            }
        } else if (has(l, "Identification:")) {
            if (own && !in_icmp) {
                d.ip_id = number_of(l);
            } else if (quoted) {
                d.q_ip_id = number_of(l);
            }
        } else if (has(l, "Protocol:") || has(l, "Next Header:")) {
            if (quoted && !in_quoted_icmp) {
                d.q_proto = number_of(l);
            }
        } else if (has(l, "Identifier (BE):") || has(l, "Identifier:")) {
            if (own && in_icmp) {
                d.echo_id = number_of(l);
            } else if (quoted && in_quoted_icmp) {
                d.q_icmp_id = static_cast<int>(std::stol(l.substr(l.find(':') + 2), nullptr, 0));
            }
        } else if (has(l, "Sequence number (BE):") || has(l, "Sequence:")) {
            const int v = static_cast<int>(std::stol(l.substr(l.find(':') + 2), nullptr, 0));
            if (own && in_icmp) {
                d.echo_seq = v;
            } else if (quoted && in_quoted_icmp) {
                d.q_icmp_seq = v;
            }
        }
    }
    // Identifier lines in hex ("Identifier: 0x5dc0") came through number_of's first form.
    return out;
}

bool is_reply(const dumped& d) {
    if (!d.icmp_type) {
        return false;
    }
    return d.family == 4 ? (*d.icmp_type == 0 || *d.icmp_type == 3 || *d.icmp_type == 11)
                         : (*d.icmp_type == 1 || *d.icmp_type == 3 || *d.icmp_type == 129);
}

std::vector<nlohmann::json> decode_json(const fs::path& pcap) {
    char* buf = nullptr;
    std::size_t len = 0;
    std::FILE* mem = open_memstream(&buf, &len);
    REQUIRE(mem != nullptr);
    std::string error;
    const auto sum = tumen::probe::tool::decode_file(pcap.string(), true, mem, error);
    std::fclose(mem);
    const std::string text(buf, len);
    std::free(buf);
    REQUIRE_MESSAGE(sum.has_value(), error);
    std::vector<nlohmann::json> lines;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto nl = text.find('\n', at);
        REQUIRE(nl != std::string::npos);
        lines.push_back(nlohmann::json::parse(text.substr(at, nl - at)));
        at = nl + 1;
    }
    return lines;
}

std::vector<fs::path> captures() {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(tumen::test::real_data_dir() + "/pcap/caracal")) {
        if (e.path().extension() == ".pcap") {
            out.push_back(e.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

template <class T>
void check_field(const nlohmann::json& j, const char* key, const std::optional<T>& want) {
    CAPTURE(key);
    if (want) {
        REQUIRE(j.contains(key));
        CHECK(j[key] == *want);
    } else {
        CHECK((!j.contains(key) || j[key].is_null()));
    }
}

} // namespace

TEST_CASE("decode reproduces every reply field of the real captures' tshark dumps") {
    const auto files = captures();
    REQUIRE(files.size() >= 5);
    int replies_checked = 0, with_probe = 0;
    for (const auto& pcap : files) {
        fs::path txt = pcap;
        txt.replace_extension(".txt");
        CAPTURE(pcap.filename().string());
        const auto dump = parse_dump(txt);
        const auto got = decode_json(pcap);
        std::size_t next = 0;
        for (std::size_t k = 0; k < dump.size(); ++k) {
            const dumped& d = dump[k];
            if (!is_reply(d)) {
                continue;
            }
            CAPTURE(k + 1);
            REQUIRE(next < got.size());
            const nlohmann::json& j = got[next++];
            REQUIRE_FALSE(j.contains("error"));
            CHECK(j["frame"] == k + 1);
            CHECK(j["family"] == d.family);
            CHECK(j["src"] == d.src);
            CHECK(j["icmp_type"] == *d.icmp_type);
            CHECK(j["icmp_code"] == d.icmp_code.value_or(-1));
            if (d.epoch_us) {
                const std::int64_t s = *d.epoch_us / 1000000, us = *d.epoch_us % 1000000;
                char want[96];
                std::time_t tt = s;
                std::tm tm{};
                gmtime_r(&tt, &tm);
                std::snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
                              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                              tm.tm_sec, static_cast<long long>(us));
                CHECK(j["time"] == want);
            }
            if (d.q_dst.empty()) {
                CHECK(j["quoted"].is_null());
                REQUIRE(j.contains("echo"));
                CHECK(j["echo"]["icmp_id"] == d.echo_id.value_or(-1));
                CHECK(j["echo"]["icmp_seq"] == d.echo_seq.value_or(-1));
            } else {
                const auto& q = j["quoted"];
                REQUIRE(q.is_object());
                CHECK(q["dst"] == d.q_dst);
                CHECK(q["proto"] == d.q_proto.value_or(-1));
                CHECK(q["ttl"] == d.q_ttl.value_or(-1));
                check_field(q, "ip_id", d.q_ip_id);
                check_field(q, "sport", d.q_sport);
                check_field(q, "dport", d.q_dport);
                check_field(q, "icmp_id", d.q_icmp_id);
                check_field(q, "icmp_seq", d.q_icmp_seq);
            }
            CHECK(j["mpls"].size() == d.mpls.size());
            for (std::size_t i = 0; i < d.mpls.size() && i < j["mpls"].size(); ++i) {
                for (const auto& [key, value] : d.mpls[i].items()) {
                    CHECK(j["mpls"][i][key] == value);
                }
            }
            // The probe, when the dump shows it: a probe with the quoted (or echoed) fields
            // gives the TTL it left with and the RTT between the two epoch times.
            std::optional<std::size_t> probe;
            for (std::size_t p = 0; p < k; ++p) {
                const dumped& c = dump[p];
                if (c.family != d.family || c.src.empty()) {
                    continue;
                }
                const bool quote_match = !d.q_dst.empty() && c.dst == d.q_dst &&
                                         c.ip_id == d.q_ip_id && c.sport == d.q_sport &&
                                         c.dport == d.q_dport && c.echo_id == d.q_icmp_id &&
                                         c.echo_seq == d.q_icmp_seq;
                const bool echo_match = d.q_dst.empty() && c.dst == d.src &&
                                        (c.icmp_type == 8 || c.icmp_type == 128) &&
                                        c.echo_id == d.echo_id && c.echo_seq == d.echo_seq;
                if (quote_match || echo_match) {
                    probe = p;
                }
            }
            if (probe) {
                ++with_probe;
                CHECK(j["probe_ttl"] == dump[*probe].ttl.value_or(-1));
                REQUIRE(j["rtt_ms"].is_number());
                if (d.epoch_us && dump[*probe].epoch_us) {
                    const double want =
                        static_cast<double>(*d.epoch_us - *dump[*probe].epoch_us) / 1e3;
                    CHECK(j["rtt_ms"].get<double>() == doctest::Approx(want).epsilon(0.001));
                }
            } else {
                CHECK(j["probe_ttl"].is_null());
                CHECK(j["rtt_ms"].is_null());
            }
            ++replies_checked;
        }
        CHECK(next == got.size()); // nothing reported that the dump does not show as a reply
    }
    CHECK(replies_checked >= 5);
    CHECK(with_probe >= 5); // each capture holds the probe of its reply
}
