#pragma once
/// @file
/// Thin RAII wrappers over the SQLite C API: a connection, a prepared statement and a
/// transaction guard. Errors are reported as std::error_code in the `sqlite` category
/// (value = SQLite result code) plus the connection's message; nothing here throws except
/// database::open, which runs at start-up.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include <tumen/controller/store/store.hpp>

struct sqlite3;
struct sqlite3_stmt;

namespace tumen::controller::store {

/// The error category of SQLite result codes.
const std::error_category& sqlite_category() noexcept;

/// Makes an error_code from a SQLite result code.
inline std::error_code make_sqlite_error(int rc) noexcept {
    return {rc, sqlite_category()};
}

/// Thrown by database::open and by schema set-up (start-up only).
class sqlite_error : public store_error {
public:
    using store_error::store_error;
};

class statement;

/// An open SQLite connection (owns the sqlite3 handle).
class database {
public:
    /// Opens (creating if needed) the database at `path` (":memory:" allowed).
    /// Throws sqlite_error if it cannot be opened.
    static database open(const std::string& path);

    database() = default;
    database(database&& other) noexcept;
    database& operator=(database&& other) noexcept;
    database(const database&) = delete;
    database& operator=(const database&) = delete;
    ~database();

    /// Runs one or more SQL statements without results.
    std::error_code exec(std::string_view sql) noexcept;
    /// Like exec but throws sqlite_error with the message (start-up only).
    void exec_or_throw(std::string_view sql);
    /// Prepares a statement; on error the returned statement is empty and `ec` is set.
    statement prepare(std::string_view sql, std::error_code& ec) noexcept;
    /// Prepares a statement or throws sqlite_error (start-up only).
    statement prepare_or_throw(std::string_view sql);

    /// Rows changed by the last INSERT/UPDATE/DELETE.
    std::int64_t changes() const noexcept;
    /// Row id of the last INSERT.
    std::int64_t last_insert_rowid() const noexcept;
    /// The connection's last error message.
    std::string last_message() const;

    sqlite3* handle() const noexcept { return db_; }

private:
    explicit database(sqlite3* db) noexcept
        : db_(db) {}
    sqlite3* db_ = nullptr;
};

/// A prepared statement (owns the sqlite3_stmt handle). Reset and re-bound for each use.
class statement {
public:
    statement() = default;
    explicit statement(sqlite3_stmt* stmt) noexcept
        : stmt_(stmt) {}
    statement(statement&& other) noexcept;
    statement& operator=(statement&& other) noexcept;
    statement(const statement&) = delete;
    statement& operator=(const statement&) = delete;
    ~statement();

    explicit operator bool() const noexcept { return stmt_ != nullptr; }

    /// Resets the statement and clears its bindings.
    void reset() noexcept;
    /// Binders use 1-based parameter indices, as sqlite3_bind_* does.
    std::error_code bind(int index, std::int64_t value) noexcept;
    std::error_code bind(int index, double value) noexcept;
    std::error_code bind(int index, std::string_view text) noexcept;
    /// Binds `text` without copying it (SQLITE_STATIC): it must stay valid and unchanged
    /// until the statement is stepped to its end and reset or re-bound.
    std::error_code bind_static(int index, std::string_view text) noexcept;
    std::error_code bind_null(int index) noexcept;
    template <class T>
    std::error_code bind(int index, const std::optional<T>& value) noexcept {
        return value ? bind(index, *value) : bind_null(index);
    }

    /// Steps once: true when a row is available, false when done; `ec` set on error.
    bool step(std::error_code& ec) noexcept;
    /// Steps until done (for statements without results).
    std::error_code run() noexcept;

    /// Column readers (0-based, as sqlite3_column_* does).
    std::int64_t column_int(int index) const noexcept;
    double column_double(int index) const noexcept;
    std::string column_text(int index) const;
    bool column_is_null(int index) const noexcept;

private:
    sqlite3_stmt* stmt_ = nullptr;
};

/// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless commit() succeeded.
class sqlite_transaction {
public:
    explicit sqlite_transaction(database& db) noexcept;
    sqlite_transaction(const sqlite_transaction&) = delete;
    sqlite_transaction& operator=(const sqlite_transaction&) = delete;
    ~sqlite_transaction();

    /// The error of BEGIN, if any (then commit() fails too).
    std::error_code begin_error() const noexcept { return begin_ec_; }
    /// Commits; on failure the transaction is rolled back by the destructor.
    std::error_code commit() noexcept;

private:
    database& db_;
    std::error_code begin_ec_;
    bool done_ = false;
};

} // namespace tumen::controller::store
