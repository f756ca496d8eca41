#pragma once
/// @file
/// Strict reading of YAML configuration (campaigns, controller and agent configuration):
/// every key checked against the allowed ones, no duplicates, typed scalars with ranges, and
/// every error thrown as a yaml_error that names source:line:column. The text units shared by
/// all configuration files (durations, byte sizes) are parsed here too.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include <tumen/common/ipv4.hpp>

namespace tumen::yaml {

/// A configuration error at a position of a YAML source. what() is
/// "source:line:column: message" (line and column 1-based; "source: message" when unknown).
class yaml_error : public std::runtime_error {
public:
    yaml_error(std::string source, int line, int column, std::string message);
    const std::string& source() const noexcept { return source_; }
    int line() const noexcept { return line_; }     ///< 1-based, 0 when unknown
    int column() const noexcept { return column_; } ///< 1-based, 0 when unknown
    const std::string& message() const noexcept { return message_; }

private:
    std::string source_;
    int line_;
    int column_;
    std::string message_;
};

/// Parses "250ms", "10s", "5m", "1h", "30d" or a bare number of seconds; nullopt if
/// malformed, negative or longer than 100 years.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Parses "1048576", "512KiB", "64MiB", "1GiB" (powers of two), "kB", "MB", "GB" (powers of
/// ten) or a bare number of bytes ("B" allowed); nullopt if malformed or overflowing.
std::optional<std::uint64_t> parse_byte_size(std::string_view text);

/// Parses YAML text; a syntax error becomes a yaml_error at its position.
YAML::Node load(std::string_view text, const std::string& source);

/// Walks the nodes of one YAML source; every check throws yaml_error at the node.
class yaml_reader {
public:
    /// `source`: the file name (relative paths in the file are taken relative to its folder).
    explicit yaml_reader(std::string source)
        : source_(std::move(source)) {}

    const std::string& source() const noexcept { return source_; }

    [[noreturn]] void fail(const YAML::Mark& at, const std::string& what) const;
    [[noreturn]] void fail(const YAML::Node& at, const std::string& what) const;

    void expect_map(const YAML::Node& n, const std::string& what) const;
    void expect_seq(const YAML::Node& n, const std::string& what) const;

    /// Checks that every key of map `n` is in `allowed` and that no key repeats; returns the
    /// key -> value pairs in file order.
    std::vector<std::pair<std::string, YAML::Node>>
    keys(const YAML::Node& n, std::initializer_list<std::string_view> allowed,
         const std::string& what) const;

    std::string scalar(const YAML::Node& n, const std::string& what) const;
    std::string nonempty(const YAML::Node& n, const std::string& what) const;
    std::uint64_t unsigned_int(const YAML::Node& n, const std::string& what, std::uint64_t lo,
                               std::uint64_t hi) const;
    /// A number in (0, hi].
    double positive_number(const YAML::Node& n, const std::string& what, double hi) const;
    /// `true` or `false`.
    bool boolean(const YAML::Node& n, const std::string& what) const;
    /// parse_duration() text within [lo, hi].
    std::chrono::milliseconds
    duration(const YAML::Node& n, const std::string& what,
             std::chrono::milliseconds lo = std::chrono::milliseconds(0),
             std::chrono::milliseconds hi = std::chrono::hours(24 * 365 * 100)) const;
    /// parse_byte_size() text within [lo, hi].
    std::uint64_t byte_size(const YAML::Node& n, const std::string& what, std::uint64_t lo,
                            std::uint64_t hi) const;
    /// An IPv4 prefix without host bits ("198.18.0.0/15").
    ipv4_prefix prefix(const YAML::Node& n, const std::string& what) const;
    ipv4_addr address(const YAML::Node& n, const std::string& what) const;
    /// "4837" or "AS4837" (1 .. 2^32-1).
    std::uint32_t asn(const YAML::Node& n, const std::string& what) const;
    /// The elements of a sequence.
    std::vector<YAML::Node> list(const YAML::Node& n, const std::string& what) const;
    /// A non-empty path; relative ones are taken relative to the source's folder.
    std::filesystem::path path(const YAML::Node& n, const std::string& what) const;
    /// One path or a list of paths.
    std::vector<std::filesystem::path> paths(const YAML::Node& n, const std::string& what) const;

private:
    std::string source_;
};

} // namespace tumen::yaml
