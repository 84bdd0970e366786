#!/usr/bin/env bash
# The newcomer's first command: scripts/run.sh builds, starts its own Redis and agentd, and
# runs both demos (messaging, then the supervisor/workers story) to the end.
source "$(dirname "$0")/../test_functions.sh"
# In $TEST_TMP, which the helpers' exit trap removes (a trap of its own here would replace
# that one and leave $TEST_TMP behind).
out="$TEST_TMP/run.out"
AGENTD_DEMO_ONLY=1 timeout 150 "$REPO_ROOT/scripts/run.sh" >"$out" 2>&1 || { tail -30 "$out"; fail "run.sh exited non-zero"; }
grep -q "demo finished." "$out" || { tail -30 "$out"; fail "messaging demo did not finish"; }
grep -q "story finished." "$out" || { tail -30 "$out"; fail "story did not finish"; }
grep -qE "completed +attempts 2: .*orphaned\(w-nlp\)" "$out" || { tail -30 "$out"; fail "killed worker's task was not completed elsewhere"; }
grep -q "tasks: 4 total, 4 completed" "$out" || { tail -30 "$out"; fail "story stats wrong"; }
echo "# run.sh: both demos finished; the killed worker's task completed on its second attempt"
