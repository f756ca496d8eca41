#pragma once
// The two store back ends the store test suite runs on (TEST_CASE_TEMPLATE): SQLite on a
// temporary file, PostgreSQL in a fresh database of one throw-away cluster per test process
// (tests/lib/pg_cluster.hpp). Without postgresql-15 the PostgreSQL cases say so and skip.
#include <atomic>
#include <memory>
#include <string>

#include <doctest/doctest.h>

#include <tumen/controller/store/store.hpp>

#include "pg_cluster.hpp"
#include "server_fixtures.hpp"

namespace tumen::test {

/// SQLite on a file of a temporary directory.
struct sqlite_backend {
    static constexpr const char* name = "sqlite";
    temp_dir dir;
    std::string database = (dir.path / "store.db").string();
    bool available() const { return true; }
    std::unique_ptr<controller::store::store> open() const {
        return controller::store::store::open(database);
    }
};

/// The cluster every PostgreSQL case of this process uses (started on first use).
inline pg_cluster* shared_pg_cluster() {
    static std::unique_ptr<pg_cluster> cluster = [] {
        return pg_cluster::unavailable() ? nullptr : std::make_unique<pg_cluster>();
    }();
    return cluster.get();
}

/// PostgreSQL: a database of its own in the shared cluster.
struct pg_backend {
    static constexpr const char* name = "postgresql";
    std::string database;
    pg_backend() {
        static std::atomic<int> counter{0};
        if (auto* c = shared_pg_cluster()) {
            database = c->create_database("store_test_" + std::to_string(++counter));
        } else {
            MESSAGE("SKIPPED (PostgreSQL case): " << *pg_cluster::unavailable());
        }
    }
    bool available() const { return !database.empty(); }
    std::unique_ptr<controller::store::store> open() const {
        return controller::store::store::open(database);
    }
};

} // namespace tumen::test
