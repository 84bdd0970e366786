#!/usr/bin/env bash
# scripts/soak.sh end to end, shortened to ~20 s of load at 300 msgs/s: it starts its own
# redis-server and agentd ($AGENTD_BIN, the binary under test), runs the whole mixed load
# (producers, push and fetch consumers, registry, tasks, connection churn), prints samples,
# drains, and loses nothing: every message sent ok is acked, agentd's queues end empty,
# no errors, every connection is gone at the end, agentd exits 0 on SIGTERM.
# The RSS flatness verdict of so short a run is printed but not asserted: soak.sh exits 2
# when only that verdict fails, and this test accepts 2 (a real soak runs for minutes).
# serial: ~20 s of mixed load that keeps both cores busy and asserts not one store error
#   (2 s store timeout); beside other tests it saw `unavailable` and slowed them too.
source "$(dirname "$0")/../test_functions.sh"
require_redis  # soak.sh runs agentd on a Redis of its own; nothing to learn with --backend memory
command -v redis-server >/dev/null || fail "redis-server not found"
out="$TEST_TMP/soak.out"
rc=0
AGENTD_BIN="$AGENTD_BIN" timeout -k 5 100 "$REPO_ROOT/scripts/soak.sh" --minutes 0.3 --rate 300 --sample-seconds 2 \
    --drain-seconds 20 >"$out" 2>&1 || rc=$?
show() { tail -n 45 "$out"; }
[[ $rc -eq 0 || $rc -eq 2 ]] || { show; fail "soak.sh exited $rc"; }
samples="$(grep -cE '^ +[0-9]+ +[0-9.]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ ' "$out" || true)"
[[ "$samples" -ge 5 ]] || { show; fail "expected at least 5 sample rows, got $samples"; }
grep -q "lost (sent ok, not acked) 0$" "$out" || { show; fail "messages lost"; }
grep -qE "pending 0, in_flight 0, dead_letters 0, expired 0" "$out" || { show; fail "agentd's queues not empty after the drain"; }
grep -q "load: CLEAN" "$out" || { show; fail "the load saw problems"; }
grep -qE "tasks: assigned [1-9][0-9]*, .* unfinished 0;" "$out" || { show; fail "tasks not all finished"; }
grep -qE "churn: [1-9][0-9]* connections" "$out" || { show; fail "no churn"; }
grep -q "connections: 1 open after every client closed (1 before the load)" "$out" || { show; fail "connections left open"; }
grep -q "exited with status 0 after SIGTERM" "$out" || { show; fail "agentd did not exit 0 on SIGTERM"; }
echo "# $samples samples; $(grep -oE 'sent ok [0-9]+' "$out" | head -1), lost 0; RSS (not asserted): $(grep -oE '(FLAT|GROWING)$' "$out" | head -1) (exit $rc)"
