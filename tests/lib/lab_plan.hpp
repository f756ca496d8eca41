#pragma once
// The lab's address plan for C++ tests and benchmarks, read from the source tree rather than
// pasted into them: deploy/lab/lab.env (names, addresses, prefixes, AS numbers; the file
// deploy/lab/lab.sh builds the lab from), deploy/lab/pfx2as.txt (the prefix-to-AS table the
// lab's controller loads) and schedules/lab.yaml (the lab campaign). The C++ counterpart of
// tests/lib/lab_test.sh, which sources the same lab.env for the shell tests.
//
// The files are found through TUMEN_LAB_PLAN_SOURCE_DIR, the repository's source directory,
// a compile definition of the CMake target tumen::test_lab_plan (tests/lib/CMakeLists.txt).
// Errors (a missing file, a malformed line, an unknown key) throw std::runtime_error: a test
// that needs the plan cannot go on without it.
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <tumen/common/campaign/yaml.hpp>
#include <tumen/common/ipv4.hpp>
#include <tumen/common/text.hpp>

namespace tumen::test {

/// The lab's address plan: the variables of deploy/lab/lab.env, typed on request, and the
/// paths of the lab's pfx2as table and campaign.
class lab_plan {
public:
    /// Reads `<source_dir>/deploy/lab/lab.env`. lab.env is written for `sh`: lines of
    /// `KEY=VALUE` assignments separated by `;`, values bare or in double quotes, `#`
    /// comments; nothing else (no expansions) is accepted.
    explicit lab_plan(std::string source_dir)
        : source_dir_(std::move(source_dir)) {
        const std::string path = env_path();
        std::ifstream in(path);
        if (!in) {
            throw std::runtime_error(path + ": cannot open");
        }
        std::string line;
        for (int n = 1; std::getline(in, line); ++n) {
            parse_line(line, path + ":" + std::to_string(n));
        }
    }

    /// The plan of this source tree, read once.
    static const lab_plan& get() {
        static const lab_plan plan(TUMEN_LAB_PLAN_SOURCE_DIR);
        return plan;
    }

    /// Path of lab.env.
    std::string env_path() const { return source_dir_ + "/deploy/lab/lab.env"; }
    /// Path of the lab's pfx2as table (deploy/lab/pfx2as.txt).
    std::string pfx2as_path() const { return source_dir_ + "/deploy/lab/pfx2as.txt"; }
    /// Path of the lab campaign (schedules/lab.yaml).
    std::string schedule_path() const { return source_dir_ + "/schedules/lab.yaml"; }
    /// The lab campaign, loaded (one campaign, "lab-border").
    campaign::campaign_set schedule() const {
        return campaign::load_campaigns_file(schedule_path());
    }

    /// The text of variable `key` (e.g. "LAB_TARGET_ADDR").
    const std::string& value(const std::string& key) const {
        auto it = values_.find(key);
        if (it == values_.end()) {
            throw std::runtime_error(env_path() + ": no variable " + key);
        }
        return it->second;
    }
    /// The space-separated words of variable `key` (e.g. "LAB_TARGET_24S").
    std::vector<std::string> words(const std::string& key) const {
        std::istringstream in(value(key));
        std::vector<std::string> out;
        for (std::string w; in >> w;) {
            out.push_back(w);
        }
        return out;
    }
    /// Variable `key` as an address (e.g. "LAB_VP_ADDR_fra").
    ipv4_addr addr(const std::string& key) const {
        return typed(key, ipv4_addr::parse(value(key)), "an IPv4 address");
    }
    /// Variable `key` as a prefix (e.g. "LAB_CU_PREFIX").
    ipv4_prefix prefix(const std::string& key) const {
        return typed(key, ipv4_prefix::parse(value(key), true), "an IPv4 prefix");
    }
    /// Variable `key` as a list of prefixes (e.g. "LAB_TARGET_24S").
    std::vector<ipv4_prefix> prefixes(const std::string& key) const {
        std::vector<ipv4_prefix> out;
        for (const auto& w : words(key)) {
            out.push_back(typed(key, ipv4_prefix::parse(w, true), "a list of IPv4 prefixes"));
        }
        return out;
    }
    /// Variable `key` as an AS number (e.g. "LAB_CU_AS").
    std::uint32_t asn(const std::string& key) const {
        const std::string& v = value(key);
        std::size_t used = 0;
        unsigned long n = 0;
        try {
            n = std::stoul(v, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (v.empty() || used != v.size() || n > 0xffffffffUL) {
            throw std::runtime_error(env_path() + ": " + key + "=" + v + " is not an AS number");
        }
        return static_cast<std::uint32_t>(n);
    }
    /// The `n`-th address of prefix variable `key` (what lab_addr does in lab_test.sh).
    ipv4_addr addr_in(const std::string& key, std::uint64_t n) const {
        const ipv4_prefix p = prefix(key);
        if (n >= p.size()) {
            throw std::runtime_error(env_path() + ": " + key + " has no address " +
                                     std::to_string(n));
        }
        return p.at(n);
    }

    /// The address of vantage point `vp` ("fra", "tyo", "msk": LAB_VP_ADDR_<vp>).
    ipv4_addr vp_addr(const std::string& vp) const { return addr("LAB_VP_ADDR_" + vp); }
    /// The address of vantage point `vp`'s access router, its first hop (LAB_ACC_ADDR_<vp>).
    ipv4_addr acc_addr(const std::string& vp) const { return addr("LAB_ACC_ADDR_" + vp); }
    /// The `i`-th target /24 (LAB_TARGET_24S), each tracked on its own by the campaign.
    ipv4_prefix target_24(std::size_t i) const {
        const auto t24s = prefixes("LAB_TARGET_24S");
        if (i >= t24s.size()) {
            throw std::runtime_error(env_path() + ": LAB_TARGET_24S has no target " +
                                     std::to_string(i));
        }
        return t24s[i];
    }
    /// The `n`-th address of the `i`-th target /24.
    ipv4_addr target_addr(std::size_t i, std::uint64_t n) const {
        const ipv4_prefix p = target_24(i);
        if (n >= p.size()) {
            throw std::runtime_error(env_path() + ": target " + p.to_string() + " has no address " +
                                     std::to_string(n));
        }
        return p.at(n);
    }

private:
    template <class T>
    T typed(const std::string& key, const std::optional<T>& v, const char* what) const {
        if (!v) {
            throw std::runtime_error(env_path() + ": " + key + "=" + value(key) + " is not " +
                                     what);
        }
        return *v;
    }

    void parse_line(std::string_view line, const std::string& where) {
        line = line.substr(0, line.find('#'));
        while (!tumen::trim(line).empty()) {
            const auto semi = line.find(';');
            parse_assignment(tumen::trim(line.substr(0, semi)), where);
            line = semi == std::string_view::npos ? std::string_view{} : line.substr(semi + 1);
        }
    }

    void parse_assignment(std::string_view a, const std::string& where) {
        const auto eq = a.find('=');
        const std::string_view key = a.substr(0, eq);
        auto bad = [&](const char* why) {
            return std::runtime_error(where + ": " + why + ": " + std::string(a));
        };
        if (eq == std::string_view::npos || key.empty() ||
            key.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") !=
                std::string_view::npos) {
            throw bad("not a KEY=VALUE assignment");
        }
        std::string_view v = a.substr(eq + 1);
        const bool quoted = v.size() >= 2 && v.front() == '"' && v.back() == '"';
        if (quoted) {
            v = v.substr(1, v.size() - 2);
        }
        if (v.find_first_of("\"'$`\\") != std::string_view::npos) {
            throw bad("shell syntax in a value");
        }
        if (!quoted && v.find_first_of(" \t") != std::string_view::npos) {
            throw bad("an unquoted value with blanks");
        }
        if (!values_.emplace(std::string(key), std::string(v)).second) {
            throw bad("set twice");
        }
    }

    std::string source_dir_;
    std::map<std::string, std::string, std::less<>> values_;
};

/// The lab's plan of this source tree (lab_plan::get()).
inline const lab_plan& lab() {
    return lab_plan::get();
}

} // namespace tumen::test
