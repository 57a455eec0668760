# shellcheck shell=bash
# deploy (tag what runs as :previous, back up, build, start, verify) and rollback (retag
# :previous as current), plus DEPLOY_BREAK, which makes deploy's failure path testable.

# DEPLOY_BREAK=SVC[:crash|unhealthy],...: replace SVC's freshly built image with a broken
# one under the same tag, so that deploy's failure path and rollback can be tested for real.
apply_deploy_break() {
  local spec svc mode img entry
  for spec in ${DEPLOY_BREAK//,/ }; do
    svc="${spec%%:*}"; mode="crash"; [[ "$spec" == *:* ]] && mode="${spec#*:}"
    img="$(cfg_image "$svc")"
    [ -n "$img" ] || die "DEPLOY_BREAK: no service $svc"
    case "$mode" in
      crash) entry='["/bin/sh", "-c", "echo \"deliberately broken image (DEPLOY_BREAK)\" >&2; exit 3"]' ;;
      unhealthy) entry='["sleep", "infinity"]' ;;
      *) die "DEPLOY_BREAK: mode must be crash or unhealthy, not $mode" ;;
    esac
    warn "DEPLOY_BREAK: $img is replaced by a deliberately broken image ($mode)"
    # The legacy builder needs no context, and the base is local: no registry is asked.
    printf 'FROM %s\nLABEL org.stackcheck.broken="%s"\nENTRYPOINT %s\nCMD []\n' "$img" "$mode" "$entry" \
      | DOCKER_BUILDKIT=0 docker build -q -t "$img" - >/dev/null 2>&1 || die "DEPLOY_BREAK: building the broken $svc image failed"
  done
}

# Retag every :previous as the current tag and bring the stack back to health.
do_rollback() {
  local svc img repo prev cur any=0
  while read -r svc img; do
    repo="$(image_repo "$img")"
    prev="$(image_id "$repo:previous")"
    [ -n "$prev" ] || { say "rollback: $svc has no $repo:previous, keeping $img"; continue; }
    any=1
    cur="$(image_id "$img")"
    if [ "$cur" = "$prev" ]; then say "rollback: $svc already runs $repo:previous ($(short_id "$prev"))"; continue; fi
    # Keep the rejected build around for a post-mortem.
    [ -n "$cur" ] && docker tag "$cur" "$repo:failed"
    docker tag "$prev" "$img"
    say "rollback: $svc $img -> $(short_id "$prev") (was $(short_id "${cur:-none}"), kept as $repo:failed)"
  done < <(cfg_built)
  [ "$any" = 1 ] || die "rollback: no :previous images exist (no deploy has run for these image names)"
  say "rollback: up -d --wait (containers whose image changed are recreated)"
  if ! compose up -d --no-build --wait --wait-timeout "$WAIT_TIMEOUT" --remove-orphans; then
    show_evidence
    die "rollback: the previous images did not come up healthy"
  fi
  say "rollback: checking health"
  wait_health 30 || { show_evidence; die "rollback: the stack is not healthy after rolling back"; }
}

cmd_deploy() {
  local backup=1 auto_rollback=1
  while [ $# -gt 0 ]; do
    case "$1" in
      --no-backup) backup=0 ;;
      --no-rollback) auto_rollback=0 ;;
      *) die "deploy: unknown argument $1" ;;
    esac
    shift
  done
  load_config; lock_project
  local svc img repo id started=$SECONDS have_previous=0

  # 1. What runs now becomes :previous, the rollback target.
  say "deploy 1/5: tagging the images in use as :previous"
  while read -r svc img; do
    repo="$(image_repo "$img")"
    id="$(current_image_id "$svc" "$img")"
    if [ -n "$id" ]; then
      docker tag "$id" "$repo:previous"; have_previous=1
      say "  $svc: $(short_id "$id") -> $repo:previous"
    else
      say "  $svc: no image yet (first deploy), nothing to keep"
    fi
  done < <(cfg_built)

  # 2. A rollback restores images, not data: keep a backup from before any migration.
  if [ "$backup" = 1 ] && has_service postgres && running postgres; then
    say "deploy 2/5: backup before deploying"
    ( do_backup "$(default_backup_dir)" pre-deploy 0 0 ) || die "deploy: the pre-deploy backup failed; nothing was changed (--no-backup skips it)"
  elif [ "$backup" = 0 ]; then
    say "deploy 2/5: no pre-deploy backup (--no-backup)"
  else
    say "deploy 2/5: no pre-deploy backup (postgres is not running)"
  fi

  # 3. Build.
  say "deploy 3/5: build"
  do_build
  [ -n "${DEPLOY_BREAK:-}" ] && apply_deploy_break

  # 4. Start and wait for every healthcheck.
  say "deploy 4/5: up -d --wait (timeout ${WAIT_TIMEOUT}s)"
  local ok=1
  compose up -d --no-build --wait --wait-timeout "$WAIT_TIMEOUT" --remove-orphans || ok=0

  # 5. Check from outside too: nginx and the API's readiness.
  if [ "$ok" = 1 ]; then
    say "deploy 5/5: health"
    wait_health 30 || ok=0
  fi
  if [ "$ok" = 1 ]; then
    print_images
    say "deploy: done in $((SECONDS - started)) s; previous images kept as :previous (stack/scripts/stack rollback)"
    return 0
  fi

  show_evidence
  [ "$have_previous" = 1 ] || die "deploy failed, and there is nothing to roll back to (first deploy)"
  [ "$auto_rollback" = 1 ] || die "deploy failed; left as it is (--no-rollback). Roll back with: stack/scripts/stack rollback"
  warn "deploy failed: rolling back to the previous images"
  do_rollback
  die "deploy failed and was rolled back; the stack is healthy on the previous images (the failed build is tagged :failed)"
}

cmd_rollback() {
  [ $# -eq 0 ] || die "rollback takes no arguments"
  load_config; lock_project
  do_rollback
  say "rollback: done, the stack is healthy on the :previous images"
}

