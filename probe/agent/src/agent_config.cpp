#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include <tumen/common/ipv4.hpp>
#include <tumen/common/yaml_reader.hpp>
#include <tumen/probe/agent/agent_config.hpp>

namespace tumen::probe::agent {
namespace {

using yaml::yaml_reader;

bool valid_name(std::string_view s) {
    if (s.empty() || s.size() > 64) {
        return false;
    }
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (!(std::isalnum(u) || c == '-' || c == '_' || c == '.')) {
            return false;
        }
    }
    return true;
}

bool valid_token(std::string_view s) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f) {
            return false;
        }
    }
    return true;
}

/// "addr:port" with an IPv4 address (or "localhost") and a port 1..65535.
bool valid_listen(std::string_view s) {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) {
        return false;
    }
    const auto host = s.substr(0, colon);
    const auto port = s.substr(colon + 1);
    unsigned v = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
    if (ec != std::errc{} || p != port.data() + port.size() || v == 0 || v > 65535) {
        return false;
    }
    return host == "localhost" || ipv4_addr::parse(host).has_value();
}

std::string read_token_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        throw config_error(p.string() + ": cannot read token file");
    }
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) {
        s.pop_back();
    }
    return s;
}

/// "localhost", "localhost.", "*.localhost" (RFC 6761 section 6.3) or an address in
/// 127.0.0.0/8 written as a dotted quad.
bool loopback_host(const std::string& host) {
    std::string h = host;
    for (auto& ch : h) {
        ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
    if (!h.empty() && h.back() == '.') {
        h.pop_back();
    }
    if (h == "localhost" || h.ends_with(".localhost")) {
        return true;
    }
    const auto a = ipv4_addr::parse(h);
    return a && (a->value >> 24) == 127;
}

controller_config parse_controller(const yaml_reader& r, const YAML::Node& n) {
    (void)r.keys(n,
                 {"url", "token", "token_file", "ca_file", "allow_plain_http", "timeout",
                  "poll_interval", "batch_size", "batch_max_bytes", "backoff_initial",
                  "backoff_max"},
                 "controller");
    controller_config c;
    if (!n["url"]) {
        r.fail(n, "controller.url is required");
    }
    std::string err;
    auto url = controller_url::parse(r.nonempty(n["url"], "controller.url"), err);
    if (!url) {
        r.fail(n["url"], "controller.url: " + err);
    }
    c.url = *url;
    if (n["allow_plain_http"]) {
        c.allow_plain_http = r.boolean(n["allow_plain_http"], "controller.allow_plain_http");
    }
    if (!c.url.tls && !c.allow_plain_http && !loopback_host(c.url.host)) {
        // The bearer token would cross the network in clear (docs/agent.md, TLS).
        r.fail(n["url"], "controller.url: http:// to " + c.url.host +
                             " would send the token in clear; use https:// (tumen-controller "
                             "init-tls) or set controller.allow_plain_http: true");
    }
    const bool has_token = static_cast<bool>(n["token"]);
    const bool has_file = static_cast<bool>(n["token_file"]);
    if (has_token == has_file) {
        r.fail(n, "controller needs exactly one of token or token_file");
    }
    if (has_token) {
        c.token = r.nonempty(n["token"], "controller.token");
        if (!valid_token(c.token)) {
            r.fail(n["token"], "controller.token must be printable ASCII without spaces");
        }
    } else {
        c.token_file = r.path(n["token_file"], "controller.token_file");
        try {
            c.token = read_token_file(c.token_file);
        } catch (const config_error& e) {
            r.fail(n["token_file"], e.what());
        }
        if (!valid_token(c.token)) {
            r.fail(n["token_file"], c.token_file.string() +
                                        ": token must be one line of printable ASCII "
                                        "without spaces");
        }
    }
    if (n["ca_file"]) {
        c.ca_file = r.path(n["ca_file"], "controller.ca_file");
        if (!c.url.tls) {
            r.fail(n["ca_file"], "controller.ca_file needs an https:// url");
        }
    }
    using std::chrono::milliseconds;
    if (n["timeout"]) {
        c.timeout =
            r.duration(n["timeout"], "controller.timeout", milliseconds(100), milliseconds(600000));
    }
    if (n["poll_interval"]) {
        c.poll_interval = r.duration(n["poll_interval"], "controller.poll_interval",
                                     milliseconds(1000), milliseconds(86400000));
    }
    if (n["batch_size"]) {
        c.batch_size = r.unsigned_int(n["batch_size"], "controller.batch_size", 1, 10000);
    }
    if (n["batch_max_bytes"]) {
        c.batch_max_bytes =
            r.byte_size(n["batch_max_bytes"], "controller.batch_max_bytes", 4096, 64ull << 20);
    }
    if (n["backoff_initial"]) {
        c.backoff_initial = r.duration(n["backoff_initial"], "controller.backoff_initial",
                                       milliseconds(10), milliseconds(3600000));
    }
    if (n["backoff_max"]) {
        c.backoff_max = r.duration(n["backoff_max"], "controller.backoff_max", milliseconds(10),
                                   milliseconds(86400000));
    }
    if (c.backoff_max < c.backoff_initial) {
        r.fail(n, "controller.backoff_max must not be smaller than controller.backoff_initial");
    }
    return c;
}

} // namespace

std::optional<controller_url> controller_url::parse(std::string_view text, std::string& error) {
    controller_url u;
    if (text.starts_with("https://")) {
        u.tls = true;
        text.remove_prefix(8);
    } else if (text.starts_with("http://")) {
        text.remove_prefix(7);
    } else {
        error = "must start with http:// or https://";
        return std::nullopt;
    }
    const auto slash = text.find('/');
    auto authority = text.substr(0, slash);
    if (slash != std::string_view::npos) {
        u.base_path = std::string(text.substr(slash));
        while (!u.base_path.empty() && u.base_path.back() == '/') {
            u.base_path.pop_back();
        }
    }
    if (authority.find('@') != std::string_view::npos ||
        authority.find('[') != std::string_view::npos) {
        error = "user info and IPv6 literals are not supported";
        return std::nullopt;
    }
    for (char c : u.base_path) {
        const auto uc = static_cast<unsigned char>(c);
        if (uc <= 0x20 || uc >= 0x7f || c == '?' || c == '#') {
            error = "path must be plain printable ASCII without query or fragment";
            return std::nullopt;
        }
    }
    const auto colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (u.host.empty()) {
        error = "host is missing";
        return std::nullopt;
    }
    for (char c : u.host) {
        const auto uc = static_cast<unsigned char>(c);
        if (!(std::isalnum(uc) || c == '-' || c == '.')) {
            error = "host '" + u.host + "' has invalid characters";
            return std::nullopt;
        }
    }
    u.port = u.tls ? 443 : 80;
    if (colon != std::string_view::npos) {
        const auto p = authority.substr(colon + 1);
        unsigned v = 0;
        auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
        if (ec != std::errc{} || ptr != p.data() + p.size() || v == 0 || v > 65535) {
            error = "port '" + std::string(p) + "' must be 1..65535";
            return std::nullopt;
        }
        u.port = static_cast<std::uint16_t>(v);
    }
    return u;
}

std::string controller_url::to_string() const {
    return std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(port) +
           base_path;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    return yaml::parse_duration(text);
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
    return yaml::parse_byte_size(text);
}

/// parse_agent_config without the translation of yaml_error into config_error.
static agent_config parse_or_throw(std::string_view yaml_text, const std::filesystem::path& file) {
    yaml_reader r{file.string()};
    const YAML::Node root = yaml::load(yaml_text, file.string());
    if (!root || root.IsNull()) {
        throw config_error(r.source() + ":1:1: empty configuration");
    }
    agent_config c;
    c.path = file;
    try {
        (void)r.keys(root,
                     {"agent", "labels", "controller", "spool", "pps", "metrics", "user", "source",
                      "interface"},
                     "the agent configuration");
        if (!root["agent"]) {
            r.fail(root, "agent (the agent id) is required");
        }
        c.id = r.nonempty(root["agent"], "agent");
        if (!valid_name(c.id)) {
            r.fail(root["agent"],
                   "agent id '" + c.id + "' must be 1-64 characters of [A-Za-z0-9._-]");
        }
        if (const auto labels = root["labels"]) {
            if (!labels.IsSequence() && !labels.IsMap()) {
                r.fail(labels, "labels must be a list of names, e.g. [europe, hetzner], or a "
                               "mapping name: value (kept as \"name=value\")");
            }
            for (const auto& item : labels) {
                // A sequence yields its elements; a mapping yields key/value pairs.
                const YAML::Node l = labels.IsMap() ? item.first : YAML::Node(item);
                auto name = r.nonempty(l, "label");
                if (labels.IsMap()) {
                    const auto value = r.nonempty(item.second, "label " + name);
                    if (!valid_name(name) || !valid_name(value)) {
                        r.fail(item.second, "label '" + name + ": " + value +
                                                "' must be 1-64 characters of [A-Za-z0-9._-] "
                                                "on both sides");
                    }
                    name += "=" + value;
                } else if (!valid_name(name)) {
                    r.fail(l, "label '" + name + "' must be 1-64 characters of [A-Za-z0-9._-]");
                }
                if (std::find(c.labels.begin(), c.labels.end(), name) != c.labels.end()) {
                    r.fail(l, "duplicate label '" + name + "'");
                }
                c.labels.push_back(name);
            }
        }
        if (const auto ctl = root["controller"]) {
            c.controller = parse_controller(r, ctl);
        }
        const auto spool = root["spool"];
        if (!spool) {
            r.fail(root, "spool (with spool.dir) is required");
        }
        (void)r.keys(spool, {"dir", "max_bytes", "dead_letter"}, "spool");
        if (!spool["dir"]) {
            r.fail(spool, "spool.dir is required");
        }
        c.spool.dir = r.path(spool["dir"], "spool.dir");
        if (spool["max_bytes"]) {
            c.spool.max_bytes =
                r.byte_size(spool["max_bytes"], "spool.max_bytes", 65536, UINT64_MAX);
        }
        c.spool.dead_letter = spool["dead_letter"]
                                  ? r.path(spool["dead_letter"], "spool.dead_letter")
                                  : c.spool.dir / "dead-letter.jsonl";
        if (root["pps"]) {
            c.pps = static_cast<std::uint32_t>(r.unsigned_int(root["pps"], "pps", 1, 100000));
        }
        if (const auto m = root["metrics"]) {
            (void)r.keys(m, {"listen"}, "metrics");
            if (m["listen"]) {
                c.metrics_listen = r.nonempty(m["listen"], "metrics.listen");
                if (!valid_listen(c.metrics_listen)) {
                    r.fail(m["listen"],
                           "metrics.listen must be IPV4:PORT, got '" + c.metrics_listen + "'");
                }
            }
        }
        if (root["user"]) {
            c.user = r.nonempty(root["user"], "user");
            if (!valid_name(c.user)) {
                r.fail(root["user"], "user '" + c.user + "' is not a valid user name");
            }
        }
        if (root["source"]) {
            c.source = r.nonempty(root["source"], "source");
            if (!ipv4_addr::parse(c.source)) {
                r.fail(root["source"], "source must be an IPv4 address, got '" + c.source + "'");
            }
        }
        if (root["interface"]) {
            c.interface = r.nonempty(root["interface"], "interface");
        }
    } catch (const YAML::Exception& e) {
        r.fail(e.mark, e.msg);
    }
    return c;
}

agent_config parse_agent_config(std::string_view yaml_text, const std::filesystem::path& file) {
    try {
        return parse_or_throw(yaml_text, file);
    } catch (const yaml::yaml_error& e) {
        throw config_error(e.what());
    }
}

agent_config load_agent_config(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw config_error(file.string() + ": cannot open configuration file");
    }
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return parse_agent_config(text, file);
}

} // namespace tumen::probe::agent
