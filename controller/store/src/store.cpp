#include <tumen/controller/store/store.hpp>

#include "pg_store.hpp"
#include "sqlite_store.hpp"

namespace tumen::controller::store {

transaction::transaction(store& s) noexcept
    : store_(&s) {
    begin_ec_ = store_->begin_tx();
    done_ = static_cast<bool>(begin_ec_);
}

transaction::transaction(transaction&& other) noexcept
    : store_(other.store_)
    , begin_ec_(other.begin_ec_)
    , done_(std::exchange(other.done_, true)) {}

transaction::~transaction() {
    if (!done_) {
        store_->rollback_tx();
    }
}

std::error_code transaction::commit() noexcept {
    if (begin_ec_) {
        return begin_ec_;
    }
    auto ec = store_->commit_tx();
    if (!ec) {
        done_ = true;
    }
    return ec;
}

bool is_postgresql(std::string_view database) noexcept {
    return database.starts_with("postgresql://") || database.starts_with("postgres://");
}

bool is_conflict(const std::error_code& ec) noexcept {
    return ec.category() == pg_category() && ec.value() == static_cast<int>(pg_errc::conflict);
}

std::unique_ptr<store> store::open(const std::string& database) {
    if (is_postgresql(database)) {
        return pg_store::open(database);
    }
    return sqlite_store::open(database);
}

} // namespace tumen::controller::store
