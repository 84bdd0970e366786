#!/usr/bin/env bash
# agentctl and the agent-native task fields: assign with --lease, --budget and
# --idempotency-key (again with the same key: the same task, noted as a duplicate); the
# worker reports usage and input_required; `agentctl task` shows lease, budget, usage and
# the attempts log; `agentctl resume --input` hands the worker {action: resume, input}.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
start_agentd
ctl_server
py <<'PY'
from wire import Conn
w = Conn(); w.hello("an-w"); w.call("register", role="worker", capabilities=["an"])
PY
expect_ctl 0 assign --agent an-boss --type review --capabilities an --lease 30s --budget '{"tokens":5000}' --idempotency-key rv-1 --json
tid=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["task_id"])' "$CTL_OUT")
expect_ctl 0 assign --agent an-boss --type review --capabilities an --lease 30s --budget '{"tokens":5000}' --idempotency-key rv-1 --json
again=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["task_id"], r.get("duplicate"))' "$CTL_OUT")
assert_equal "$tid True" "$again" "the same key gives the same task"
TID=$tid py <<'PY'
import os
from wire import Conn, fetch_until
tid = os.environ["TID"]
w = Conn(); w.hello("an-w")
req = [m for m in fetch_until(w, 1, deadline_s=5) if m["message_type"] == "task_request"][0]
lease = req["content"]["lease"]
w.call("ack", message_ids=[req["message_id"]])
w.send("an-boss", {"task_id": tid, "status": "in_progress", "lease": lease, "usage": {"tokens": 1200, "turns": 2}},
       message_type="task_response")
w.send("an-boss", {"task_id": tid, "status": "input_required", "lease": lease, "question": "merge?"},
       message_type="task_response")
PY
expect_ctl 0 task "$tid" --agent an-boss
grep -qE '^state +input_required' <<<"$CTL_OUT" || fail "task state: $CTL_OUT"
grep -qE '^lease +1' <<<"$CTL_OUT" || fail "lease row: $CTL_OUT"
grep -qE '^budget +.*5000' <<<"$CTL_OUT" || fail "budget row: $CTL_OUT"
grep -qE '^usage +.*1200' <<<"$CTL_OUT" || fail "usage row: $CTL_OUT"
grep -qE '^ATTEMPT +LEASE +AGENT' <<<"$CTL_OUT" || fail "no attempts log: $CTL_OUT"
grep -qE '^1 +1 +an-w ' <<<"$CTL_OUT" || fail "attempts log row: $CTL_OUT"
expect_ctl 0 resume "$tid" --agent an-boss --input '{"merge": true}'
assert_equal "$tid assigned" "$CTL_OUT" "resume output"
TID=$tid py <<'PY'
import os
from wire import Conn, fetch_until
w = Conn(); w.hello("an-w")
got = [m["content"] for m in fetch_until(w, 1, deadline_s=5) if m["message_type"] == "coordination"]
assert got and got[0]["action"] == "resume" and got[0]["input"] == {"merge": True} and got[0]["task_id"] == os.environ["TID"], got
PY
echo "# agentctl assign --lease --budget --idempotency-key (twice: one task); task shows lease, budget, usage, attempts log; resume --input reached the worker"
# request: a responder answers with the correlation_id; agentctl prints the reply. With
# nobody answering, it prints "timed out" and exits 1.
python3 - "$AGENTD_PORT" <<'PY' &
import sys
from wire import Conn, fetch_until
c = Conn(int(sys.argv[1])); c.hello("an-tool")
m = fetch_until(c, 1, deadline_s=10)[0]
c.send(m["reply_to"], {"value": m["content"]["a"] * 2}, message_type="task_response", correlation_id=m["correlation_id"])
c.call("ack", message_ids=[m["message_id"]])
PY
responder=$!
expect_ctl 0 request an-tool --agent an-asker --content '{"a": 21}' --timeout 10s --json
wait "$responder"
value=$(python3 -c 'import json,sys; r=json.loads(sys.argv[1]); print(r["reply"]["content"]["value"], r["reply"]["from_agent"])' "$CTL_OUT")
assert_equal "42 an-tool" "$value" "request reply"
expect_ctl 1 request an-nobody --agent an-asker --content '{}' --timeout 500ms
assert_equal "timed out" "$CTL_OUT" "request with no reply"
echo "# agentctl request: the reply came back (value 42); with nobody answering: timed out, exit 1"
