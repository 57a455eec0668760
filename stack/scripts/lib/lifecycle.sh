# shellcheck shell=bash
# The everyday verbs: up, down, restart, logs, ps, config, build, clean, health.

cmd_up() {
  local build=()
  while [ $# -gt 0 ]; do case "$1" in --build) build=(--build) ;; -*) die "up: unknown option $1" ;; *) break ;; esac; shift; done
  load_config; lock_project; stamp
  [ ${#build[@]} -gt 0 ] || ensure_images
  say "up -d --wait ${*:-(all services)}${build:+ (rebuilding images)}"
  if ! compose up -d --wait --wait-timeout "$WAIT_TIMEOUT" "${build[@]+"${build[@]}"}" "$@"; then
    show_evidence
    die "up: the stack did not become healthy within ${WAIT_TIMEOUT}s (evidence above)"
  fi
  say "health:"
  local svcs=("$@")
  [ $# -gt 0 ] || mapfile -t svcs < <(cfg_services)
  wait_health 20 "${svcs[@]}" || { show_evidence; die "up: services started but are not all healthy"; }
  say "up: healthy"
  if url="$(nginx_url 2>/dev/null)"; then say "open $url"; fi
}

cmd_down() {
  local vol=()
  while [ $# -gt 0 ]; do case "$1" in -v|--volumes) vol=(--volumes) ;; *) die "down: unknown argument $1" ;; esac; shift; done
  load_config
  if [ ${#vol[@]} -gt 0 ]; then
    confirm "down -v deletes every volume of project $PROJECT (the database, the cache, scheduled backups)"
  fi
  lock_project
  say "down --remove-orphans${vol:+ --volumes (deleting the data volumes)}"
  compose down --remove-orphans "${vol[@]+"${vol[@]}"}" || die "down failed"
  [ ${#vol[@]} -eq 0 ] || remove_secret_files
  say "down: project $PROJECT stopped${vol:+ and its volumes deleted}"
}

cmd_restart() {
  load_config; lock_project
  local svcs=("$@")
  if [ $# -eq 0 ]; then
    mapfile -t svcs < <(compose ps -a --format '{{.Service}}' | sort -u)
    [ ${#svcs[@]} -gt 0 ] || die "restart: nothing of project $PROJECT exists; use up"
  fi
  say "restart ${svcs[*]}"
  compose restart "${svcs[@]}" || die "restart failed"
  say "waiting for health (up to ${WAIT_TIMEOUT}s)"
  wait_health "$WAIT_TIMEOUT" "${svcs[@]}" || { show_evidence; die "restart: not healthy afterwards"; }
  say "restart: healthy"
}

cmd_logs() { load_config; compose logs --tail "${TAIL:-200}" "$@"; }
cmd_ps() { load_config; compose ps -a "$@"; }
cmd_config() { load_config; compose config "$@"; }

cmd_build() {
  load_config; lock_project
  do_build "$@"
  print_images
}

cmd_clean() {
  [ $# -eq 0 ] || die "clean takes no arguments"
  load_config
  confirm "clean deletes project $PROJECT: containers, networks, every volume (all data) and its images"
  lock_project
  say "down --volumes --remove-orphans"
  compose down --volumes --remove-orphans || die "clean: down failed"
  remove_secret_files
  local img repo t
  while read -r _ img; do
    repo="$(image_repo "$img")"
    for t in "$img" "$repo:previous" "$repo:failed"; do
      [ -n "$(image_id "$t")" ] || continue
      if docker image rm "$t" >/dev/null 2>&1; then say "removed image $t"; else warn "image $t is in use elsewhere; kept"; fi
    done
  done < <(cfg_built)
  # Untagged leftovers of this project's builds (e.g. a replaced broken deploy).
  docker image prune -f --filter "label=com.docker.compose.project=$PROJECT" >/dev/null 2>&1 || true
  say "clean: done (base images and the build cache are kept)"
}

cmd_health() {
  load_config
  say "health of ${*:-every service}"
  if check_health "$@"; then say "health: all healthy"; else die "health: not healthy (details above; logs: stack/scripts/stack logs SERVICE)"; fi
}
