#!/usr/bin/env bash
# At start, day folders older than audit_retention_days are deleted (here 2000-01-01 and a
# folder 3 days old, with retention 2); today's folder, a folder 2 days old and anything not
# named like a day stay, their files untouched.
source "$(dirname "$0")/../test_functions.sh"
AUDIT="$TEST_TMP/audit"
old3="$(date -u -d '3 days ago' +%Y-%m-%d)"
old2="$(date -u -d '2 days ago' +%Y-%m-%d)"
today="$(date -u +%Y-%m-%d)"
for day in 2000-01-01 "$old3" "$old2" "$today" notes; do
    mkdir -p "$AUDIT/$day"
    echo '{"ts":"x","event":"keep-me"}' >"$AUDIT/$day/agent_activity_$day.jsonl"
done
AGENTD_AUDIT_DIR="$AUDIT" AGENTD_AUDIT_RETENTION_DAYS=2 start_agentd
left="$(ls "$AUDIT" | tr '\n' ' ')"
assert_equal "$old2 $today notes " "$left" "day folders left after start"
grep -q keep-me "$AUDIT/$today/agent_activity_$today.jsonl" || fail "today's file lost its contents"
stop_agentd
echo "# retention 2 days: removed 2000-01-01 and $old3; kept $left"
