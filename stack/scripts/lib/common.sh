# shellcheck shell=bash
# Shared by every verb of stack/scripts/stack: how to talk, how to ask, and the
# per-project lock.

say() { printf '[stack] %s\n' "$*"; }
warn() { printf '[stack] WARNING: %s\n' "$*" >&2; }
die() { printf '[stack] ERROR: %s\n' "$*" >&2; exit 1; }

# One stack command at a time per project: two deploys, or a restore during a backup,
# would trample each other.
lock_project() {
  exec 9>"${TMPDIR:-/tmp}/stack-$PROJECT.lock"
  flock -n 9 || die "another stack command is running on project $PROJECT"
}

confirm() {
  [ "$YES" = 1 ] && return 0
  [ -t 0 ] || die "$1: refusing without --yes (not on a terminal)"
  local answer
  read -r -p "[stack] $1. Type yes to go on: " answer
  [ "$answer" = yes ] || die "aborted"
}
