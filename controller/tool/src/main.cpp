// tumen-controller: one executable, one subcommand per file (see register_*_command).
#include <CLI/CLI.hpp>

#include <tumen/controller/server/serve_command.hpp>

#include "classify_command.hpp"
#include "draft_campaigns_command.hpp"
#include "init_tls_command.hpp"

int main(int argc, char** argv) {
    CLI::App app{"tumen controller: border-path inference, change detection and HTTP API"};
    app.require_subcommand(1);
    tumen::controller::tool::register_classify_command(app);
    tumen::controller::tool::register_draft_campaigns_command(app);
    tumen::controller::tool::register_init_tls_command(app);
    // `serve` and `hash-token` live in controller/server.
    tumen::controller::server::register_serve_command(app);
    CLI11_PARSE(app, argc, argv);
    return 0;
}
