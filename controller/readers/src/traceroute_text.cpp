// Plain traceroute text output (Linux/BSD traceroute(8), with or without names).
#include <algorithm>
#include <cctype>
#include <charconv>

#include <tumen/common/atlas_err.hpp>
#include <tumen/controller/readers/traceroute_text.hpp>

#include "record_state.hpp"

namespace tumen::controller::readers {
namespace {

using detail::issue;
using detail::record_state;

/// `!X`-style annotations of BSD/Linux traceroute (traceroute(8)): ICMP unreachable codes,
/// stored with RIPE Atlas' `err` for the code.
bool apply_annotation(std::string_view tok, result::hop_reply& r) {
    struct ann {
        std::string_view text;
        std::uint8_t code;
    };
    static constexpr ann anns[] = {{"!N", 0},  {"!H", 1},  {"!P", 2},  {"!F", 4}, {"!S", 5},
                                   {"!X", 13}, {"!A", 13}, {"!V", 14}, {"!C", 15}};
    for (const auto& a : anns) {
        if (tok == a.text) {
            r.icmp_type = 3;
            r.icmp_code = a.code;
            r.err = result::err_of_unreachable(a.code, false);
            return true;
        }
    }
    return false;
}

result::hop_reply timeout_reply() {
    result::hop_reply r;
    r.timeout = true;
    return r;
}

} // namespace

result_batch read_traceroute_text(std::string_view text, const std::string& source,
                                  const std::string& agent) {
    result_batch batch;
    record_state st{source, batch, {}};
    result::trace* cur = nullptr;
    ipv4_addr cur_addr;
    bool have_addr = false;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    std::size_t traces = 0;
    while (pos < text.size()) {
        auto nl = text.find('\n', pos);
        if (nl == std::string_view::npos) {
            nl = text.size();
        }
        std::string line(text.substr(pos, nl - pos));
        pos = nl + 1;
        ++line_no;
        if (auto h = line.find("traceroute to "); h != std::string::npos) {
            auto open = line.find('(', h);
            auto close = line.find(')', open == std::string::npos ? h : open);
            std::optional<ipv4_addr> dst;
            if (open != std::string::npos && close != std::string::npos) {
                dst = ipv4_addr::parse(std::string_view(line).substr(open + 1, close - open - 1));
            }
            if (!dst) {
                issue(st, line_no, "", "traceroute header without an IPv4 destination", true);
                cur = nullptr;
                continue;
            }
            batch.traces.emplace_back();
            cur = &batch.traces.back();
            cur->dst = *dst;
            cur->agent = agent;
            cur->proto = "UDP";
            cur->method = "udp";
            cur->id = source + ":" + std::to_string(line_no);
            ++traces;
            have_addr = false;
            continue;
        }
        if (cur == nullptr) {
            continue;
        }
        std::size_t i = line.find_first_not_of(" \t");
        if (i == std::string::npos) {
            continue;
        }
        result::hop* hop = nullptr;
        if (std::isdigit(static_cast<unsigned char>(line[i])) != 0 &&
            (i == 0 || line.find_first_of(" \t", i) != std::string::npos)) {
            unsigned ttl = 0;
            auto [p, ec] = std::from_chars(line.data() + i, line.data() + line.size(), ttl);
            bool is_hop_number =
                ec == std::errc{} && (p == line.data() + line.size() || *p == ' ' || *p == '\t') &&
                ttl >= 1 && ttl <= 255 &&
                line.substr(i, static_cast<std::size_t>(p - line.data()) - i).find('.') ==
                    std::string::npos;
            // A continuation line starts with an address ("    107.14.19.22 ..."), not a hop
            // number followed by spaces; hop numbers are followed by two spaces in practice.
            if (is_hop_number && (i < 3)) {
                cur->hops.emplace_back();
                cur->hops.back().ttl = static_cast<std::uint8_t>(ttl);
                i = static_cast<std::size_t>(p - line.data());
                have_addr = false;
            }
        }
        if (cur->hops.empty()) {
            issue(st, line_no, "", "hop line before any hop number");
            continue;
        }
        hop = &cur->hops.back();
        // Tokens: "*", address, "(address)", hostname, "<rtt>" followed by "ms", "!X".
        std::vector<std::string> toks;
        std::size_t k = i;
        while (k < line.size()) {
            auto b = line.find_first_not_of(" \t\r", k);
            if (b == std::string::npos) {
                break;
            }
            auto e = line.find_first_of(" \t\r", b);
            if (e == std::string::npos) {
                e = line.size();
            }
            toks.push_back(line.substr(b, e - b));
            k = e;
        }
        for (std::size_t t = 0; t < toks.size(); ++t) {
            std::string tok = toks[t];
            if (tok == "*") {
                hop->replies.push_back(timeout_reply());
                continue;
            }
            if (tok.size() > 2 && tok.front() == '(' && tok.back() == ')') {
                tok = tok.substr(1, tok.size() - 2);
            }
            if (auto a = ipv4_addr::parse(tok)) {
                cur_addr = *a;
                have_addr = true;
                continue;
            }
            if (!tok.empty() && tok[0] == '!') {
                if (!hop->replies.empty() && !hop->replies.back().timeout) {
                    apply_annotation(tok, hop->replies.back());
                }
                continue;
            }
            double rtt = 0;
            auto [p, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), rtt);
            if (ec == std::errc{} && p == tok.data() + tok.size() && t + 1 < toks.size() &&
                toks[t + 1] == "ms") {
                if (!have_addr) {
                    issue(st, line_no, "", "round-trip time without an address");
                    continue;
                }
                result::hop_reply r;
                r.from = cur_addr;
                r.rtt_ms = rtt;
                r.icmp_type = cur_addr == cur->dst ? 3 : 11;
                r.icmp_code = cur_addr == cur->dst ? 3 : 0;
                hop->replies.push_back(r);
                ++t; // "ms"
                continue;
            }
            // Host names and anything else carry no data.
        }
    }
    if (traces == 0) {
        issue(st, 0, "", "no \"traceroute to\" header found");
    }
    for (auto& t : batch.traces) {
        if (!t.hops.empty() && !t.hops.back().replies.empty()) {
            const auto& last = t.hops.back().replies;
            bool reached = std::any_of(last.begin(), last.end(), [&](const auto& r) {
                return !r.timeout && r.from == t.dst;
            });
            t.stop = reached ? result::stop_reason::completed : result::stop_reason::none;
        }
    }
    return batch;
}

} // namespace tumen::controller::readers
