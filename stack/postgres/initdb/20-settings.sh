#!/usr/bin/env bash
# Runs once at initdb: server settings appended to $PGDATA/postgresql.conf (inside the data
# volume). The entrypoint restarts the server after initdb, so they apply from the first
# real start. A file, not ALTER SYSTEM: the pg_stat_statements.* settings are unknown to
# a server that has not preloaded the library yet, and ALTER SYSTEM refuses them.
# Change them later with ALTER SYSTEM (it takes precedence) and a restart.
set -euo pipefail

slow_ms="${POSTGRES_SLOW_QUERY_MS:-500}"
[[ "$slow_ms" =~ ^-?[0-9]+$ ]] || { echo "20-settings: POSTGRES_SLOW_QUERY_MS must be a number of ms" >&2; exit 1; }

cat >>"$PGDATA/postgresql.conf" <<CONF

# --- stack/postgres/initdb/20-settings.sh ------------------------------------------
# Per-statement timings (the pg_stat_statements view) need the library at server start.
shared_preload_libraries = 'pg_stat_statements'
pg_stat_statements.track = all
pg_stat_statements.max = 5000
track_io_timing = on
# Slow-query log to the container log: statements slower than ${slow_ms} ms with their
# duration, lock waits longer than deadlock_timeout (1 s), and temp files over 10 MB.
log_min_duration_statement = ${slow_ms}
log_lock_waits = on
log_temp_files = 10240
log_line_prefix = '%m [%p] %q%u@%d '
CONF
echo "20-settings: pg_stat_statements preloaded, slow-query log at ${slow_ms} ms"
