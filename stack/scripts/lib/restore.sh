# shellcheck shell=bash
# restore: checksums and a full read of the dump first, then pg_restore into a new database
# beside the live one, proof against the backup's table figures, and an atomic swap.
# Restoring into a new database and swapping, instead of `pg_restore --clean` into the live
# one, gives an exact copy even when the live database has objects the backup lacks, and
# never leaves a half-restored database.

cmd_restore() {
  local fresh=0 with_redis=0 keep_old=0 no_acl=0 src=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --fresh) fresh=1 ;;
      --keep-old) keep_old=1 ;;
      --no-acl) no_acl=1 ;;
      --with-redis) with_redis=1 ;;
      -*) die "restore: unknown option $1" ;;
      *) [ -z "$src" ] || die "restore: one backup only"; src="$1" ;;
    esac
    shift
  done
  [ -n "$src" ] || die "restore: which backup? (stack/scripts/stack backups lists them)"
  # shellcheck source=../../backup/backup-lib.sh
  . "$BACKUP_LIB"
  local dir dump rdb=""
  if [ -d "$src" ]; then dir="$(cd "$src" && pwd)"; dump="$dir/postgres.dump"
  elif [ -f "$src" ]; then dir="$(cd "$(dirname "$src")" && pwd)"; dump="$dir/$(basename "$src")"
  else die "restore: $src does not exist"; fi
  [ -s "$dump" ] || die "restore: $dump is missing or empty"
  if [ "$with_redis" = 1 ]; then
    rdb="$dir/redis.rdb"; [ -s "$rdb" ] || die "restore: --with-redis, but $dir has no redis.rdb"
  fi
  load_config

  # 1. Nothing is touched until the files are proven intact.
  verify_backup_files "$dir" "$dump"
  if [ "$fresh" = 1 ]; then
    confirm "restore --fresh deletes the data volumes of project $PROJECT and replaces them with $dir"
  else
    confirm "restore replaces the database of project $PROJECT with $dir"
  fi
  lock_project

  RESTORE_CLIENTS=()
  if [ "$fresh" = 1 ]; then start_postgres_on_fresh_volumes; else stop_database_clients; fi

  # 2. Into a new database next to the live one, in one transaction; 3. proven equal to the
  #    backup; 4. swapped in. The live database is untouched until the swap.
  local db owner tmpdb
  db="$(pg_in_container printenv PGDATABASE </dev/null)"
  owner="$(pg_in_container printenv PGUSER </dev/null)"
  if [ -z "$db" ] || [ -z "$owner" ]; then die "restore: cannot read the database name from the postgres container"; fi
  tmpdb="${db}_restore"
  restore_into_new_database "$dump" "$db" "$owner" "$tmpdb" "$no_acl"
  prove_restored_tables "$dir" "$db" "$tmpdb"
  swap_databases "$db" "$tmpdb" "${db}_before_restore" "$keep_old"

  if [ "$with_redis" = 1 ]; then redis_restore "$rdb"; fi

  trap - EXIT
  if [ "$fresh" = 1 ]; then
    say "restore: up the rest of the stack"
    compose up -d --wait --wait-timeout "$WAIT_TIMEOUT" || { show_evidence; die "restore: data restored, but the stack did not come up healthy"; }
  elif [ ${#RESTORE_CLIENTS[@]} -gt 0 ]; then
    say "restore: starting ${RESTORE_CLIENTS[*]} again"
    compose up -d --no-build --wait --wait-timeout "$WAIT_TIMEOUT" "${RESTORE_CLIENTS[@]}" || { show_evidence; die "restore: data restored, but ${RESTORE_CLIENTS[*]} did not come back healthy"; }
  fi
  say "restore: done; project $PROJECT now holds the data of $(basename "$dir")"
}

# verify_backup_files DIR DUMP: checksums, then both reads of the dump (toc_of).
verify_backup_files() {
  local dir="$1" dump="$2" base toc tables
  base="$(basename "$dump")"
  say "restore: verifying checksums ($dir/SHA256SUMS)"
  [ -f "$dir/SHA256SUMS" ] || die "restore: no SHA256SUMS next to $base; refusing an unverifiable dump"
  grep -q "  $base\$" "$dir/SHA256SUMS" || die "restore: $base is not listed in SHA256SUMS"
  (cd "$dir" && sha256sum --check --strict --quiet SHA256SUMS) || die "restore: checksum mismatch in $dir: the backup is damaged"
  say "restore: pg_restore --list and a full read of the dump"
  toc="$(mktemp)"
  toc_of "$dump" "$toc"
  tables="$(toc_check "$toc")" || { rm -f "$toc"; die "restore: refusing this dump"; }
  rm -f "$toc"
  say "restore: $base holds $tables tables with data"
  [ -f "$dir/tables.tsv" ] || warn "restore: no tables.tsv in $dir; row counts are printed but can't be compared"
}

# --fresh: down, delete the data volumes (not the backup volumes), postgres on a new volume.
start_postgres_on_fresh_volumes() {
  local key vname
  say "restore: down, then delete the data volumes (backup volumes stay)"
  compose down --remove-orphans || die "restore: down failed"
  while read -r key vname; do
    [ -n "$key" ] || continue
    if [[ "$KEEP_VOLUMES" == *" $key "* ]]; then say "  keeping volume $vname"; continue; fi
    docker volume inspect "$vname" >/dev/null 2>&1 || continue
    docker volume rm "$vname" >/dev/null || die "restore: cannot delete volume $vname"
    say "  deleted volume $vname"
  done < <(cfg_volumes)
  ensure_images
  say "restore: up postgres on a fresh volume (initdb: extensions, settings, reporting role)"
  compose up -d --wait --wait-timeout "$WAIT_TIMEOUT" postgres || { show_evidence; die "restore: postgres did not start"; }
}

# Into the running stack: everything but the data services is stopped (RESTORE_CLIENTS),
# so nothing writes while the data changes.
stop_database_clients() {
  running postgres || die "restore: postgres is not running; start it (stack/scripts/stack up postgres) or use --fresh"
  mapfile -t RESTORE_CLIENTS < <(compose ps --status running --format '{{.Service}}' | grep -vx -e postgres -e redis | sort -u)
  [ ${#RESTORE_CLIENTS[@]} -gt 0 ] || return 0
  say "restore: stopping ${RESTORE_CLIENTS[*]} while the database is replaced"
  compose stop "${RESTORE_CLIENTS[@]}" >/dev/null 2>&1 || die "restore: stopping ${RESTORE_CLIENTS[*]} failed"
  # Should anything below fail, what ran before runs again (the live database stays as it
  # was until the final swap).
  trap 'warn "restore failed: starting ${RESTORE_CLIENTS[*]} again"
        compose up -d --no-build --wait --wait-timeout "$WAIT_TIMEOUT" "${RESTORE_CLIENTS[@]}" >/dev/null 2>&1 || true' EXIT
}

# restore_into_new_database DUMP DB OWNER TMPDB NO_ACL: in one transaction. (--clean into
# the live database fails on any object the backup doesn't know, e.g. a newer table.)
restore_into_new_database() {
  local dump="$1" db="$2" owner="$3" tmpdb="$4" no_acl="$5" acl=()
  say "restore: pg_restore --single-transaction into a new database $tmpdb (streamed into the postgres container)"
  pg_sql -c "DROP DATABASE IF EXISTS \"$tmpdb\"" -c "CREATE DATABASE \"$tmpdb\" OWNER \"$owner\" TEMPLATE template0" >/dev/null \
    || die "restore: cannot create the database $tmpdb"
  [ "$no_acl" = 1 ] && acl=(--no-acl)
  if ! pg_in_container pg_restore --single-transaction --exit-on-error --no-owner "${acl[@]+"${acl[@]}"}" -d "$tmpdb" <"$dump"; then
    pg_sql -c "DROP DATABASE IF EXISTS \"$tmpdb\"" >/dev/null || true
    die "restore: pg_restore failed; the database $db is unchanged$([ "$no_acl" = 1 ] || echo " (grants to roles this server lacks? --no-acl skips all grants)")"
  fi
}

# prove_restored_tables DIR DB TMPDB: the restored tables against the figures taken at
# backup time; a difference drops the copy.
prove_restored_tables() {
  local dir="$1" db="$2" tmpdb="$3" after same=1
  say "restore: row counts and checksums of the restored tables"
  after="$(mktemp)"
  table_stats "$tmpdb" >"$after" || die "restore: reading table statistics failed"
  if [ -f "$dir/tables.tsv" ]; then
    compare_stats "$dir/tables.tsv" "$after" || same=0
  else
    awk -F'\t' '{ printf "  %-40s %10s rows\n", $1, $2 }' "$after"
  fi
  rm -f "$after"
  if [ "$same" = 0 ]; then
    pg_sql -c "DROP DATABASE IF EXISTS \"$tmpdb\"" >/dev/null || true
    die "restore: the restored tables differ from the backup (see above); the database $db is unchanged"
  fi
}

# swap_databases DB TMPDB OLDDB KEEP_OLD: in one transaction. Database-level grants and
# settings aren't in a dump; they carry over from the database being replaced.
swap_databases() {
  local db="$1" tmpdb="$2" olddb="$3" keep_old="$4"
  say "restore: swapping $tmpdb in as $db"
  pg_sql -v db="$db" -v tmp="$tmpdb" -v old="$olddb" <<'SQL' >/dev/null || die "restore: swapping the databases failed; $db is unchanged, the restored copy is $tmpdb"
SELECT format('GRANT %s ON DATABASE %I TO %I', a.privilege_type, :'tmp', r.rolname)
  FROM pg_database d, aclexplode(d.datacl) a JOIN pg_roles r ON r.oid = a.grantee
 WHERE d.datname = :'db' \gexec
SELECT format('ALTER DATABASE %I SET %s = %L', :'tmp', split_part(c, '=', 1), substr(c, strpos(c, '=') + 1))
  FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase, unnest(s.setconfig) c
 WHERE d.datname = :'db' AND s.setrole = 0 \gexec
DROP DATABASE IF EXISTS :"old";
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
 WHERE datname IN (:'db', :'tmp') AND pid <> pg_backend_pid();
BEGIN;
ALTER DATABASE :"db" RENAME TO :"old";
ALTER DATABASE :"tmp" RENAME TO :"db";
COMMIT;
SQL
  if [ "$keep_old" = 1 ]; then
    say "restore: the replaced database is kept as $olddb (--keep-old)"
  else
    pg_sql -c "DROP DATABASE \"$olddb\"" >/dev/null || warn "restore: could not drop $olddb; drop it by hand"
  fi
}
