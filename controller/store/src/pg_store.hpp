#pragma once
/// @file
/// The PostgreSQL back end of the store (libpqxx over libpq): several controller replicas
/// share one database. Results are inserted with ON CONFLICT DO NOTHING on (agent, id), so a
/// result is stored once whichever replica gets it; lock_verdict() takes a transaction-level
/// advisory lock on (agent, target) and reads the verdict row FOR UPDATE, so two replicas
/// never run the same tracker at the same time. Every libpqxx exception is caught here and
/// returned as an error_code in the `postgresql` category (message in last_message()).
#include <memory>
#include <pqxx/connection>
#include <pqxx/transaction>
#include <string>

#include <tumen/controller/store/store.hpp>

namespace tumen::controller::store {

/// The error category of PostgreSQL failures (pg_errc values).
const std::error_category& pg_category() noexcept;

/// What failed, as far as the controller cares.
enum class pg_errc {
    failed = 1,    ///< a statement failed (message in last_message())
    connection,    ///< the connection to the server is lost
    conflict,      ///< a deadlock or serialization failure: the batch may be retried
    no_transaction ///< lock_verdict() outside a transaction
};

/// The store on one PostgreSQL connection.
class pg_store final : public store {
public:
    /// Connects to `uri` ("postgresql://..."), creates the schema or migrates an older one.
    /// Throws store_error (start-up only).
    static std::unique_ptr<pg_store> open(const std::string& uri);

    bool shared() const noexcept override { return true; }
    const char* kind() const noexcept override { return "postgresql"; }
    std::error_code insert_result(const result_row& row, bool& inserted) noexcept override;
    std::error_code touch_agent(const std::string& agent, std::int64_t now,
                                std::int64_t results) noexcept override;
    std::error_code upsert_verdict(const verdict_row& row) noexcept override;
    std::error_code insert_change(const change_row& row, std::int64_t& seq) noexcept override;
    std::error_code lock_verdict(const std::string& agent, const std::string& target,
                                 std::optional<verdict_row>& row) noexcept override;
    std::vector<verdict_row> load_verdicts(std::error_code& ec) override;
    std::vector<verdict_row> verdicts_of(const std::string& agent, std::error_code& ec) override;
    std::vector<change_row> changes_since(std::int64_t since, std::size_t limit,
                                          std::error_code& ec) override;
    std::vector<change_count> change_counts(std::error_code& ec) override;
    std::vector<change_row> changes_matching(const change_filter& filter,
                                             std::error_code& ec) override;
    std::vector<series_row> results_between(const std::string& agent, std::int64_t from,
                                            std::int64_t to, std::size_t limit,
                                            std::error_code& ec) override;
    std::vector<agent_row> agents(std::error_code& ec) override;
    std::vector<change_row> changes_of(const std::string& agent, const std::string& target,
                                       std::int64_t until, std::error_code& ec) override;
    std::optional<trace_row> trace(const std::string& agent, const std::string& id,
                                   std::error_code& ec) override;
    std::error_code lock_assignments() noexcept override;
    std::int64_t prune(std::int64_t before, std::error_code& ec) noexcept override;
    std::int64_t count_results(std::error_code& ec) override;
    std::int64_t count_hops(std::error_code& ec) override;
    std::int64_t count_changes(std::error_code& ec) override;
    std::optional<std::string> raw_result(const std::string& agent, const std::string& id,
                                          std::error_code& ec) override;
    std::int64_t schema_version(std::error_code& ec) override;
    std::vector<assignment_row> assignments_of(const std::string& agent,
                                               std::error_code& ec) override;
    std::vector<assignment_row> open_assignments(std::error_code& ec) override;
    bool has_assignment_history(std::error_code& ec) override;
    std::error_code open_assignment(const assignment_key& key,
                                    std::int64_t since) noexcept override;
    std::error_code close_assignment(const assignment_key& key,
                                     std::int64_t until) noexcept override;
    std::int64_t prune_assignments(std::int64_t before, std::error_code& ec) noexcept override;
    bool try_exporter_lease() noexcept override;
    std::string last_message() const override { return message_; }

private:
    explicit pg_store(std::unique_ptr<pqxx::connection> conn);
    std::error_code begin_tx() noexcept override;
    std::error_code commit_tx() noexcept override;
    void rollback_tx() noexcept override;

    /// Runs `f(transaction_base&)` in the open transaction, or in one of its own.
    template <class F>
    std::error_code run(F&& f) noexcept;
    /// Records the message of `e` and maps it to a pg_errc.
    std::error_code fail(const std::exception& e) noexcept;
    std::int64_t scalar(const char* sql, std::error_code& ec);

    std::unique_ptr<pqxx::connection> conn_;
    std::unique_ptr<pqxx::work> tx_;
    std::string message_;
};

} // namespace tumen::controller::store
