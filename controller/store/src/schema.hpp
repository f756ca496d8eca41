#pragma once
/// @file
/// The store's schema and its versions (PRAGMA user_version): creates the current schema in a
/// new database and migrates an older one in place, in one transaction.
#include <tumen/controller/store/sqlite.hpp>

namespace tumen::controller::store {

/// The schema version this build writes.
inline constexpr int schema_version = 3;

/// Brings `db` to schema_version: creates the schema in an empty database, migrates an
/// older one (v1: result ids unique over all agents, no assignment history; v2: no read
/// indexes for the page, no latency per verdict) and refuses a newer one. Throws sqlite_error
/// (start-up only).
void prepare_schema(database& db);

} // namespace tumen::controller::store
