#pragma once
// Graphviz `dot -Tsvg` run on a text: the one helper of the tests of every `--format dot`.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace tumen::test {

/// What `dot -Tsvg` made of a text.
struct dot_render {
    int exit_status = 255; ///< dot's exit status (255: it did not exit normally)
    std::string errors;    ///< what dot wrote to stderr (warnings included)
    std::string svg;       ///< the SVG documents, one per graph of the input
};

/// Runs `dot -Tsvg` on `text` through files in /tmp; nullopt when dot is not installed.
inline std::optional<dot_render> render_dot(const std::string& text) {
    if (std::system("command -v dot >/dev/null 2>&1") != 0) {
        return std::nullopt;
    }
    char dir_template[] = "/tmp/tumen-dot-XXXXXX";
    const char* dir = ::mkdtemp(dir_template);
    if (dir == nullptr) {
        return dot_render{255, "mkdtemp failed", ""};
    }
    const std::string base = std::string(dir) + "/graph";
    std::ofstream(base + ".dot") << text;
    const int rc =
        std::system(("dot -Tsvg " + base + ".dot >" + base + ".svg 2>" + base + ".err").c_str());
    const auto read = [](const std::string& path) {
        std::ifstream in(path);
        return std::string((std::istreambuf_iterator<char>(in)), {});
    };
    dot_render out{WIFEXITED(rc) ? WEXITSTATUS(rc) : 255, read(base + ".err"), read(base + ".svg")};
    for (const char* ext : {".dot", ".svg", ".err"}) {
        std::remove((base + ext).c_str());
    }
    ::rmdir(dir);
    return out;
}

/// The message of a test that skips its `dot` checks.
inline constexpr const char* dot_missing =
    "SKIPPED: graphviz dot is not installed (deploy/install-deps.sh installs it)";

} // namespace tumen::test
