#!/usr/bin/env bash
# Starts Debian's local PostgreSQL cluster (for the tests of the production path) and prints a DATABASE_URL for a
# role that may create the test database. Run as root; idempotent.
set -euo pipefail

version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true   # already running is fine
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
for _ in $(seq 1 50); do
  runuser -u postgres -- pg_isready -q -p "$port" && break
  sleep 0.2
done
psql_() { runuser -u postgres -- psql -p "$port" -qtAX "$@"; }
[ "$(psql_ -c "SELECT 1 FROM pg_roles WHERE rolname = 'portal_test'")" = 1 ] ||
  psql_ -c "CREATE ROLE portal_test LOGIN CREATEDB PASSWORD 'portal_test'"
[ "$(psql_ -c "SELECT 1 FROM pg_database WHERE datname = 'portal_test'")" = 1 ] ||
  runuser -u postgres -- createdb -p "$port" -O portal_test portal_test
echo "postgres://portal_test:portal_test@127.0.0.1:${port}/portal_test"
