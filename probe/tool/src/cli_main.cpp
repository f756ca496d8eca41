// The main() of tumen-probe and tumen-agent: one parse-then-run with the same exit codes.
#include <cstdio>
#include <exception>

#include <tumen/probe/tool/command.hpp>

namespace tumen::probe::tool {

int usage_error_of(const char* program, const std::string& message) {
    std::string line = message;
    for (auto& c : line) {
        if (c == '\n') {
            c = ' ';
        }
    }
    std::fprintf(stderr, "%s: %s\n", program, line.c_str());
    return exit_usage;
}

int run_main(const char* program, CLI::App& app, const command_runner& selected, int argc,
             char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        return usage_error_of(program, e.what());
    }
    if (!selected) {
        return usage_error_of(program, "no subcommand given (try --help)");
    }
    try {
        return selected();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", program, e.what());
        return exit_failure;
    }
}

} // namespace tumen::probe::tool
