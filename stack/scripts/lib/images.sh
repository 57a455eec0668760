# shellcheck shell=bash
# The images this repository builds: stamps, builds, names and ids, and what runs now.

# BUILD_DATE and VCS_REF, which compose.yml passes to the app images as build args.
# From a clean checkout BUILD_DATE is the commit's time, not the clock's: the same source
# then builds the very same image, and a deploy that changes nothing restarts nothing.
# With local changes (or outside git) it is the current time.
stamp() {
  : "${VCS_REF:=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
  if [ -z "${BUILD_DATE:-}" ]; then
    if [ "$VCS_REF" != unknown ] && [ -z "$(git -C "$REPO" status --porcelain 2>/dev/null)" ]; then
      BUILD_DATE="$(TZ=UTC git -C "$REPO" log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ)"
    else
      BUILD_DATE="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    fi
  fi
  export BUILD_DATE VCS_REF
}

# repo part of an image name: ns/name:tag -> ns/name (a registry port is not a tag)
image_repo() { local i="$1"; if [[ "${i##*/}" == *:* ]]; then echo "${i%:*}"; else echo "$i"; fi; }
image_id() { docker image inspect -f '{{.Id}}' "$1" 2>/dev/null || true; }
short_id() { local i="${1#sha256:}"; echo "${i:0:12}"; }

# Build the images of this repository that don't exist yet (stamped), so that `up` never
# asks a registry for them first.
ensure_images() {
  local svc img missing=()
  while read -r svc img; do
    [ -n "$(image_id "$img")" ] || missing+=("$svc")
  done < <(cfg_built)
  [ ${#missing[@]} -eq 0 ] || do_build "${missing[@]}"
}

print_images() {
  local svc img size created rev
  say "images:"
  printf '  %-10s %-38s %9s  %-20s %s\n' SERVICE IMAGE SIZE CREATED REVISION
  while read -r svc img; do
    if ! size="$(docker image inspect -f '{{.Size}}' "$img" 2>/dev/null)"; then
      printf '  %-10s %-38s %9s\n' "$svc" "$img" missing; continue
    fi
    created="$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.created"}}' "$img")"
    rev="$(docker image inspect -f '{{index .Config.Labels "org.opencontainers.image.revision"}}' "$img")"
    printf '  %-10s %-38s %6s MB  %-20s %s\n' "$svc" "$img" "$(( (size + 500000) / 1000000 ))" "${created:--}" "${rev:--}"
  done < <(cfg_built)
}

do_build() {
  stamp
  say "build ${*:-all services} (BUILD_DATE=$BUILD_DATE VCS_REF=$VCS_REF)"
  compose build "$@" || die "build failed (see the build output above)"
}

# The image each service's container runs now; else the image under its tag; else nothing.
current_image_id() {
  local svc="$1" img="$2" cid
  cid="$(compose ps -aq "$svc" 2>/dev/null | head -n 1)"
  if [ -n "$cid" ]; then docker inspect -f '{{.Image}}' "$cid" 2>/dev/null && return 0; fi
  image_id "$img"
}
