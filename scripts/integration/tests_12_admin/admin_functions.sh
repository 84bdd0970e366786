# Helpers for the admin-port tests (sourced after ../test_functions.sh).
#
#   start_agentd_admin [flags...]   start_agentd with --admin 127.0.0.1:0; exports ADMIN_PORT
#                                   (read from the ready line's admin=HOST:PORT)
#   admin_port_from_ready_line      sets and exports ADMIN_PORT from $AGENTD_READY_LINE
#
# admin.py (an HTTP client for the admin port) is importable from `py` snippets.

export PYTHONPATH="$INTEGRATION_DIR/tests_12_admin:$PYTHONPATH"

admin_port_from_ready_line() {
    local admin
    admin="$(sed -nE 's/.*admin=([^ ]+).*/\1/p' <<<"$AGENTD_READY_LINE")"
    [[ -n "$admin" ]] || fail "ready line has no admin=HOST:PORT: $AGENTD_READY_LINE"
    ADMIN_PORT="${admin##*:}"
    [[ "$ADMIN_PORT" =~ ^[0-9]+$ && "$ADMIN_PORT" != 0 ]] || fail "bad admin port in ready line: $AGENTD_READY_LINE"
    export ADMIN_PORT
}

start_agentd_admin() {
    start_agentd --admin 127.0.0.1:0 "$@"
    admin_port_from_ready_line
}
