#pragma once
/// @file
/// The PostgreSQL schema and its versions (the schema_version table, one row): creates the
/// current schema in an empty database and applies the migrations after the stored version,
/// in one transaction under an advisory lock, so replicas starting together migrate once.
#include <pqxx/connection>

namespace tumen::controller::store {

/// The PostgreSQL schema version this build writes. PostgreSQL versions count like SQLite's
/// user_version: the first PostgreSQL schema is the SQLite v2 schema, version 2.
inline constexpr int pg_schema_version = 3;

/// Brings the database of `conn` to pg_schema_version; refuses a newer one. Throws
/// store_error (start-up only).
void prepare_pg_schema(pqxx::connection& conn);

} // namespace tumen::controller::store
