#include "pg_cluster.hpp"

#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <sstream>
#include <stdexcept>
#include <sys/socket.h>
#include <system_error>
#include <unistd.h>

namespace tumen::test {
namespace {

namespace fs = std::filesystem;

/// A TCP port nobody listens on now (the server only uses it to name its socket).
int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        throw std::system_error(errno, std::generic_category(), "socket");
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
        port = ntohs(a.sin_port);
    }
    ::close(fd);
    if (port == 0) {
        throw std::runtime_error("cannot find a free port");
    }
    return port;
}

/// The command prefix that runs a PostgreSQL binary as an unprivileged user.
std::string as_user() {
    return ::geteuid() == 0 ? "setpriv --reuid=nobody --regid=nogroup --clear-groups " : "";
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void run(const std::string& cmd, const fs::path& log, const std::string& what) {
    if (std::system((cmd + " >>'" + log.string() + "' 2>&1").c_str()) != 0) {
        throw std::runtime_error(what + " failed: " + read_file(log));
    }
}

} // namespace

std::optional<std::string> pg_cluster::unavailable() {
    for (const char* b : {"initdb", "pg_ctl", "postgres"}) {
        if (::access((fs::path(pg_bin_dir) / b).c_str(), X_OK) != 0) {
            return std::string(pg_bin_dir) + "/" + b +
                   " is missing (install postgresql-15: deploy/install-deps.sh)";
        }
    }
    if (::geteuid() == 0 && std::system("command -v setpriv >/dev/null 2>&1") != 0) {
        return std::string("setpriv is missing (util-linux): PostgreSQL cannot run as root");
    }
    return std::nullopt;
}

pg_cluster::pg_cluster(fs::path dir)
    : dir_(std::move(dir))
    , port_(free_port()) {
    if (dir_.empty()) {
        std::string tmpl = (fs::temp_directory_path() / "tumen-pg-XXXXXX").string();
        if (::mkdtemp(tmpl.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp " + tmpl);
        }
        dir_ = tmpl;
    } else {
        fs::create_directories(dir_);
    }
    fs::permissions(dir_, fs::perms::owner_all);
    if (::geteuid() == 0 && ::chown(dir_.c_str(), 65534, 65534) != 0) {
        throw std::system_error(errno, std::generic_category(), "chown " + dir_.string());
    }
    const auto log = dir_ / "setup.log";
    const std::string bin = pg_bin_dir;
    const std::string d = dir_.string();
    run("cd / && " + as_user() + bin + "/initdb -D '" + d + "/data' -U tumen --auth=trust" +
            " -E UTF8 --no-sync --no-instructions",
        log, "initdb");
    {
        std::ofstream conf(dir_ / "data" / "postgresql.conf", std::ios::app);
        conf << "listen_addresses = ''\nunix_socket_directories = '" << d << "'\nport = " << port_
             << "\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
             << "max_connections = 50\nshared_buffers = 32MB\n";
    }
    run("cd / && " + as_user() + bin + "/pg_ctl -D '" + d + "/data' -l '" + d +
            "/server.log' -w -t 30 start",
        log, "pg_ctl start (server log: " + d + "/server.log)");
}

pg_cluster::~pg_cluster() {
    if (!released_) {
        try {
            stop_and_remove(dir_);
        } catch (...) {
        }
    }
}

void pg_cluster::stop_and_remove(const fs::path& dir) {
    const std::string cmd = "cd / && " + as_user() + std::string(pg_bin_dir) + "/pg_ctl -D '" +
                            dir.string() + "/data' -m immediate -w stop >/dev/null 2>&1";
    (void)std::system(cmd.c_str());
    std::error_code ec;
    fs::remove_all(dir, ec);
}

std::string pg_cluster::uri(const std::string& db) const {
    return "postgresql:///" + db + "?host=" + dir_.string() + "&port=" + std::to_string(port_) +
           "&user=tumen";
}

std::string pg_cluster::create_database(const std::string& name) const {
    for (char c : name) {
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
            throw std::invalid_argument("database name \"" + name + "\": letters, digits, _");
        }
    }
    pqxx::connection c(uri());
    pqxx::nontransaction n(c);
    n.exec("CREATE DATABASE " + name);
    return uri(name);
}

} // namespace tumen::test
