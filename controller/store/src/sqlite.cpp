#include <utility>

#include <sqlite3.h>

#include <tumen/controller/store/sqlite.hpp>

namespace tumen::controller::store {
namespace {

class category final : public std::error_category {
public:
    const char* name() const noexcept override { return "sqlite"; }
    std::string message(int rc) const override { return sqlite3_errstr(rc); }
};

} // namespace

const std::error_category& sqlite_category() noexcept {
    static const category instance;
    return instance;
}

database database::open(const std::string& path) {
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    database result(db); // owns db even on failure (sqlite3_open_v2 may allocate it)
    if (rc != SQLITE_OK) {
        throw sqlite_error("cannot open database " + path + ": " +
                           (db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, 5000);
    return result;
}

database::database(database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)) {}

database& database::operator=(database&& other) noexcept {
    if (this != &other) {
        if (db_ != nullptr) {
            sqlite3_close_v2(db_);
        }
        db_ = std::exchange(other.db_, nullptr);
    }
    return *this;
}

database::~database() {
    if (db_ != nullptr) {
        sqlite3_close_v2(db_);
    }
}

std::error_code database::exec(std::string_view sql) noexcept {
    std::string text(sql);
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    return rc == SQLITE_OK ? std::error_code{} : make_sqlite_error(rc);
}

void database::exec_or_throw(std::string_view sql) {
    if (auto ec = exec(sql)) {
        throw sqlite_error("SQL error: " + last_message() +
                           " in: " + std::string(sql.substr(0, 80)));
    }
}

statement database::prepare(std::string_view sql, std::error_code& ec) noexcept {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    statement result(stmt);
    ec = rc == SQLITE_OK ? std::error_code{} : make_sqlite_error(rc);
    return result;
}

statement database::prepare_or_throw(std::string_view sql) {
    std::error_code ec;
    statement s = prepare(sql, ec);
    if (ec) {
        throw sqlite_error("cannot prepare: " + last_message() + " in: " + std::string(sql));
    }
    return s;
}

std::int64_t database::changes() const noexcept {
    return sqlite3_changes64(db_);
}
std::int64_t database::last_insert_rowid() const noexcept {
    return sqlite3_last_insert_rowid(db_);
}
std::string database::last_message() const {
    return db_ != nullptr ? sqlite3_errmsg(db_) : "no database";
}

statement::statement(statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)) {}

statement& statement::operator=(statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        stmt_ = std::exchange(other.stmt_, nullptr);
    }
    return *this;
}

statement::~statement() {
    sqlite3_finalize(stmt_);
}

void statement::reset() noexcept {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::error_code statement::bind(int index, std::int64_t value) noexcept {
    int rc = sqlite3_bind_int64(stmt_, index, value);
    return rc == SQLITE_OK ? std::error_code{} : make_sqlite_error(rc);
}

std::error_code statement::bind(int index, double value) noexcept {
    int rc = sqlite3_bind_double(stmt_, index, value);
    return rc == SQLITE_OK ? std::error_code{} : make_sqlite_error(rc);
}

std::error_code statement::bind(int index, std::string_view text) noexcept {
    int rc =
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    return rc == SQLITE_OK ? std::error_code{} : make_sqlite_error(rc);
}

std::error_code statement::bind_static(int index, std::string_view text) noexcept {
    int rc =
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
    return rc == SQLITE_OK ? std::error_code{} : make_sqlite_error(rc);
}

std::error_code statement::bind_null(int index) noexcept {
    int rc = sqlite3_bind_null(stmt_, index);
    return rc == SQLITE_OK ? std::error_code{} : make_sqlite_error(rc);
}

bool statement::step(std::error_code& ec) noexcept {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        ec.clear();
        return true;
    }
    ec = rc == SQLITE_DONE ? std::error_code{} : make_sqlite_error(rc);
    return false;
}

std::error_code statement::run() noexcept {
    std::error_code ec;
    while (step(ec)) {
    }
    return ec;
}

std::int64_t statement::column_int(int index) const noexcept {
    return sqlite3_column_int64(stmt_, index);
}
double statement::column_double(int index) const noexcept {
    return sqlite3_column_double(stmt_, index);
}
std::string statement::column_text(int index) const {
    const auto* p = sqlite3_column_text(stmt_, index);
    if (p == nullptr) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(p),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)));
}
bool statement::column_is_null(int index) const noexcept {
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

sqlite_transaction::sqlite_transaction(database& db) noexcept
    : db_(db) {
    begin_ec_ = db_.exec("BEGIN IMMEDIATE");
    done_ = static_cast<bool>(begin_ec_);
}

sqlite_transaction::~sqlite_transaction() {
    if (!done_) {
        (void)db_.exec("ROLLBACK");
    }
}

std::error_code sqlite_transaction::commit() noexcept {
    if (begin_ec_) {
        return begin_ec_;
    }
    auto ec = db_.exec("COMMIT");
    if (!ec) {
        done_ = true;
    }
    return ec;
}

} // namespace tumen::controller::store
