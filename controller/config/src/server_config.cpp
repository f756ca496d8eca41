#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/text.hpp>
#include <tumen/common/yaml_reader.hpp>
#include <tumen/controller/config/server_config.hpp>

namespace tumen::controller::config {
namespace {

namespace fs = std::filesystem;

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw config_error(p.string() + ": cannot read file");
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void parse_listen(const yaml::yaml_reader& r, const YAML::Node& n, server_config& c) {
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

/// The agent among `agents` that uses the same token as `hash` (the same hash text) or
/// `plain` (the token read from a token_file; empty for a token_hash entry), or nullptr.
/// `plains[i]` is the token_file content of agents[i] (empty for a token_hash entry).
const agent_entry* same_token(const std::vector<agent_entry>& agents,
                              const std::vector<std::string>& plains, const token_hash& hash,
                              const std::string& plain) {
    const std::string text = hash.to_string();
    for (std::size_t j = 0; j < agents.size(); ++j) {
        const bool same = plain.empty() ? agents[j].token.to_string() == text ||
                                              (!plains[j].empty() && hash.matches(plains[j]))
                                        : agents[j].token.matches(plain);
        if (same) {
            return &agents[j];
        }
    }
    return nullptr;
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
    return yaml::parse_byte_size(text);
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    return yaml::parse_duration(text);
}

/// parse_server_config without the translation of yaml_error into config_error.
static server_config parse_server_config_or_throw(std::string_view yaml_text,
                                                  const fs::path& file) {
    const YAML::Node root = yaml::load(yaml_text, file.string());
    yaml::yaml_reader r(file.string());
    server_config c;
    c.path = file;
    bool have_database = false;
    std::vector<std::string> plain_tokens; // token_file contents, per agent (duplicate check)
    for (const auto& [key, v] : r.keys(root,
                                       {"listen",
                                        "tls",
                                        "database",
                                        "campaigns",
                                        "pfx2as",
                                        "iptoasn",
                                        "ixp",
                                        "as_names",
                                        "agents",
                                        "retention",
                                        "assignment_history",
                                        "clock_skew",
                                        "hysteresis",
                                        "max_paths_per_target",
                                        "body_limit",
                                        "threads",
                                        "campaign_poll",
                                        "idle_timeout",
                                        "header_timeout",
                                        "max_connections",
                                        "upload_rate",
                                        "ui_token"},
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
            // A PostgreSQL connection URI is taken as written; anything else is a SQLite file,
            // relative to the configuration's folder.
            const std::string text = r.scalar(v, "database");
            c.database = text.starts_with("postgresql://") || text.starts_with("postgres://")
                             ? std::filesystem::path(text)
                             : r.path(v, "database");
            have_database = true;
        } else if (key == "campaigns") {
            c.campaigns = r.paths(v, "campaigns");
        } else if (key == "pfx2as") {
            c.pfx2as = r.paths(v, "pfx2as");
        } else if (key == "iptoasn") {
            c.iptoasn = r.paths(v, "iptoasn");
        } else if (key == "ixp") {
            c.ixp = r.path(v, "ixp");
        } else if (key == "as_names") {
            c.as_names = r.paths(v, "as_names");
        } else if (key == "agents") {
            if (!v.IsSequence()) {
                r.fail(v, "agents must be a list");
            }
            for (std::size_t i = 0; i < v.size(); ++i) {
                const YAML::Node& a = v[i];
                const std::string what = "agents[" + std::to_string(i) + "]";
                agent_entry e;
                bool have_token = false;
                std::string plain;
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
                                token = std::string(trim(read_file(p)));
                            } catch (const config_error& err) {
                                r.fail(v2, what + ".token_file: " + err.what());
                            }
                            if (token.size() < 16) {
                                r.fail(v2, what + ".token_file: token in " + p.string() +
                                               " is shorter than 16 characters");
                            }
                            e.token = hash_token(token);
                            plain = token;
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
                if (const auto* other = same_token(c.agents, plain_tokens, e.token, plain)) {
                    r.fail(a, what + ": agent \"" + e.name + "\" has the same token as agent \"" +
                                  other->name + "\" (each agent needs a token of its own)");
                }
                plain_tokens.push_back(std::move(plain));
                c.agents.push_back(std::move(e));
            }
        } else if (key == "ui_token") {
            bool have = false;
            for (const auto& [k2, v2] : r.keys(v, {"token_hash", "token_file"}, "ui_token")) {
                if (have) {
                    r.fail(v2, "ui_token: give either token_hash or token_file, not both");
                }
                have = true;
                if (k2 == "token_hash") {
                    auto h = token_hash::parse(r.scalar(v2, "ui_token.token_hash"));
                    if (!h) {
                        r.fail(v2, "ui_token.token_hash must look like sha256$<32 hex>$<64 hex> "
                                   "(see `tumen-controller hash-token`)");
                    }
                    c.ui_token = *h;
                } else {
                    fs::path p = r.path(v2, "ui_token.token_file");
                    std::string token;
                    try {
                        token = std::string(trim(read_file(p)));
                    } catch (const config_error& err) {
                        r.fail(v2, std::string("ui_token.token_file: ") + err.what());
                    }
                    if (token.size() < 16) {
                        r.fail(v2, "ui_token.token_file: token in " + p.string() +
                                       " is shorter than 16 characters");
                    }
                    c.ui_token = hash_token(token);
                }
            }
            if (!have) {
                r.fail(v, "ui_token needs token_hash or token_file");
            }
        } else if (key == "retention") {
            c.retention =
                std::chrono::duration_cast<std::chrono::seconds>(r.duration(v, "retention"));
            if (c.retention.count() < 60) {
                r.fail(v, "retention must be at least 1m");
            }
        } else if (key == "assignment_history") {
            c.assignment_history = std::chrono::duration_cast<std::chrono::seconds>(
                r.duration(v, "assignment_history"));
            if (c.assignment_history.count() < 3600) {
                r.fail(v, "assignment_history must be at least 1h");
            }
        } else if (key == "clock_skew") {
            c.clock_skew =
                std::chrono::duration_cast<std::chrono::seconds>(r.duration(v, "clock_skew"));
            if (c.clock_skew.count() > 24 * 3600) {
                r.fail(v, "clock_skew must be at most 1d");
            }
        } else if (key == "hysteresis") {
            c.hysteresis = static_cast<std::uint32_t>(r.unsigned_int(v, "hysteresis", 1, 1000));
        } else if (key == "max_paths_per_target") {
            c.max_paths_per_target =
                static_cast<std::uint32_t>(r.unsigned_int(v, "max_paths_per_target", 1, 1000));
        } else if (key == "body_limit") {
            c.body_limit = static_cast<std::size_t>(r.byte_size(v, "body_limit", 1024, 1ull << 30));
        } else if (key == "threads") {
            c.threads = static_cast<std::uint32_t>(r.unsigned_int(v, "threads", 1, 64));
        } else if (key == "campaign_poll") {
            c.campaign_poll = r.duration(v, "campaign_poll");
            if (c.campaign_poll.count() < 100) {
                r.fail(v, "campaign_poll must be at least 100ms");
            }
        } else if (key == "idle_timeout") {
            c.idle_timeout =
                std::chrono::duration_cast<std::chrono::seconds>(r.duration(v, "idle_timeout"));
            if (c.idle_timeout.count() < 1) {
                r.fail(v, "idle_timeout must be at least 1s");
            }
        } else if (key == "header_timeout") {
            c.header_timeout =
                std::chrono::duration_cast<std::chrono::seconds>(r.duration(v, "header_timeout"));
            if (c.header_timeout.count() < 1 || c.header_timeout.count() > 300) {
                r.fail(v, "header_timeout must be between 1s and 5m");
            }
        } else if (key == "max_connections") {
            c.max_connections =
                static_cast<std::size_t>(r.unsigned_int(v, "max_connections", 1, 1000000));
        } else if (key == "upload_rate") {
            for (const auto& [k2, v2] : r.keys(v, {"per_second", "burst"}, "upload_rate")) {
                if (k2 == "per_second") {
                    c.upload_rate_limit.per_second =
                        r.positive_number(v2, "upload_rate.per_second", 1e6);
                } else {
                    c.upload_rate_limit.burst = static_cast<std::uint32_t>(
                        r.unsigned_int(v2, "upload_rate.burst", 1, 1000000));
                }
            }
        }
    }
    if (!have_database) {
        r.fail(root, "the controller configuration needs `database` (a SQLite file path or a "
                     "postgresql:// URI)");
    }
    return c;
}

server_config parse_server_config(std::string_view yaml_text, const fs::path& file) {
    try {
        return parse_server_config_or_throw(yaml_text, file);
    } catch (const yaml::yaml_error& e) {
        throw config_error(e.what());
    } catch (const YAML::Exception& e) {
        throw config_error(file.string() + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
    }
}

server_config load_server_config(const fs::path& file) {
    return parse_server_config(read_file(file), file);
}

} // namespace tumen::controller::config
