#!/usr/bin/env bash
# A failed report puts the task on another worker (earlier assignees avoided while another
# qualifies); after max_retries + 1 attempts it ends failed, with a final "failed" history
# event, and the supervisor receives an error_report from agentd {task_id, state, error}.
# An error_report with content.task_id counts as failed.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("fr-boss", "supervisor")
ws = {n: agent(n, "worker", ["k"]) for n in ["fr-w1", "fr-w2", "fr-w3"]}
tid = assign(boss, "flaky", ["k"], max_retries=2)["task_id"]
seen = []
for attempt in range(1, 4):
    t = wait_state(boss, tid, "assigned")
    assert t["attempts"] == attempt, t
    who = t["assigned_to"]
    assert who not in seen, "attempt %d went back to %s while another worker qualified (%r)" % (attempt, who, seen)
    seen.append(who)
    m = task_requests(ws[who], 1)[0]
    assert m["content"]["task_id"] == tid
    if attempt == 2:
        ws[who].send("fr-boss", {"task_id": tid, "error": {"message": "disk full"}}, message_type="error_report")
    else:
        report(ws[who], "fr-boss", tid, "failed", error={"message": "boom %d" % attempt})
t = wait_state(boss, tid, "failed")
assert t["attempts"] == 3, t
assert isinstance(t["error"], dict), t
names = event_names(t)
assert names == ["created", "assigned", "failed", "assigned", "failed", "assigned", "failed", "failed"], names
assert t["history"][-1]["agent_id"] in (None, "agentd"), t["history"][-1]
got = messages(boss, 4, timeout=5)
reports = [m for m in got if m["from_agent"] == "agentd"]
assert len(reports) == 1, got
er = reports[0]
assert er["message_type"] == "error_report" and er["to_agent"] == "fr-boss", er
assert er["content"]["task_id"] == tid and er["content"]["state"] == "failed", er
assert "error" in er["content"], er
assert len([m for m in got if m["from_agent"] != "agentd"]) == 3, "the failure reports themselves reach the supervisor: %r" % got
print("# attempts went to %s; history %s; error_report %r" % (seen, " ".join(names), er["content"]))
PY
