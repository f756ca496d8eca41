#pragma once
// Test and benchmark fixtures for the controller server (tests/controller/api, config,
// pipeline, store, tests/integration and bench/ingest): results on the lab's address plan, a
// campaign file (the lab's targets and classes, checked against schedules/lab.yaml by
// tests/controller/config) and a controller configuration in a temporary directory that loads
// the lab's deploy/lab/pfx2as.txt. Every address, prefix and AS number comes from the lab's
// files through tests/lib/lab_plan.hpp (link tumen::test_lab_plan).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <tumen/common/result.hpp>
#include <tumen/common/result_json.hpp>
#include <tumen/controller/config/token.hpp>

#include "lab_plan.hpp"

namespace tumen::test {

/// Which border the synthetic trace crosses.
enum class border { cu, ttk };

/// The last transit hop of make_trace's path `b`, the border it reports: kp-br's CU-facing
/// address (in LAB_CU_PREFIX) or its TTK-facing one (in LAB_TTK_PREFIX).
inline ipv4_addr border_addr(border b) {
    return b == border::cu ? lab().addr_in("LAB_CU_PREFIX", 254)
                           : lab().addr_in("LAB_TTK_PREFIX", 9);
}

/// A 15-hop udp-paris trace from `agent` (sent from fra's address) to `dst` (a lab target)
/// through China Unicom (cu1, silent cu2, cu3a in the class-only LAB_CU_BACKBONE_PREFIX, kp-br's
/// CU-facing address) or TTK (ttk1/ttk2 in LAB_TTK_PREFIX), then the target.
inline result::trace make_trace(const std::string& agent, const std::string& id, ipv4_addr dst,
                                border b, std::int64_t ts) {
    const lab_plan& plan = lab();
    result::trace t;
    t.id = id;
    t.agent = agent;
    t.campaign = "lab-border";
    t.dst = dst;
    t.src = plan.vp_addr("fra");
    t.proto = "UDP";
    t.method = "udp-paris";
    t.paris_id = 7;
    t.timestamp = ts;
    t.endtime = ts + 2;
    t.stop = result::stop_reason::completed;
    auto reply = [](ipv4_addr from, double rtt, std::uint8_t type = 11, std::uint8_t code = 0) {
        result::hop_reply r;
        r.from = from;
        r.rtt_ms = rtt;
        r.size = 56;
        r.ttl = 250;
        r.icmp_type = type;
        r.icmp_code = code;
        return r;
    };
    auto add_hop = [&](std::uint8_t ttl, std::optional<ipv4_addr> from, double rtt) {
        result::hop h;
        h.ttl = ttl;
        for (int a = 0; a < 2; ++a) {
            if (from) {
                h.replies.push_back(reply(*from, rtt + a * 0.1));
            } else {
                result::hop_reply r;
                r.timeout = true;
                h.replies.push_back(r);
            }
        }
        t.hops.push_back(h);
    };
    std::uint8_t ttl = 1;
    add_hop(ttl++, plan.acc_addr("fra"), 0.3);
    // Filler hops inside the vantage point's hosting AS keep the trace at 15 hops.
    for (int i = 0; i < 8; ++i) {
        add_hop(ttl++, plan.addr_in("LAB_VP_PREFIX_fra", 100 + i), 0.5 + i * 0.1);
    }
    if (b == border::cu) {
        add_hop(ttl++, plan.addr("LAB_CU1_ADDR_fra"), 2.0);
        add_hop(ttl++, std::nullopt, 0);                                  // cu2 is silent
        add_hop(ttl++, plan.addr_in("LAB_CU_BACKBONE_PREFIX", 10), 40.5); // cu3a, class prefix only
        add_hop(ttl++, plan.addr_in("LAB_CU_BACKBONE_PREFIX", 14), 40.7);
        add_hop(ttl++, border_addr(border::cu), 41.0); // kp-br CU-facing
    } else {
        add_hop(ttl++, plan.addr_in("LAB_TTK_PREFIX", 1), 2.0);
        add_hop(ttl++, plan.addr_in("LAB_TTK_PREFIX", 5), 70.2);
        add_hop(ttl++, plan.addr_in("LAB_TTK_PREFIX", 6), 70.3);
        add_hop(ttl++, border_addr(border::ttk), 70.6); // kp-br TTK-facing
    }
    result::hop last;
    last.ttl = ttl;
    last.replies.push_back(reply(dst, b == border::cu ? 41.2 : 70.9, 3, 3));
    t.hops.push_back(last);
    return t;
}

/// A ping result with `received` of `sent` answered.
inline result::ping make_ping(const std::string& agent, const std::string& id, ipv4_addr dst,
                              std::uint32_t sent, std::uint32_t received, std::int64_t ts) {
    result::ping p;
    p.id = id;
    p.agent = agent;
    p.campaign = "lab-border";
    p.dst = dst;
    p.src = lab().vp_addr("fra");
    p.method = "icmp";
    p.timestamp = ts;
    p.sent = sent;
    p.received = received;
    for (std::uint32_t i = 0; i < sent; ++i) {
        p.rtts_ms.push_back(i < received ? std::optional<double>(41.0 + i) : std::nullopt);
    }
    return p;
}

/// A test campaign on the lab's plan: the targets and classes of schedules/lab.yaml (values
/// from deploy/lab/lab.env) with the default pacing, 16 lines (tests edit this text and
/// assert error line numbers in it).
inline std::string campaign_yaml() {
    std::string text = R"(campaigns:
  - name: lab-border
    description: test campaign on the lab plan
    targets:
      asn: LAB_TARGET_AS
      prefixes: [LAB_TARGET_24S]
      addresses_per_prefix: 1
    classes:
      - name: china-unicom
        asns: [LAB_CU_AS]
        prefixes: [LAB_CU_BACKBONE_PREFIX]
      - name: ttk
        asns: [LAB_TTK_AS]
    methods: [udp-paris, ping]
    interval: 10s
    agents: all
)";
    // Each variable of lab.env named above, replaced by its value (lists comma-separated).
    for (const char* key :
         {"LAB_TARGET_AS", "LAB_TARGET_24S", "LAB_CU_AS", "LAB_CU_BACKBONE_PREFIX", "LAB_TTK_AS"}) {
        std::string value;
        for (const auto& word : lab().words(key)) {
            value += (value.empty() ? "" : ", ") + word;
        }
        text.replace(text.find(key), std::string_view(key).size(), value);
    }
    return text;
}

/// A fresh temporary directory, removed on destruction.
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        static std::atomic<int> n{0};
        path = std::filesystem::temp_directory_path() /
               ("tumen-server-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::filesystem::path write(const std::string& name, const std::string& text) const {
        auto p = path / name;
        std::ofstream(p) << text;
        return p;
    }
};

/// Agent tokens used by the tests (fixed, long enough).
inline std::string token_of(const std::string& agent) {
    return "test-token-of-" + agent + "-0123456789abcdef";
}

/// A controller.yaml in `dir` for agents fra, tyo, msk with hysteresis K=2.
inline std::filesystem::path write_config(const temp_dir& dir, const std::string& extra = {},
                                          const std::string& body_limit = "8MiB") {
    dir.write("campaigns.yaml", campaign_yaml());
    std::string yaml = "listen: 127.0.0.1:0\n"
                       "database: controller.db\n"
                       "campaigns: [campaigns.yaml]\n"
                       "pfx2as: [\"" +
                       lab().pfx2as_path() +
                       "\"]\n"
                       "hysteresis: 2\n"
                       "threads: 2\n"
                       "campaign_poll: 100ms\n"
                       "body_limit: " +
                       body_limit + "\nagents:\n";
    for (const char* a : {"fra", "tyo", "msk"}) {
        yaml += std::string("  - name: ") + a + "\n    token_hash: \"" +
                controller::config::hash_token(token_of(a)).to_string() + "\"\n";
    }
    yaml += extra;
    return dir.write("controller.yaml", yaml);
}

/// A JSON batch body of results.
template <class... R>
std::string batch(const R&... r) {
    nlohmann::json a = nlohmann::json::array();
    (a.push_back(result::to_json(r)), ...);
    return a.dump();
}

} // namespace tumen::test
