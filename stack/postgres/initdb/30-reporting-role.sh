#!/usr/bin/env bash
# Runs once at initdb: the read-only role `reporting` for dashboards and ad-hoc SQL.
# It may read every table in schema public, including tables the app creates later
# (default privileges of the app user), and nothing else. Without a password it is
# NOLOGIN: grant it to a login role, or give it a password through REPORTING_PASSWORD,
# REPORTING_PASSWORD_FILE or the Docker secret /run/secrets/reporting_password.
set -euo pipefail

role="${REPORTING_ROLE:-reporting}"
password="${REPORTING_PASSWORD:-}"
file="${REPORTING_PASSWORD_FILE:-/run/secrets/reporting_password}"
if [ -z "$password" ] && [ -s "$file" ]; then password="$(<"$file")"; fi
login=NOLOGIN
[ -n "$password" ] && login=LOGIN

# psql variables (:"name", :'value') quote safely; the password never reaches argv.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v role="$role" -v login="$login" -v db="$POSTGRES_DB" -v owner="$POSTGRES_USER" \
  -v password="$password" <<'SQL'
SELECT format('CREATE ROLE %I', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" :login NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
SELECT format('ALTER ROLE %I PASSWORD %L', :'role', :'password') WHERE :'password' <> '' \gexec
-- Even a mistaken GRANT can't let it write: every transaction is read-only.
ALTER ROLE :"role" SET default_transaction_read_only = on;
GRANT CONNECT ON DATABASE :"db" TO :"role";
GRANT USAGE ON SCHEMA public TO :"role";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"role";
GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON TABLES TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" IN SCHEMA public GRANT SELECT ON SEQUENCES TO :"role";
-- Query statistics (pg_stat_statements, pg_stat_activity) without superuser.
GRANT pg_read_all_stats TO :"role";
SQL
echo "30-reporting-role: role $role ($login) can read schema public"
