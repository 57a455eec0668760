# shellcheck shell=bash
# Shared by stack/scripts/stack (manual backups, on the host) and the backup sidecar
# (scheduled backups, in its container): one backup directory layout, checked one way.
#   postgres.dump   pg_dump -Fc of the app database
#   redis.rdb       Redis snapshot (manual backups only; Redis is a cache)
#   toc.txt         pg_restore --list of the dump
#   tables.tsv      table<TAB>rows<TAB>md5 per table, from table-stats.sql, at dump time
#   manifest.json   when, from what, and the same table figures
#   SHA256SUMS      checksums of all of the above
# Sourced, not run; needs bash, coreutils and grep.

# toc_check TOC_FILE: fail on a dump that lists no tables (an empty or wrong database).
toc_check() {
  local toc="$1" tables
  [ -s "$toc" ] || { echo "pg_restore --list gave nothing: the dump is unreadable" >&2; return 1; }
  tables="$(grep -c -E '^[0-9]+; [0-9]+ [0-9]+ TABLE DATA ' "$toc" || true)"
  [ "$tables" -gt 0 ] || { echo "the dump holds no table data: the database is empty or the dump is broken" >&2; return 1; }
  echo "$tables"
}

json_string() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\t'/\\t}"; s="${s//$'\n'/\\n}"
  printf '"%s"' "$s"
}

# write_manifest DIR CREATED SOURCE GIT_SHA DATABASE SERVER_VERSION
# reads DIR/tables.tsv and the files present in DIR.
write_manifest() {
  local dir="$1" created="$2" source="$3" git_sha="$4" database="$5" server="$6"
  local first=1 name rows md5 f
  {
    printf '{\n  "created": %s,\n  "source": %s,\n  "git_sha": %s,\n' \
      "$(json_string "$created")" "$(json_string "$source")" "$(json_string "$git_sha")"
    printf '  "database": %s,\n  "server_version": %s,\n  "files": {' \
      "$(json_string "$database")" "$(json_string "$server")"
    for f in postgres.dump redis.rdb; do
      [ -f "$dir/$f" ] || continue
      [ $first = 1 ] || printf ','
      printf '\n    %s: {"bytes": %s}' "$(json_string "$f")" "$(stat -c %s "$dir/$f")"
      first=0
    done
    printf '\n  },\n  "tables": {'
    first=1
    while IFS=$'\t' read -r name rows md5; do
      [ -n "$name" ] || continue
      [ $first = 1 ] || printf ','
      printf '\n    %s: {"rows": %s, "md5": %s}' "$(json_string "$name")" "$rows" "$(json_string "$md5")"
      first=0
    done <"$dir/tables.tsv"
    printf '\n  }\n}\n'
  } >"$dir/manifest.json"
}

# write_sums DIR: SHA256SUMS over every file of the backup.
write_sums() {
  local dir="$1" f files=()
  for f in postgres.dump redis.rdb toc.txt tables.tsv manifest.json; do
    [ -f "$dir/$f" ] && files+=("$f")
  done
  (cd "$dir" && sha256sum -- "${files[@]}" >SHA256SUMS)
}
