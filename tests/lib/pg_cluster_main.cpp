// tumen-test-pg: the shell tests' way to the one PostgreSQL test helper (pg_cluster.hpp).
//   tumen-test-pg start DIR [DB...]  starts a cluster in DIR, creates the databases, prints the
//                                    URI of each (or of "postgres"); exit 77 when unavailable
//   tumen-test-pg stop DIR           stops it and removes DIR
#include <cstdio>
#include <exception>
#include <string>

#include "pg_cluster.hpp"

int main(int argc, char** argv) {
    using tumen::test::pg_cluster;
    const std::string cmd = argc > 1 ? argv[1] : "";
    try {
        if (cmd == "start" && argc >= 3) {
            if (auto why = pg_cluster::unavailable()) {
                std::fprintf(stderr, "SKIP: %s\n", why->c_str());
                return 77;
            }
            pg_cluster c(argv[2]);
            if (argc == 3) {
                std::printf("%s\n", c.uri().c_str());
            }
            for (int i = 3; i < argc; ++i) {
                std::printf("%s\n", c.create_database(argv[i]).c_str());
            }
            c.release();
            return 0;
        }
        if (cmd == "stop" && argc == 3) {
            pg_cluster::stop_and_remove(argv[2]);
            return 0;
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "tumen-test-pg: %s\n", e.what());
        return 1;
    }
    std::fprintf(stderr, "usage: tumen-test-pg start DIR [DB...] | stop DIR\n");
    return 2;
}
