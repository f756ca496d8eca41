// The read by hand of RIPE Atlas traceroute lines (readers/src/atlas_scan.cpp) against the
// on-demand read it is tried before (readers/src/atlas_ondemand.cpp): every line the hand read
// takes, real or changed, must give the on-demand read's outcome and trace; and it must take
// the real lines, or the benchmark's speed would come from the on-demand read.
#include <random>
#include <string>

#include <doctest/doctest.h>

#include "atlas_ondemand.hpp"
#include "atlas_records.hpp"
#include "atlas_scan.hpp"

using namespace tumen;
using namespace tumen::controller::readers::detail;

namespace {

/// Whether the hand read declines `line` or reads it as the on-demand read does; `taken`
/// counts the lines it read.
void check_same(const std::string& line, std::size_t& taken) {
    result::trace by_hand;
    const auto scanned = scan_atlas_traceroute(line, by_hand);
    if (scanned == atlas_line::declined) {
        return;
    }
    ++taken;
    result::trace on_demand;
    CAPTURE(line);
    REQUIRE(read_atlas_ondemand(line, 0, on_demand) == scanned);
    CHECK(by_hand == on_demand);
}

} // namespace

TEST_CASE("Atlas scan: the real lines are read by hand, as the on-demand read reads them") {
    const auto records = test::real_atlas_records();
    REQUIRE(records.size() > 100);
    std::size_t taken = 0;
    for (std::size_t i = 0; i < 22; ++i) { // the sagan lines, as RIPE Atlas writes them
        CAPTURE(records[i]);
        result::trace t;
        // Every line the on-demand read takes (all but a failed traceroute) is read by hand.
        CHECK((read_atlas_ondemand(records[i], 0, t) == atlas_line::declined) ==
              (scan_atlas_traceroute(records[i], t) == atlas_line::declined));
        check_same(records[i], taken);
    }
    CHECK(taken == 21);
    for (const auto& r : records) {
        check_same(r, taken);
    }
    CHECK(taken > 100);
}

TEST_CASE("Atlas scan: changes at the edges of what the hand read takes") {
    const std::vector<std::pair<std::string, std::string>> changes{
        {R"("rtt":)", R"("rtt":1e2,"r":)"},                               // exponent
        {R"("rtt":)", R"("rtt":1.000000000000000001,"r":)"},              // 19 digits
        {R"("rtt":)", R"("rtt":1.0000000000000000001,"r":)"},             // 20 digits
        {R"("rtt":)", R"("rtt":9007199254740993,"r":)"},                  // past 2^53
        {R"("rtt":)", R"("rtt":0.30000000000000004,"r":)"},               // from_chars
        {R"("rtt":)", R"("rtt":-0,"r":)"},                                // negative zero
        {R"("rtt":)", R"("rtt":00.5,"r":)"},                              // leading zero
        {R"("rtt":)", R"("rtt":5.,"r":)"},                                // no fraction digits
        {R"("rtt":)", R"("rtt":3600000.5,"r":)"},                         // over an hour
        {R"("hop":)", R"("hop":01,"h":)"},                                // leading zero
        {R"("size":)", R"("size":-1,"s":)"},                              // negative
        {R"("size":)", R"("size":65536,"s":)"},                           // out of range
        {R"("ttl":)", R"("ttl":255,"t":)"},                               // largest
        {R"("dst_name":")", R"("dst_name":"\u00e9)"},                     // escape
        {R"("dst_name":")", R"("dst_name":"\/)"},                         // escape
        {R"("dst_name":")", "\"dst_name\":\"\xc3\xa9"},                   // UTF-8
        {R"("from":")", R"("from":"",",":")"},                            // empty address
        {R"("x":"*")", R"("x":"*","late":true)"},                         // timeout with more
        {R"("rtt":)", R"("late":true,"rtt":)"},                           // late
        {R"("rtt":)", R"("late":2,"rtt":)"},                              // late count
        {R"("rtt":)", R"("err":7,"rtt":)"},                               // numeric error
        {R"("rtt":)", R"("err":"N","rtt":)"},                             // error text
        {R"("rtt":)", R"("icmp_type":0,"icmp_code":3,"rtt":)"},           // ICMP type given
        {R"("rtt":)", R"("nat":true,"rtt":)"},                            // NAT
        {R"("rtt":)", R"("ittl":300,"rtt":)"},                            // quoted TTL out of range
        {R"("rtt":)", R"("rtt":1,"rtt":)"},                               // repeated key
        {R"("hop":)", R"("k":[1,-2.5,true,false,null,{"a":{}}],"hop":)"}, // unused members
        {R"("hop":)", R"("k":1e5,"hop":)"},                               // unused exponent
        {R"("hop":)", R"("k":- 1,"hop":)"},                               // space after the sign
        {R"("hop":)", R"("k":-,"hop":)"},                                 // sign alone
        {R"("hop":)", R"("k":tru,"hop":)"},                               // cut literal
        {R"("hop":)",
         R"("k":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],"hop":)"},
        {R"("af":4)", R"("af":5)"},                    // family
        {R"("af":4)", R"("af":6)"},                    // IPv6
        {R"("type":")", R"("type": ")"},               // whitespace
        {R"("paris_id":)", R"("paris_id":true,"p":)"}, // wrong type
        {R"("obj":[)", R"("obj":[{"class":1,"type":1,"mpls":[{"label":1048576}]},)"},
        {R"("mpls":[{)", R"("mpls":[{"label":5,"s":1,"exp":7,"ttl":1,"z":[]},{)"},
    };
    const auto records = test::real_atlas_records();
    std::size_t taken = 0;
    for (const auto& [from, to] : changes) {
        for (std::size_t i = 0; i < 22; ++i) {
            auto r = records[i];
            if (const auto at = r.find(from); at != std::string::npos) {
                check_same(r.replace(at, from.size(), to), taken);
            }
        }
    }
    for (std::size_t i = 0; i < 22; ++i) { // whitespace around the object
        check_same(" " + records[i], taken);
        check_same(records[i] + " ", taken);
    }
    CHECK(taken > 100);
}

TEST_CASE("Atlas scan: random changes of the real lines") {
    const auto records = test::real_atlas_records();
    std::mt19937 rng(16);
    std::size_t taken = 0;
    for (int iter = 0; iter < 20000; ++iter) {
        const std::string r = test::mutate(records[rng() % 22], rng); // a sagan line
        check_same(r, taken);
    }
    CHECK(taken > 1000);
}
