// tumen-controller: one executable, one subcommand per file (see register_*_command).
#include <CLI/CLI.hpp>

#include "classify_command.hpp"

#ifdef TUMEN_HAVE_SERVE_COMMAND
#include <tumen/controller/api/serve_command.hpp>
namespace tumen::controller::api {} // namespace tumen::controller::api
using namespace tumen::controller::api;
#endif

int main(int argc, char** argv) {
    CLI::App app{"tumen controller: border-path inference, change detection and HTTP API"};
    app.require_subcommand(1);
    tumen::controller::tool::register_classify_command(app);
#ifdef TUMEN_HAVE_SERVE_COMMAND
    // `serve` (and the server's other subcommands) live in controller/api.
    register_serve_command(app);
#endif
    CLI11_PARSE(app, argc, argv);
    return 0;
}
