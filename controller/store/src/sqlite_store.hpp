#pragma once
/// @file
/// The SQLite back end of the store (WAL mode, synchronous=NORMAL): one file, one process.
/// Schema versions: PRAGMA user_version (schema.hpp).
#include <tumen/controller/store/sqlite.hpp>
#include <tumen/controller/store/store.hpp>

namespace tumen::controller::store {

/// The store on one SQLite connection with prepared statements for the ingest hot path.
class sqlite_store final : public store {
public:
    /// Opens or creates the database at `path`, sets WAL + synchronous=NORMAL, creates the
    /// schema or migrates an older one in place. Throws sqlite_error (start-up only).
    static std::unique_ptr<sqlite_store> open(const std::string& path);

    bool shared() const noexcept override { return false; }
    const char* kind() const noexcept override { return "sqlite"; }
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
    bool try_exporter_lease() noexcept override { return true; }
    std::string last_message() const override { return db_.last_message(); }

private:
    explicit sqlite_store(database db);
    std::error_code begin_tx() noexcept override { return db_.exec("BEGIN IMMEDIATE"); }
    std::error_code commit_tx() noexcept override { return db_.exec("COMMIT"); }
    void rollback_tx() noexcept override { (void)db_.exec("ROLLBACK"); }

    /// The statement inserting `rows` hop rows at once (prepared on first use).
    statement& insert_hops(std::size_t rows);
    std::error_code insert_hop_rows(std::int64_t rid, const std::vector<hop_row>& hops) noexcept;

    database db_;
    statement insert_result_;
    /// insert_hops_[k - 1] inserts k hop rows (multi-row VALUES), k <= hops_per_statement.
    std::vector<statement> insert_hops_;
    statement touch_agent_;
    statement upsert_verdict_;
    statement insert_change_;
};

} // namespace tumen::controller::store
