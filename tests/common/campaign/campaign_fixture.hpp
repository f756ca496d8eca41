#pragma once
// Shared by the campaign tests: a valid campaign text and helpers to break it.
#include <string>

#include <doctest/doctest.h>

#include <tumen/common/campaign.hpp>

namespace campaign_fixture {
inline const char* good = R"(campaigns:
  - name: t1
    targets:
      asn: 64500
      prefixes: [198.51.100.0/24, 203.0.113.0/25]
      addresses_per_prefix: 2
      addresses: [203.0.113.77]
    classes:
      - name: upstream-a
        asns: [64501, AS64502]
        prefixes: [192.0.2.0/25]
      - name: upstream-b
        asns: [64503]
    methods: [udp-paris, ping]
    interval: 10s
    jitter: 500ms
    agents:
      names: [fra]
      labels: [asia]
)";

/// Expects parse_campaigns to throw with the given line and column and message fragment.
inline void expect_error(const std::string& text, int line, int column,
                         const std::string& fragment) {
    try {
        tumen::campaign::parse_campaigns(text, "test.yaml");
        FAIL("no error for: " << text);
    } catch (const tumen::campaign::campaign_error& e) {
        std::string what = e.what();
        CAPTURE(what);
        CHECK(e.file() == "test.yaml");
        CHECK(e.line() == line);
        CHECK(e.column() == column);
        CHECK(std::string(e.what()).find(fragment) != std::string::npos);
        CHECK(std::string(e.what()).rfind("test.yaml:" + std::to_string(line) + ":", 0) == 0);
    }
}

inline std::string replace(std::string s, const std::string& from, const std::string& to) {
    auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    return s.replace(pos, from.size(), to);
}
} // namespace campaign_fixture
