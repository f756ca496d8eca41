#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include <tumen/common/campaign.hpp>
#include <tumen/common/text.hpp>
#include <tumen/controller/config/server_config.hpp>
#include <tumen/controller/config/token.hpp>
#include <tumen/controller/server/controller_server.hpp>
#include <tumen/controller/server/serve_command.hpp>
#include <tumen/controller/store/sqlite.hpp>

namespace tumen::controller::server {
namespace {

struct serve_options {
    std::string config;
    std::string listen;
    std::string database;
    std::string port_file;
    std::string log_level = "info";
};

struct hash_options {
    std::string token_file;
    bool generate = false;
};

/// controller.yaml with the command-line overrides (at start-up and at each reload, so that an
/// override keeps its value). Throws config_error.
server_config load_config(const serve_options& o) {
    server_config cfg = config::load_server_config(o.config);
    if (!o.listen.empty()) {
        // Reuse the YAML parser's validation for the override.
        auto tmp =
            config::parse_server_config("database: x\nlisten: \"" + o.listen + "\"\n", "--listen");
        cfg.listen_address = tmp.listen_address;
        cfg.listen_port = tmp.listen_port;
    }
    if (!o.database.empty()) {
        cfg.database = o.database;
    }
    return cfg;
}

void run_serve(const serve_options& o) {
    auto level = spdlog::level::from_str(o.log_level);
    if (level == spdlog::level::off && o.log_level != "off") {
        throw CLI::ValidationError("--log-level", "unknown level \"" + o.log_level + "\"");
    }
    spdlog::set_level(level);
    server_config cfg;
    try {
        cfg = load_config(o);
    } catch (const config::config_error& e) {
        std::cerr << "tumen-controller serve: " << e.what() << "\n";
        throw CLI::RuntimeError(2);
    }
    std::unique_ptr<controller_server> server;
    try {
        server = std::make_unique<controller_server>(std::move(cfg));
        server->set_config_loader([o] { return load_config(o); });
        server->start(/*handle_signals=*/true);
    } catch (const campaign::campaign_error& e) {
        std::cerr << "tumen-controller serve: campaign error: " << e.what() << "\n";
        throw CLI::RuntimeError(2);
    } catch (const std::exception& e) {
        std::cerr << "tumen-controller serve: " << e.what() << "\n";
        throw CLI::RuntimeError(1);
    }
    if (!o.port_file.empty()) {
        std::ofstream pf(o.port_file + ".tmp");
        pf << server->port() << "\n";
        pf.close();
        std::error_code ec;
        std::filesystem::rename(o.port_file + ".tmp", o.port_file, ec);
        if (ec) {
            spdlog::error("cannot write --port-file {}: {}", o.port_file, ec.message());
        }
    }
    server->wait();
    server->stop();
    spdlog::info("stopped");
}

void run_hash(const hash_options& o) {
    std::string token;
    if (o.generate) {
        token = config::generate_token();
        std::cout << "token: " << token << "\n";
    } else if (!o.token_file.empty()) {
        std::ifstream in(o.token_file);
        if (!in || !std::getline(in, token)) {
            std::cerr << "tumen-controller hash-token: cannot read " << o.token_file << "\n";
            throw CLI::RuntimeError(1);
        }
    } else {
        if (!std::getline(std::cin, token)) {
            std::cerr << "tumen-controller hash-token: no token on stdin\n";
            throw CLI::RuntimeError(1);
        }
    }
    token = std::string(trim(token));
    if (token.size() < 16) {
        std::cerr << "tumen-controller hash-token: token must be at least 16 characters "
                     "(use --generate for a random one)\n";
        throw CLI::RuntimeError(1);
    }
    const auto h = config::hash_token(token).to_string();
    std::cout << (o.generate ? "token_hash: " : "") << h << "\n";
}

} // namespace

void register_serve_command(CLI::App& app) {
    auto so = std::make_shared<serve_options>();
    auto* serve = app.add_subcommand("serve", "Run the controller: HTTP API, ingest, metrics");
    serve->add_option("-c,--config", so->config, "controller.yaml (see docs/api.md)")
        ->required()
        ->check(CLI::ExistingFile);
    serve->add_option("--listen", so->listen, "override `listen` (address:port)");
    serve->add_option("--database", so->database, "override `database` (SQLite file or postgresql:// URI)");
    serve->add_option("--port-file", so->port_file,
                      "write the bound port to this file once listening (useful with port 0)");
    serve->add_option("--log-level", so->log_level, "trace, debug, info, warn, error, off");
    serve->callback([so] { run_serve(*so); });

    auto ho = std::make_shared<hash_options>();
    auto* hash = app.add_subcommand(
        "hash-token",
        "Print the salted SHA-256 hash of an agent token for the config's `token_hash` "
        "(token read from stdin unless --token-file or --generate)");
    hash->add_option("--token-file", ho->token_file, "file holding the token (first line)");
    hash->add_flag("--generate", ho->generate, "generate a random token and print it and its hash");
    hash->callback([ho] { run_hash(*ho); });
}

} // namespace tumen::controller::server
