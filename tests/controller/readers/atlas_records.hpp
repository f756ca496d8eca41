#pragma once
// The real RIPE Atlas traceroutes of ../shared/data/real/atlas, one JSON text each, for the
// reader tests (atlas_lines_test.cpp, atlas_scan_test.cpp).
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "real_data.hpp"

namespace tumen::test {

inline std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// The real Atlas traceroutes, one JSON text each: the 22 sagan lines first, then the records
/// of the monitor arrays.
inline std::vector<std::string> real_atlas_records() {
    const std::string dir = tumen::test::real_data_dir() + "/atlas/";
    std::vector<std::string> out;
    std::istringstream lines(read_file(dir + "ripe-atlas-sagan_test_traceroute.ndjson"));
    for (std::string l; std::getline(lines, l);) {
        if (!l.empty()) {
            out.push_back(l);
        }
    }
    for (const char* f :
         {"ripe-atlas-monitor_msm1033154.json", "ripe-atlas-monitor_msm3082698.json",
          "ripe-atlas-tools_test_traceroute_aspath.json"}) {
        const auto doc = nlohmann::json::parse(read_file(dir + f));
        for (const auto& r : doc.is_array() ? doc : doc["results"]) {
            out.push_back(r.dump());
        }
    }
    return out;
}

/// `r` with one to three random changes (a byte replaced, bytes erased, a byte or a piece of
/// the record inserted), biased to JSON's and numbers' characters and some invalid bytes.
inline std::string mutate(std::string r, std::mt19937& rng) {
    const std::string alphabet = "{}[]\",:0123456789.-+eEaftnrux\\ *\x01\xc3";
    for (int m = 0, n = 1 + static_cast<int>(rng() % 3); m < n && !r.empty(); ++m) {
        const std::size_t at = rng() % r.size();
        switch (rng() % 4) {
        case 0:
            r[at] = alphabet[rng() % alphabet.size()];
            break;
        case 1:
            r.erase(at, 1 + rng() % 3);
            break;
        case 2:
            r.insert(at, 1, alphabet[rng() % alphabet.size()]);
            break;
        default:
            r.insert(at, r.substr(rng() % r.size(), 1 + rng() % 20));
            break;
        }
    }
    return r;
}

} // namespace tumen::test
