// `tumen-controller init-tls`: options, the files (tls_files.hpp), then the lines to paste
// into controller.yaml, each agent.yaml and the Prometheus job.
#include "init_tls_command.hpp"

#include <iostream>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "result_inputs.hpp"
#include "tls_files.hpp"

namespace tumen::controller::tool {
namespace {

/// Default names when no --host is given: this machine's host name, localhost, 127.0.0.1.
std::vector<std::string> default_hosts() {
    std::vector<std::string> hosts;
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) == 0 && name[0] != '\0' &&
        std::string(name) != "localhost") {
        hosts.emplace_back(name);
    }
    hosts.emplace_back("localhost");
    hosts.emplace_back("127.0.0.1");
    return hosts;
}

void print_settings(const tls_files& f, const std::string& host) {
    const auto abs = [](const std::filesystem::path& p) {
        std::error_code ec;
        const auto a = std::filesystem::absolute(p, ec);
        return (ec ? p : a.lexically_normal()).string();
    };
    std::cout << "# wrote " << abs(f.ca_cert) << " (CA certificate: copy it to every agent)\n"
              << "#       " << abs(f.ca_key) << " (CA key, mode 0600: keep it safe)\n"
              << "#       " << abs(f.server_cert) << " (server certificate for " << host
              << " ...)\n"
              << "#       " << abs(f.server_key) << " (server key, mode 0600)\n"
              << "\n# controller.yaml:\n"
              << "tls:\n"
              << "  cert: " << abs(f.server_cert) << "\n"
              << "  key: " << abs(f.server_key) << "\n"
              << "\n# agent.yaml, section controller: (ca.crt copied to this path on the agent)\n"
              << "  url: https://" << host << ":8470\n"
              << "  ca_file: " << abs(f.ca_cert) << "\n"
              << "\n# prometheus.yml, job tumen-controller:\n"
              << "    scheme: https\n"
              << "    tls_config:\n"
              << "      ca_file: " << abs(f.ca_cert) << "\n";
}

int run_init_tls(const tls_request& req) {
    tls_files files;
    try {
        files = write_tls_files(req);
    } catch (const tls_files_error& e) {
        std::cerr << "tumen-controller init-tls: " << e.what() << '\n';
        return 2;
    }
    print_settings(files, req.hosts.front());
    return 0;
}

} // namespace

void register_init_tls_command(CLI::App& app) {
    auto req = std::make_shared<tls_request>();
    auto* cmd = app.add_subcommand(
        "init-tls",
        "Create a private CA (ca.crt, ca.key) and a server certificate it signs "
        "(controller.crt, controller.key) in DIR for the controller's HTTPS listener; keys are "
        "written with mode 0600. Prints the controller.yaml, agent.yaml and Prometheus "
        "settings that use them. Exit 2 on an error (existing files without --force).");
    cmd->add_option("dir", req->dir, "directory for the files (created if missing)")->required();
    cmd->add_option("--host", req->hosts,
                    "DNS name or IP address agents use to reach the controller; repeatable, the "
                    "first is the certificate's common name (default: this host's name, "
                    "localhost, 127.0.0.1)")
        ->allow_extra_args(false);
    cmd->add_option("--days", req->days, "validity of the server certificate in days")
        ->check(CLI::Range(1, 36500))
        ->capture_default_str();
    cmd->add_flag("--force", req->force, "replace existing files (a new CA: agents need it)");
    set_exit_status_callback(*cmd, [req] {
        if (req->hosts.empty()) {
            req->hosts = default_hosts();
        }
        return run_init_tls(*req);
    });
}

} // namespace tumen::controller::tool
