# shellcheck shell=bash
# backup: pg_dump + Redis snapshot into DIR/<UTC time>/, read back and checksummed before
# it counts; backups: list them. The layout is stack/backup/backup-lib.sh's, shared with
# the prod sidecar.

default_backup_dir() { echo "$STACK/backups"; }

# A backup directory is private, and stays out of git even outside stack/backups.
make_backup_dir() {
  local dir="$1"
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir" || die "cannot create $dir"
    chmod 700 "$dir"
    printf '*\n' >"$dir/.gitignore"
  fi
  [ "$dir" = "$(default_backup_dir)" ] && [ ! -f "$dir/.gitignore" ] && printf '*\n' >"$dir/.gitignore"
  [ -w "$dir" ] || die "$dir is not writable"
}

# do_backup DIR LABEL SKIP_REDIS ALLOW_EMPTY
do_backup() {
  local dir="$1" label="$2" skip_redis="$3" allow_empty="$4"
  local name out work started=$SECONDS tables server git_sha rows keys=""
  # shellcheck source=../../backup/backup-lib.sh
  . "$BACKUP_LIB"
  if ! has_service postgres || ! running postgres; then die "backup: postgres is not running (stack/scripts/stack up postgres)"; fi
  if [ "$skip_redis" = 0 ]; then
    running redis || die "backup: redis is not running (start it, or --skip-redis for Postgres only)"
  fi
  make_backup_dir "$dir"
  dir="$(cd "$dir" && pwd)"
  name="$(date -u +%Y%m%dT%H%M%SZ)${label:+-$label}"
  out="$dir/$name"; work="$dir/.$name.partial"
  [ ! -e "$out" ] || die "backup: $out exists already"
  mkdir -m 700 "$work"
  # A failed backup leaves no directory that could pass for a good one.
  BACKUP_WORK="$work"
  trap 'rm -rf "$BACKUP_WORK"' EXIT

  say "backup: row counts and checksums of every table (one snapshot with the dump)"
  snapshot_open
  table_stats "" "$SNAPSHOT" >"$work/tables.tsv" || die "backup: reading table statistics failed"
  server="$(pg_in_container psql -XAtqc 'SHOW server_version' </dev/null)"
  say "backup: pg_dump -Fc (streamed out of the postgres container)"
  pg_in_container pg_dump -Fc --snapshot="$SNAPSHOT" </dev/null >"$work/postgres.dump" || die "backup: pg_dump failed"
  snapshot_close
  [ -s "$work/postgres.dump" ] || die "backup: pg_dump wrote nothing"
  say "backup: pg_restore --list, and a full read of the dump"
  pg_in_container pg_restore --list <"$work/postgres.dump" >"$work/toc.txt" || die "backup: pg_restore --list cannot read the dump: it is broken"
  pg_in_container pg_restore -f /dev/null <"$work/postgres.dump" || die "backup: pg_restore cannot read the whole dump: it is truncated or corrupt"
  if ! tables="$(toc_check "$work/toc.txt" 2>"$work/toc.err")"; then
    if [ "$allow_empty" = 1 ]; then warn "backup: $(cat "$work/toc.err") (--allow-empty)"; tables=0
    else die "backup: $(cat "$work/toc.err") (pass --allow-empty to keep it anyway)"; fi
  fi
  rm -f "$work/toc.err"
  if [ "$skip_redis" = 0 ]; then
    say "backup: redis BGSAVE and copy"
    redis_snapshot "$work/redis.rdb"
    keys="$(redis_cli DBSIZE | tr -dc 0-9)"
  fi
  git_sha="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  write_manifest "$work" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "stack backup${label:+ ($label)}" "$git_sha" \
    "$(pg_in_container printenv PGDATABASE </dev/null)" "$server"
  write_sums "$work"
  mv "$work" "$out"
  trap - EXIT
  rows="$(awk -F'\t' '{ s += $2 } END { print s + 0 }' "$out/tables.tsv")"
  say "backup: $tables tables with data, $rows rows; dump $(stat -c %s "$out/postgres.dump") bytes${keys:+; redis $(stat -c %s "$out/redis.rdb") bytes, $keys keys}; $((SECONDS - started)) s"
  say "backup written: $out"
}

cmd_backup() {
  local skip_redis=0 allow_empty=0 label="" dir=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --skip-redis|--no-redis) skip_redis=1 ;;
      --allow-empty) allow_empty=1 ;;
      --label) [ $# -ge 2 ] || die "--label needs a value"; label="$2"; shift ;;
      -*) die "backup: unknown option $1" ;;
      *) [ -z "$dir" ] || die "backup: one directory only"; dir="$1" ;;
    esac
    shift
  done
  [[ "$label" =~ ^[A-Za-z0-9._-]*$ ]] || die "backup: --label may hold letters, digits, . _ - only"
  load_config; lock_project
  do_backup "${dir:-$(default_backup_dir)}" "$label" "$skip_redis" "$allow_empty"
}

cmd_backups() {
  local dir="${1:-$(default_backup_dir)}" d n=0
  [ -d "$dir" ] || die "no backup directory $dir"
  say "backups in $dir (newest last)"
  printf '  %-32s %12s %12s  %s\n' NAME DUMP REDIS CHECKSUMS
  for d in "$dir"/2*/; do
    [ -d "$d" ] || continue
    d="${d%/}"; n=$((n + 1))
    printf '  %-32s %12s %12s  %s\n' "$(basename "$d")" \
      "$( [ -f "$d/postgres.dump" ] && stat -c %s "$d/postgres.dump" || echo -)" \
      "$( [ -f "$d/redis.rdb" ] && stat -c %s "$d/redis.rdb" || echo -)" \
      "$( (cd "$d" && sha256sum --check --strict --quiet SHA256SUMS >/dev/null 2>&1) && echo ok || echo DAMAGED)"
  done
  [ "$n" -gt 0 ] || say "  (none)"
}
