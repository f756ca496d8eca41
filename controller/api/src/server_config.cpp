#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include <tumen/common/ipv4.hpp>
#include <tumen/controller/api/server_config.hpp>

namespace tumen::controller::api {
namespace {

namespace fs = std::filesystem;

class reader {
public:
    explicit reader(fs::path file)
        : file_(std::move(file)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const {
        const auto m = at.Mark();
        throw config_error(file_.string() + ":" + std::to_string(m.line >= 0 ? m.line + 1 : 0) +
                           ":" + std::to_string(m.column >= 0 ? m.column + 1 : 0) + ": " + what);
    }

    std::vector<std::pair<std::string, YAML::Node>>
    keys(const YAML::Node& n, std::initializer_list<std::string_view> allowed,
         const std::string& what) const {
        if (!n.IsMap()) {
            fail(n, what + " must be a mapping");
        }
        std::vector<std::pair<std::string, YAML::Node>> out;
        std::set<std::string> seen;
        for (auto it = n.begin(); it != n.end(); ++it) {
            const YAML::Node& k = it->first;
            if (!k.IsScalar()) {
                fail(k, "keys of " + what + " must be plain strings");
            }
            std::string key = k.Scalar();
            if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
                std::string list;
                for (auto a : allowed) {
                    list += (list.empty() ? "" : ", ") + std::string(a);
                }
                fail(k, "unknown key \"" + key + "\" in " + what + " (allowed: " + list + ")");
            }
            if (!seen.insert(key).second) {
                fail(k, "duplicate key \"" + key + "\" in " + what);
            }
            out.emplace_back(key, it->second);
        }
        return out;
    }

    std::string scalar(const YAML::Node& n, const std::string& what) const {
        if (!n.IsScalar()) {
            fail(n, what + " must be a scalar");
        }
        return n.Scalar();
    }

    std::uint64_t uint(const YAML::Node& n, const std::string& what, std::uint64_t lo,
                       std::uint64_t hi) const {
        std::string s = scalar(n, what);
        std::uint64_t v = 0;
        auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
        if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) {
            fail(n, what + " must be a non-negative integer, got \"" + s + "\"");
        }
        if (v < lo || v > hi) {
            fail(n, what + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                        "], got " + s);
        }
        return v;
    }

    fs::path path(const YAML::Node& n, const std::string& what) const {
        std::string s = scalar(n, what);
        if (s.empty()) {
            fail(n, what + " must not be empty");
        }
        fs::path p(s);
        if (p.is_relative()) {
            p = file_.parent_path() / p;
        }
        return p;
    }

    std::vector<fs::path> paths(const YAML::Node& n, const std::string& what) const {
        std::vector<fs::path> out;
        if (n.IsScalar()) {
            out.push_back(path(n, what));
            return out;
        }
        if (!n.IsSequence()) {
            fail(n, what + " must be a path or a list of paths");
        }
        for (std::size_t i = 0; i < n.size(); ++i) {
            out.push_back(path(n[i], what + "[" + std::to_string(i) + "]"));
        }
        return out;
    }

    const fs::path& file() const { return file_; }

private:
    fs::path file_;
};

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw config_error(p.string() + ": cannot read file");
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string trim(std::string s) {
    auto not_space = [](unsigned char c) {
        return c != ' ' && c != '\t' && c != '\r' && c != '\n';
    };
    s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
    s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
    return s;
}

void parse_listen(const reader& r, const YAML::Node& n, server_config& c) {
    std::string s = r.scalar(n, "listen");
    auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        r.fail(n, "listen must be \"address:port\", got \"" + s + "\"");
    }
    std::string addr = s.substr(0, colon);
    std::string port = s.substr(colon + 1);
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (port.empty() || ec != std::errc{} || p != port.data() + port.size() || v > 65535) {
        r.fail(n, "listen: bad port \"" + port + "\" (0-65535)");
    }
    if (!ipv4_addr::parse(addr)) {
        r.fail(n, "listen: address must be an IPv4 address, got \"" + addr + "\"");
    }
    c.listen_address = addr;
    c.listen_port = static_cast<std::uint16_t>(v);
}

} // namespace

const agent_entry* server_config::find_agent(std::string_view name) const {
    for (const auto& a : agents) {
        if (a.name == name) {
            return &a;
        }
    }
    return nullptr;
}

std::optional<std::uint64_t> parse_byte_size(std::string_view text) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{}) {
        return std::nullopt;
    }
    std::string_view unit(p, static_cast<std::size_t>(text.data() + text.size() - p));
    std::uint64_t factor = 0;
    if (unit.empty() || unit == "B") {
        factor = 1;
    } else if (unit == "KiB") {
        factor = 1ull << 10;
    } else if (unit == "MiB") {
        factor = 1ull << 20;
    } else if (unit == "GiB") {
        factor = 1ull << 30;
    } else if (unit == "kB") {
        factor = 1000;
    } else if (unit == "MB") {
        factor = 1000'000;
    } else if (unit == "GB") {
        factor = 1000'000'000;
    } else {
        return std::nullopt;
    }
    if (v > UINT64_MAX / factor) {
        return std::nullopt;
    }
    return v * factor;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    std::uint64_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc{} || v > 100ull * 365 * 24 * 3600 * 1000) {
        return std::nullopt;
    }
    std::string_view unit(p, static_cast<std::size_t>(text.data() + text.size() - p));
    std::uint64_t factor = 0;
    if (unit.empty() || unit == "s") {
        factor = 1000;
    } else if (unit == "ms") {
        factor = 1;
    } else if (unit == "m") {
        factor = 60'000;
    } else if (unit == "h") {
        factor = 3'600'000;
    } else if (unit == "d") {
        factor = 86'400'000;
    } else {
        return std::nullopt;
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(v * factor));
}

server_config parse_server_config(std::string_view yaml, const fs::path& file) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(yaml));
    } catch (const YAML::Exception& e) {
        throw config_error(file.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": YAML syntax error: " + e.msg);
    }
    reader r(file);
    server_config c;
    c.path = file;
    bool have_database = false;
    auto duration = [&](const YAML::Node& n, const std::string& what) {
        auto d = parse_duration(r.scalar(n, what));
        if (!d) {
            r.fail(n, what + " must be a duration like 500ms, 10s, 5m, 1h or 30d, got \"" +
                          n.Scalar() + "\"");
        }
        return *d;
    };
    for (const auto& [key, v] :
         r.keys(root,
                {"listen", "tls", "database", "campaigns", "pfx2as", "ixp", "agents", "retention",
                 "hysteresis", "body_limit", "threads", "campaign_poll", "idle_timeout"},
                "the controller configuration")) {
        if (key == "listen") {
            parse_listen(r, v, c);
        } else if (key == "tls") {
            tls_config t;
            bool cert = false;
            bool key_seen = false;
            for (const auto& [k2, v2] : r.keys(v, {"cert", "key"}, "tls")) {
                if (k2 == "cert") {
                    t.cert = r.path(v2, "tls.cert");
                    cert = true;
                } else {
                    t.key = r.path(v2, "tls.key");
                    key_seen = true;
                }
            }
            if (!cert || !key_seen) {
                r.fail(v, "tls needs both cert and key");
            }
            c.tls = t;
        } else if (key == "database") {
            c.database = r.path(v, "database");
            have_database = true;
        } else if (key == "campaigns") {
            c.campaigns = r.paths(v, "campaigns");
        } else if (key == "pfx2as") {
            c.pfx2as = r.paths(v, "pfx2as");
        } else if (key == "ixp") {
            c.ixp = r.path(v, "ixp");
        } else if (key == "agents") {
            if (!v.IsSequence()) {
                r.fail(v, "agents must be a list");
            }
            for (std::size_t i = 0; i < v.size(); ++i) {
                const YAML::Node& a = v[i];
                const std::string what = "agents[" + std::to_string(i) + "]";
                agent_entry e;
                bool have_token = false;
                for (const auto& [k2, v2] :
                     r.keys(a, {"name", "token_hash", "token_file", "labels"}, what)) {
                    if (k2 == "name") {
                        e.name = r.scalar(v2, what + ".name");
                        if (e.name.empty() || e.name.size() > 64 ||
                            !std::all_of(e.name.begin(), e.name.end(), [](unsigned char ch) {
                                return std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.';
                            })) {
                            r.fail(v2,
                                   what +
                                       ".name must be 1-64 characters of [A-Za-z0-9._-], got \"" +
                                       e.name + "\"");
                        }
                    } else if (k2 == "token_hash" || k2 == "token_file") {
                        if (have_token) {
                            r.fail(v2, what + ": give either token_hash or token_file, not both");
                        }
                        have_token = true;
                        if (k2 == "token_hash") {
                            auto h = token_hash::parse(r.scalar(v2, what + ".token_hash"));
                            if (!h) {
                                r.fail(v2, what + ".token_hash must look like sha256$<32 hex>$<64 "
                                                  "hex> (see `tumen-controller hash-token`)");
                            }
                            e.token = *h;
                        } else {
                            fs::path p = r.path(v2, what + ".token_file");
                            std::string token;
                            try {
                                token = trim(read_file(p));
                            } catch (const config_error& err) {
                                r.fail(v2, what + ".token_file: " + err.what());
                            }
                            if (token.size() < 16) {
                                r.fail(v2, what + ".token_file: token in " + p.string() +
                                               " is shorter than 16 characters");
                            }
                            e.token = hash_token(token);
                        }
                    } else {
                        if (!v2.IsSequence()) {
                            r.fail(v2, what + ".labels must be a list of strings");
                        }
                        for (std::size_t j = 0; j < v2.size(); ++j) {
                            e.labels.push_back(
                                r.scalar(v2[j], what + ".labels[" + std::to_string(j) + "]"));
                        }
                    }
                }
                if (e.name.empty()) {
                    r.fail(a, what + " needs a name");
                }
                if (!have_token) {
                    r.fail(a, what + " needs token_hash or token_file");
                }
                if (c.find_agent(e.name) != nullptr) {
                    r.fail(a, what + ": duplicate agent name \"" + e.name + "\"");
                }
                c.agents.push_back(std::move(e));
            }
        } else if (key == "retention") {
            c.retention =
                std::chrono::duration_cast<std::chrono::seconds>(duration(v, "retention"));
            if (c.retention.count() < 60) {
                r.fail(v, "retention must be at least 1m");
            }
        } else if (key == "hysteresis") {
            c.hysteresis = static_cast<std::uint32_t>(r.uint(v, "hysteresis", 1, 1000));
        } else if (key == "body_limit") {
            auto b = parse_byte_size(r.scalar(v, "body_limit"));
            if (!b || *b < 1024 || *b > (1ull << 30)) {
                r.fail(v, "body_limit must be a size between 1KiB and 1GiB like 8MiB, got \"" +
                              v.Scalar() + "\"");
            }
            c.body_limit = static_cast<std::size_t>(*b);
        } else if (key == "threads") {
            c.threads = static_cast<std::uint32_t>(r.uint(v, "threads", 1, 64));
        } else if (key == "campaign_poll") {
            c.campaign_poll = duration(v, "campaign_poll");
            if (c.campaign_poll.count() < 100) {
                r.fail(v, "campaign_poll must be at least 100ms");
            }
        } else if (key == "idle_timeout") {
            c.idle_timeout =
                std::chrono::duration_cast<std::chrono::seconds>(duration(v, "idle_timeout"));
            if (c.idle_timeout.count() < 1) {
                r.fail(v, "idle_timeout must be at least 1s");
            }
        }
    }
    if (!have_database) {
        r.fail(root, "the controller configuration needs `database` (SQLite file path)");
    }
    return c;
}

server_config load_server_config(const fs::path& file) {
    return parse_server_config(read_file(file), file);
}

} // namespace tumen::controller::api
