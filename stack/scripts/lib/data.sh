# shellcheck shell=bash
# Talking to the data services: Postgres clients run inside the postgres container, Redis
# snapshots in and out, dump reads in throwaway containers, and the table figures that
# prove a backup and a restore hold the same data.

# pg_in_container CMD...: run a Postgres client in the postgres container as the app user.
pg_in_container() {
  # shellcheck disable=SC2016  # the container's shell expands these, not this one
  svc_exec postgres sh -c '
    [ -r /run/secrets/postgres_password ] && PGPASSWORD="$(cat /run/secrets/postgres_password)" && export PGPASSWORD
    export PGUSER="${POSTGRES_USER:-postgres}" PGDATABASE="${POSTGRES_DB:-${POSTGRES_USER:-postgres}}"
    exec "$@"' sh "$@"
}

redis_cli() {
  # shellcheck disable=SC2016  # the container's shell expands these, not this one
  svc_exec redis sh -c 'REDISCLI_AUTH="$(cat /run/secrets/redis_password)" exec redis-cli "$@"' sh "$@" </dev/null
}

# table_stats [DB [SNAPSHOT]]: table<TAB>rows<TAB>md5 per table (stack/backup/table-stats.sql),
# as of an exported snapshot when one is given.
table_stats() {
  local snap=()
  [ -n "${2:-}" ] && snap=(-c "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" -c "SET TRANSACTION SNAPSHOT '$2'")
  pg_in_container psql -XAtq -v ON_ERROR_STOP=1 -F $'\t' ${1:+-d "$1"} "${snap[@]+"${snap[@]}"}" -f - <"$STATS_SQL"
}

# One snapshot for the table figures and the dump, held by a background session until both
# have taken it: they see the same data even while the app writes, so a restore's
# comparison with the figures can't fail on rows written in between.
snapshot_open() {
  coproc SNAP { pg_in_container psql -XAtq -v ON_ERROR_STOP=1 2>&1; }
  printf 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSELECT pg_export_snapshot();\n' >&"${SNAP[1]}"
  read -r -t 30 SNAPSHOT <&"${SNAP[0]}" || die "backup: no snapshot from Postgres"
  [[ "$SNAPSHOT" =~ ^[0-9A-F-]+$ ]] || die "backup: cannot export a snapshot: $SNAPSHOT"
}
snapshot_close() {
  local fd="${SNAP[1]}"
  printf 'COMMIT;\n' >&"$fd"
  exec {fd}>&-
  wait "$SNAP_PID" 2>/dev/null || true
}

# pg_sql [-c SQL...]: psql in the maintenance database (SQL from -c or stdin); stops at an error.
pg_sql() {
  local psql=(env PGOPTIONS="-c client_min_messages=warning" psql -XAtq -v ON_ERROR_STOP=1 -d postgres)
  if [ "${1:-}" = -c ]; then pg_in_container "${psql[@]}" "$@" </dev/null; else pg_in_container "${psql[@]}" "$@"; fi
}

# toc_of DUMP OUT: pg_restore --list, then a full read of every data block (the table of
# contents sits at the start, so --list alone passes a truncated dump). In a throwaway
# container of the postgres image (the server's major version; no network, nothing
# mounted), so a dump is checked before anything is touched, even with the stack down.
toc_of() {
  local img; img="$(cfg_image postgres)"
  [ -n "$(image_id "$img")" ] || { say "building $img to read the dump"; compose build postgres >/dev/null || die "cannot build $img"; }
  docker run --rm -i --network none --entrypoint pg_restore "$img" --list <"$1" >"$2" 2>"$2.err" || {
    cat "$2.err" >&2; rm -f "$2.err"; die "pg_restore --list cannot read $1: the dump is broken"; }
  docker run --rm -i --network none --entrypoint pg_restore "$img" -f /dev/null <"$1" 2>"$2.err" || {
    cat "$2.err" >&2; rm -f "$2.err"; die "pg_restore cannot read all of $1: the dump is truncated or corrupt"; }
  rm -f "$2.err"
}

# Redis: BGSAVE, wait for it, then stream the file out. Nothing extra stays in the container.
redis_snapshot() {
  local out="$1" dir file reply
  dir="$(redis_cli CONFIG GET dir | sed -n 2p | tr -d '"')"
  file="$(redis_cli CONFIG GET dbfilename | sed -n 2p | tr -d '"')"
  if [ -z "$dir" ] || [ -z "$file" ]; then die "redis: cannot read CONFIG dir/dbfilename"; fi
  reply="$(redis_cli BGSAVE)"
  case "$reply" in
    *started*) ;;
    *progress*) say "redis: a save is already running; waiting, then saving again"
                for _ in $(seq 1 120); do redis_cli INFO persistence | grep -q '^rdb_bgsave_in_progress:0' && break; sleep 0.5; done
                reply="$(redis_cli BGSAVE)"; [[ "$reply" == *started* ]] || die "redis: BGSAVE refused: $reply" ;;
    *) die "redis: BGSAVE refused: $reply" ;;
  esac
  for _ in $(seq 1 600); do
    redis_cli INFO persistence | grep -q '^rdb_bgsave_in_progress:0' && break
    sleep 0.5
  done
  redis_cli INFO persistence | grep -q '^rdb_last_bgsave_status:ok' || die "redis: BGSAVE failed (redis log: stack/scripts/stack logs redis)"
  svc_exec redis cat "$dir/$file" </dev/null >"$out" || die "redis: cannot read $dir/$file"
  [ "$(head -c 5 "$out")" = REDIS ] || die "redis: $dir/$file is not an RDB file"
  # Read it back with redis-check-rdb, in a throwaway container of the redis image.
  docker run --rm -i --network none --entrypoint sh "$(cfg_image redis)" \
    -c 'cat >/tmp/check.rdb && redis-check-rdb /tmp/check.rdb' <"$out" >"$out.check" 2>&1 \
    || { cat "$out.check" >&2; die "redis: the snapshot does not pass redis-check-rdb"; }
  rm -f "$out.check"
}

# Put an RDB file back: stop Redis (it saves on the way down), replace the file, start.
redis_restore() {
  local rdb="$1" dir file tmp keys
  running redis || compose up -d --no-build --wait --wait-timeout "$WAIT_TIMEOUT" redis >/dev/null
  dir="$(redis_cli CONFIG GET dir | sed -n 2p | tr -d '"')"
  file="$(redis_cli CONFIG GET dbfilename | sed -n 2p | tr -d '"')"
  say "redis: stop, put the snapshot at $dir/$file, start"
  compose stop redis >/dev/null
  tmp="$(mktemp)"; cp "$rdb" "$tmp"; chmod 644 "$tmp"
  compose cp "$tmp" "redis:$dir/$file" || { rm -f "$tmp"; compose start redis >/dev/null || true; die "redis: copying the snapshot in failed"; }
  rm -f "$tmp"
  compose up -d --no-build --wait --wait-timeout "$WAIT_TIMEOUT" redis >/dev/null || { show_evidence; die "redis did not come back after the restore"; }
  keys="$(redis_cli DBSIZE | tr -dc 0-9)"
  say "redis: restored, $keys keys"
}

# compare_stats BACKUP_TSV AFTER_TSV: every table of the backup must match rows and md5.
compare_stats() {
  local before="$1" after="$2" name rows md5 arows amd5 bad=0 n=0 total=0
  printf '  %-40s %10s %10s  %s\n' TABLE BACKUP NOW CONTENT
  while IFS=$'\t' read -r name rows md5; do
    [ -n "$name" ] || continue
    read -r arows amd5 < <(awk -F'\t' -v t="$name" '$1 == t { print $2, $3 }' "$after") || true
    n=$((n + 1)); total=$((total + ${arows:-0}))
    if [ "${arows:-}" = "$rows" ] && [ "${amd5:-}" = "$md5" ]; then
      printf '  %-40s %10s %10s  %s\n' "$name" "$rows" "$arows" "md5 equal"
    else
      printf '  %-40s %10s %10s  %s\n' "$name" "$rows" "${arows:-missing}" "DIFFERS"; bad=1
    fi
  done <"$before"
  while IFS=$'\t' read -r name arows amd5; do
    grep -q "^$name"$'\t' "$before" || printf '  %-40s %10s %10s  %s\n' "$name" - "$arows" "not in the backup (left as it was)"
  done <"$after"
  say "$n tables, $total rows"
  return "$bad"
}
