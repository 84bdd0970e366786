#!/usr/bin/env bash
# The newcomer's first command: scripts/run.sh builds, starts its own Redis and two daemons
# (A with the admin port, whose dashboard URL it prints), and runs the demos to the end:
# messaging across the two daemons, the supervisor/workers story, and daemon B killed under
# two busy workers that move to A and finish every task once; B is started again.
source "$(dirname "$0")/../test_functions.sh"
# In $TEST_TMP, which the helpers' exit trap removes (a trap of its own here would replace
# that one and leave $TEST_TMP behind).
out="$TEST_TMP/run.out"
AGENTD_DEMO_ONLY=1 timeout 150 "$REPO_ROOT/scripts/run.sh" >"$out" 2>&1 || { tail -30 "$out"; fail "run.sh exited non-zero"; }
grep -q "demo finished." "$out" || { tail -30 "$out"; fail "messaging demo did not finish"; }
grep -q "story finished." "$out" || { tail -30 "$out"; fail "story did not finish"; }
grep -qE "completed +attempts 2: .*orphaned\(w-nlp\)" "$out" || { tail -30 "$out"; fail "killed worker's task was not completed elsewhere"; }
grep -q "tasks: 4 total, 4 completed" "$out" || { tail -30 "$out"; fail "story stats wrong"; }
grep -qE "^== dashboard: http://127\.0\.0\.1:[0-9]+/" "$out" || { head -10 "$out"; fail "no dashboard URL"; }
grep -q "worker-1 | hello -> daemon B" "$out" || { head -20 "$out"; fail "the worker is not on daemon B"; }
grep -q "live daemons a, b" "$out" || { tail -30 "$out"; fail "the demo's stats do not list both daemons"; }
grep -q "failover finished." "$out" || { tail -30 "$out"; fail "failover demo did not finish"; }
[[ "$(grep -cE "completed \(completed 1x" "$out")" == 4 ]] || { tail -30 "$out"; fail "a task of the failover demo did not complete exactly once"; }
[[ "$(grep -cE "now on daemon A" "$out")" == 2 ]] || { tail -30 "$out"; fail "the workers did not both move to daemon A"; }
[[ "$(grep -c "== daemon b ready" "$out")" == 2 ]] || { tail -30 "$out"; fail "daemon b was not started again"; }
echo "# run.sh: two daemons; messages crossed from A to B; the killed worker's task completed on its second attempt"
echo "# failover demo: $(grep -m1 'now on daemon A' "$out" | sed 's/^ *//')"
