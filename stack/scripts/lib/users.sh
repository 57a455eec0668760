# shellcheck shell=bash
# user: accounts of the running stack (add, disable, enable, reset, list). The work is
# done inside the backend container by `python -m app.users` (stack/backend/app/users.py),
# which reads the password from its stdin. The password never goes on a command line:
# on a terminal it is asked here without echo and handed over through a pipe (printf is a
# builtin: no process shows it); otherwise this script's own stdin is passed through.

users_usage() {
  cat <<'EOF'
user add NAME        create an account (password from stdin: asked twice on a terminal)
user reset NAME      new password (from stdin); ends the account's sessions, lifts its backoff
user disable NAME    refuse its sign-ins and end its sessions now
user enable NAME     allow it again (and lift its sign-in backoff)
user list            every account: state, failed sign-ins, backoff, live sessions, last seen
EOF
}

# users_run ARGS...: python -m app.users ARGS in the backend, stdin passed through.
users_run() {
  svc_exec backend python -m app.users "$@"
}

# users_ask_password: reads a new password twice from the terminal, without echo, into
# USERS_PASSWORD.
users_ask_password() {
  local again
  IFS= read -r -s -p "[stack] new password for $1: " USERS_PASSWORD </dev/tty; echo >&2
  IFS= read -r -s -p "[stack] the same again: " again </dev/tty; echo >&2
  [ "$USERS_PASSWORD" = "$again" ] || { USERS_PASSWORD=""; die "user: the two passwords differ"; }
  [ -n "$USERS_PASSWORD" ] || die "user: empty password"
}

# users_with_password SUB NAME: SUB (add or reset) with a password from the terminal or stdin.
users_with_password() {
  local sub="$1" name="$2" status=0
  if [ -t 0 ]; then
    users_ask_password "$name"
    printf '%s\n' "$USERS_PASSWORD" | users_run "$sub" "$name" || status=$?
    USERS_PASSWORD=""
  else
    users_run "$sub" "$name" || status=$?
  fi
  return "$status"
}

cmd_user() {
  local sub="${1:-}" name="${2:-}"
  case "$sub" in
    ""|help|-h|--help) users_usage; return 0 ;;
    list) [ $# -eq 1 ] || die "user list takes no name" ;;
    add|reset|disable|enable)
      [ $# -eq 2 ] || die "user $sub NAME (one name; the password comes from stdin, never the command line)"
      [[ "$name" =~ ^[a-z0-9][a-z0-9_.-]{2,31}$ ]] || die "user $sub: '$name' is not a username (3-32 of a-z 0-9 _ . -, lower-case)" ;;
    *) users_usage >&2; die "user: unknown command $sub" ;;
  esac
  load_config
  running backend || die "user: the backend is not running (stack/scripts/stack up)"
  case "$sub" in
    list) users_run list </dev/null || die "user list failed (see above)" ;;
    add|reset) users_with_password "$sub" "$name" || die "user $sub $name failed (see above)" ;;
    disable|enable) users_run "$sub" "$name" </dev/null || die "user $sub $name failed (see above)" ;;
  esac
}
