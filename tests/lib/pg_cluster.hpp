#pragma once
/// @file
/// A throw-away PostgreSQL cluster for tests and benchmarks, the one place every PostgreSQL
/// test starts its server: initdb and pg_ctl of Debian's postgresql-15 run in a temporary
/// directory (as `nobody` when the caller is root, since PostgreSQL refuses to run as
/// root), listening only on a Unix socket in that directory under a free port number; the
/// server is stopped and the directory removed afterwards. Shell tests use the same code
/// through the `tumen-test-pg` tool (pg_cluster_main.cpp).
#include <filesystem>
#include <optional>
#include <string>

namespace tumen::test {

/// Where Debian's postgresql-15 puts initdb, pg_ctl and postgres.
inline constexpr const char* pg_bin_dir = "/usr/lib/postgresql/15/bin";

/// One running PostgreSQL cluster in a directory of its own.
class pg_cluster {
public:
    /// Why no cluster can be started here (binaries missing), or nullopt when one can.
    static std::optional<std::string> unavailable();

    /// Creates and starts a cluster in `dir` (a new temporary directory when empty). Throws
    /// std::runtime_error with initdb's or pg_ctl's log when it cannot.
    explicit pg_cluster(std::filesystem::path dir = {});
    pg_cluster(const pg_cluster&) = delete;
    pg_cluster& operator=(const pg_cluster&) = delete;
    /// Stops the server (immediate mode) and removes the directory, unless released.
    ~pg_cluster();

    /// The connection URI of database `db` ("postgresql:///db?host=...&port=...&user=tumen").
    std::string uri(const std::string& db = "postgres") const;
    /// Creates database `name` (letters, digits and '_') and returns its URI.
    std::string create_database(const std::string& name) const;
    /// Leaves the server running and the directory in place (for `tumen-test-pg start`).
    void release() noexcept { released_ = true; }
    const std::filesystem::path& dir() const noexcept { return dir_; }
    int port() const noexcept { return port_; }

    /// Stops the cluster a released pg_cluster left in `dir` and removes `dir`.
    static void stop_and_remove(const std::filesystem::path& dir);

private:
    std::filesystem::path dir_;
    int port_ = 0;
    bool released_ = false;
};

} // namespace tumen::test
