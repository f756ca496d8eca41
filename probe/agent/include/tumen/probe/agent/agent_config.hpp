#pragma once
/// @file
/// The agent daemon's configuration (`tumen-agent run --config agent.yaml`): identity,
/// controller, spool, probing rate, metrics and privilege drop. Loaded strictly: unknown
/// keys, wrong types and out-of-range values are errors that name `file:line:column`.
/// See docs/agent.md for every key.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tumen::probe::agent {

/// A controller URL split into its parts (`http://host[:port][/base]` or `https://...`).
struct controller_url {
    bool tls = false;       ///< https
    std::string host;       ///< host name or IPv4 address
    std::uint16_t port = 0; ///< explicit port, or 80 / 443
    std::string base_path;  ///< path prefix without trailing slash ("" for the root)

    /// Parses a URL; nullopt with `error` filled on anything but http(s)://host[:port][/path].
    static std::optional<controller_url> parse(std::string_view text, std::string& error);
    /// "http(s)://host:port/base".
    std::string to_string() const;
};

/// Where and how to reach the controller (absent in standalone mode).
struct controller_config {
    controller_url url;
    std::string token;                        ///< bearer token (from `token` or `token_file`)
    std::filesystem::path token_file;         ///< where the token came from, if a file
    std::filesystem::path ca_file;            ///< PEM CA bundle for https; empty: system store
    std::chrono::milliseconds timeout{10000}; ///< per HTTP step (connect, write, read)
    std::chrono::milliseconds poll_interval{60000};  ///< assignment poll period
    std::size_t batch_size = 200;                    ///< results per upload request (max)
    std::size_t batch_max_bytes = 1u << 20;          ///< body size per upload request (max)
    std::chrono::milliseconds backoff_initial{1000}; ///< first retry delay
    std::chrono::milliseconds backoff_max{300000};   ///< retry delay cap
    /// http:// to a non-loopback host is refused unless this is set (the token would be sent
    /// in clear); loopback (127.0.0.0/8, localhost) may always use http://.
    bool allow_plain_http = false;
};

/// The on-disk spool of results not yet acknowledged by the controller.
struct spool_config {
    std::filesystem::path dir;             ///< spool directory (created if missing)
    std::uint64_t max_bytes = 64ull << 20; ///< cap; when exceeded the oldest are dropped
    std::filesystem::path dead_letter;     ///< rejected batches; default `<dir>/dead-letter.jsonl`
};

/// The whole agent configuration.
struct agent_config {
    std::string id;                              ///< agent (vantage point) name
    std::vector<std::string> labels;             ///< labels campaigns select agents by
    std::optional<controller_config> controller; ///< absent: standalone only
    spool_config spool;
    std::uint32_t pps = 100;    ///< global probes-per-second cap
    std::string metrics_listen; ///< "addr:port" for /metrics; empty: off
    std::string user;           ///< drop privileges to this user; empty: keep
    std::string source;         ///< source IPv4 for probes; empty: route
    std::string interface;      ///< capture interface; empty: engine default
    std::filesystem::path path; ///< file it was loaded from
};

/// A configuration error; what() is "file:line:column: message".
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Parses YAML text; `file` names it in errors (and anchors a relative `token_file`/`dir`).
/// Throws config_error.
agent_config parse_agent_config(std::string_view yaml, const std::filesystem::path& file);

/// Reads and parses a file. Throws config_error (also when the file or token file cannot be
/// read).
agent_config load_agent_config(const std::filesystem::path& file);

/// Parses "250ms", "10s", "5m", "1h" or a bare number of seconds; nullopt if malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Parses "1048576", "512KiB", "64MiB", "1GiB" (also kB/MB/GB as powers of ten); nullopt if
/// malformed or overflowing.
std::optional<std::uint64_t> parse_size(std::string_view text);

} // namespace tumen::probe::agent
