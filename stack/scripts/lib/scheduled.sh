# shellcheck shell=bash
# scheduled: the prod sidecar's backups (list, take one now, copy one out for restore).

cmd_scheduled() {
  local sub="${1:-list}"; [ $# -gt 0 ] && shift
  load_config
  has_service backup || die "scheduled: no backup service in this configuration (use --prod)"
  running backup || die "scheduled: the backup sidecar is not running (stack/scripts/stack --prod up)"
  case "$sub" in
    list)
      say "scheduled backups in the sidecar's /backups (newest last)"
      # shellcheck disable=SC2016  # the sidecar's shell expands these, not this one
      svc_exec backup sh -c 'cd /backups && for d in 2*Z; do [ -d "$d" ] || continue
          printf "  %-20s %12s bytes  %s\n" "$d" "$(stat -c %s "$d/postgres.dump")" "$(date -u -d "@$(stat -c %Y "$d")" +%FT%TZ)"; done' </dev/null
      svc_exec backup backup-health </dev/null | sed 's/^/  /' || true ;;
    run)
      say "scheduled: one backup now, in the sidecar"
      svc_exec backup backup-loop once </dev/null || die "scheduled: the backup failed (see above)" ;;
    fetch)
      local name="${1:-}" dest="${2:-$(default_backup_dir)}"
      [ -n "$name" ] || die "scheduled fetch: which backup? (scheduled list)"
      [[ "$name" =~ ^[0-9TZ]+$ ]] || die "scheduled fetch: $name is not a backup name"
      make_backup_dir "$dest"
      [ ! -e "$dest/$name" ] || die "scheduled fetch: $dest/$name exists already"
      say "scheduled: copying $name to $dest"
      compose cp "backup:/backups/$name" "$dest/$name" || die "scheduled fetch: copy failed"
      (cd "$dest/$name" && sha256sum --check --strict --quiet SHA256SUMS) || die "scheduled fetch: checksums of the copy do not match"
      say "fetched: $dest/$name (checksums ok); restore it with: stack/scripts/stack restore $dest/$name" ;;
    *) die "scheduled: list, run or fetch NAME [DIR]" ;;
  esac
}
