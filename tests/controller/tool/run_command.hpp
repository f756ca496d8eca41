#pragma once
// Test helper: runs a command line, capturing stdout and stderr and the exit status.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace tumen::test {

struct command_result {
    int status = -1;
    std::string out;
    std::string err;
    std::vector<std::string> out_lines() const {
        std::vector<std::string> lines;
        std::istringstream in(out);
        for (std::string l; std::getline(in, l);) {
            lines.push_back(l);
        }
        return lines;
    }
};

inline std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/// Runs `cmd` through /bin/sh (arguments must already be quoted).
inline command_result run_command(const std::string& cmd) {
    const std::string base = "/tmp/tumen-cmd-" + std::to_string(::getpid());
    command_result r;
    int rc = std::system((cmd + " >" + base + ".out 2>" + base + ".err").c_str());
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = slurp(base + ".out");
    r.err = slurp(base + ".err");
    std::remove((base + ".out").c_str());
    std::remove((base + ".err").c_str());
    return r;
}

/// Writes a file.
inline void write_file(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}

} // namespace tumen::test
