#!/usr/bin/env bash
# Regenerates indexer/.sqlx, the offline data sqlx's compile-time-checked queries build from
# (scripts/test.sh builds with SQLX_OFFLINE=true, so no database is needed to build). Run it
# after changing a query or a migration: it applies migrations/ to a scratch database and
# re-expands every query macro of the indexer against it.
# Usage: scripts/sqlx-prepare.sh   (PostgreSQL as scripts/env.sh's ensure_postgres provides)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
ensure_postgres
server="${GRIDTOKENX_TEST_PG:-postgres://postgres@127.0.0.1:5432}"
db="gridtokenx_sqlx_prepare"
step "migrating a scratch database ($db) to migrations/"
psql -q "$server/postgres" -c "drop database if exists $db" -c "create database $db"
for f in migrations/*.sql; do psql -q -v ON_ERROR_STOP=1 "$server/$db" -f "$f"; done
step "re-expanding the indexer's query macros into indexer/.sqlx"
rm -rf indexer/.sqlx && mkdir -p indexer/.sqlx
# The macros write each query's data to SQLX_OFFLINE_DIR as they expand; touching the
# sources makes them expand again.
find indexer/src indexer/tests indexer/examples -name '*.rs' -exec touch {} +
# The same build as scripts/test.sh's, so that every dependency it compiled is reused (a
# `-p` or `cargo check` build resolves or compiles the dependency graph anew: ~10 min).
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$PWD/indexer/.sqlx" DATABASE_URL="$server/$db" \
    cargo build --workspace --locked --examples --tests
psql -q "$server/postgres" -c "drop database $db"
echo "indexer/.sqlx: $(ls indexer/.sqlx | wc -l) queries"
