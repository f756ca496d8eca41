// `tumen-controller init-tls` on the command line: it prints the settings that use the files
// it wrote, and refuses to overwrite them without --force (exit 2, nothing changed).
#include <filesystem>
#include <string>
#include <unistd.h>

#include <doctest/doctest.h>

#include "run_command.hpp"

using tumen::test::run_command;
using tumen::test::slurp;
namespace fs = std::filesystem;

namespace {
const std::string exe = TUMEN_CONTROLLER_EXE;
} // namespace

TEST_CASE("init-tls prints the controller, agent and Prometheus settings") {
    const fs::path dir = "/tmp/tumen-init-tls-test-" + std::to_string(::getpid());
    fs::remove_all(dir);
    const std::string cmd = exe + " init-tls " + dir.string() +
                            " --host controller.example.net --host 198.51.100.7 --days 10";
    auto r = run_command(cmd);
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const std::string ca = (dir / "ca.crt").string();
    CHECK(r.out.find("tls:\n  cert: " + (dir / "controller.crt").string() +
                     "\n  key: " + (dir / "controller.key").string() + "\n") != std::string::npos);
    CHECK(r.out.find("  url: https://controller.example.net:8470\n  ca_file: " + ca + "\n") !=
          std::string::npos);
    CHECK(r.out.find("    scheme: https\n    tls_config:\n      ca_file: " + ca + "\n") !=
          std::string::npos);
    const std::string key = slurp((dir / "controller.key").string());
    CHECK(key.find("-----BEGIN PRIVATE KEY-----") == 0);

    r = run_command(cmd);
    CHECK(r.status == 2);
    CHECK(r.err.find(ca + " exists; not overwritten") != std::string::npos);
    CHECK(slurp((dir / "controller.key").string()) == key);

    r = run_command(cmd + " --force");
    CHECK_MESSAGE(r.status == 0, r.err);
    CHECK(slurp((dir / "controller.key").string()) != key);

    r = run_command(exe + " init-tls " + dir.string() + "/sub --host 'a b'");
    CHECK(r.status == 2);
    CHECK(r.err.find("--host \"a b\": not an IP address or a host name") != std::string::npos);
    CHECK_FALSE(fs::exists(dir / "sub" / "ca.crt"));
    fs::remove_all(dir);
}
