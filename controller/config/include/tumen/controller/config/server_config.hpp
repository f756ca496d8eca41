#pragma once
/// @file
/// Configuration of `tumen-controller serve` (controller.yaml), loaded strictly: unknown keys,
/// duplicate keys, wrong types and out-of-range values are errors that say
/// `file:line:column: what`. Every key is documented in docs/api.md.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <tumen/controller/config/token.hpp>

namespace tumen::controller::config {

/// One agent allowed to upload.
struct agent_entry {
    std::string name;                ///< agent id (must equal `agent` in its results)
    token_hash token;                ///< from `token_hash`, or hashed from `token_file`
    std::vector<std::string> labels; ///< labels matched by campaign agent selectors
};

/// TLS settings (HTTPS when present).
struct tls_config {
    std::filesystem::path cert; ///< PEM certificate chain
    std::filesystem::path key;  ///< PEM private key
};

/// The per-agent upload rate limit (`upload_rate`): a token bucket per agent.
struct upload_rate {
    double per_second = 20;    ///< uploads per second an agent may sustain
    std::uint32_t burst = 600; ///< uploads an agent may make at once (the bucket's size)
};

/// The whole controller configuration.
struct server_config {
    std::string listen_address = "127.0.0.1";
    std::uint16_t listen_port = 8080; ///< 0: ephemeral (tests)
    std::optional<tls_config> tls;
    /// A SQLite file, or a PostgreSQL connection URI ("postgresql://...": several controllers
    /// may share that database; docs/deploy.md).
    std::filesystem::path database = "tumen-controller.db";
    std::vector<std::filesystem::path> campaigns;
    std::vector<std::filesystem::path> pfx2as;
    std::vector<std::filesystem::path> iptoasn; ///< iptoasn ip2asn-v4.tsv files, after pfx2as
    std::optional<std::filesystem::path> ixp;
    std::vector<std::filesystem::path> as_names; ///< AS-names files (ipinfo CSV), for the API
    std::vector<agent_entry> agents;
    std::chrono::seconds retention{std::chrono::hours(24 * 30)}; ///< raw hops kept this long
    /// Closed assignment periods kept this long: results measured under an assignment that
    /// ended longer ago are refused (docs/api.md, "Authorization by work").
    std::chrono::seconds assignment_history{std::chrono::hours(24 * 30)};
    /// Clock skew allowed between a result's timestamp and the assignment history.
    std::chrono::seconds clock_skew{std::chrono::minutes(5)};
    std::uint32_t hysteresis = 3;           ///< K: observations confirming a new path
    std::uint32_t max_paths_per_target = 8; ///< distinct named paths per agent x target
    std::size_t body_limit = 8u << 20;      ///< max request body (bytes); 413 beyond
    std::uint32_t threads = 4; ///< I/O threads (more than cores: one parses while one stores)
    std::chrono::milliseconds campaign_poll{std::chrono::seconds(5)}; ///< mtime poll period
    std::chrono::seconds idle_timeout{60};  ///< keep-alive connection idle limit
    std::chrono::seconds header_timeout{5}; ///< TLS handshake and request header limit
    std::size_t max_connections = 1024;     ///< open connections; beyond, 503 and close
    upload_rate upload_rate_limit;          ///< `upload_rate`; beyond, 429 with Retry-After
    /// `ui_token`: when set, the page and the read-only endpoints need this token (bearer
    /// header, the page's cookie or `?token=`); unset: they are open.
    std::optional<token_hash> ui_token;
    std::filesystem::path path; ///< file it was loaded from

    /// The agent called `name`, or nullptr.
    const agent_entry* find_agent(std::string_view name) const;
};

/// A configuration error; what() is "file:line:column: message".
class config_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Parses YAML text; `file` names it in errors and anchors relative paths. Throws
/// config_error.
server_config parse_server_config(std::string_view yaml, const std::filesystem::path& file);
/// Reads and parses a file (and the token files it names). Throws config_error.
server_config load_server_config(const std::filesystem::path& file);

/// Parses "1048576", "512KiB", "8MiB", "1GiB"; nullopt if malformed or overflowing.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);
/// Parses "500ms", "10s", "5m", "1h", "30d" or bare seconds; nullopt if malformed.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

} // namespace tumen::controller::config
