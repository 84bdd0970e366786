#!/usr/bin/env bash
# The dashboard in headless Chromium: after real traffic (agents registered, tasks assigned
# and completed, messages sent, acked and dead-lettered) the page's script has rendered the
# agents, the task states, the counters /api/stats reports and the rate chart into the DOM.
# A screenshot is kept in scripts/integration/artifacts/dashboard.png (ignored by git).
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/admin_functions.sh"
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
[[ -n "$CHROMIUM" ]] || fail "chromium not found (scripts/install-deps.sh installs it; or set CHROMIUM)"
ARTIFACTS="$INTEGRATION_DIR/artifacts"
mkdir -p "$ARTIFACTS"
# One delivery only: the nacked message below goes straight to the dead letters.
AGENTD_MAX_DELIVERIES=1 start_agentd_admin
py <<'PY'
from wire import Conn
boss = Conn(); boss.hello("dash-boss")
boss.call("register", role="supervisor", capabilities=[])
w1 = Conn(); w1.hello("dash-worker-1")
w1.call("register", role="worker", capabilities=["py"], max_concurrent_tasks=2)
w2 = Conn(); w2.hello("dash-worker-2")
w2.call("register", role="worker", capabilities=["gpu"], max_concurrent_tasks=4)
done = boss.call("assign_task", task_type="build-docs", required_capabilities=["py"])
held = boss.call("assign_task", task_type="train-model", required_capabilities=["gpu"])
waiting = boss.call("assign_task", task_type="quantum-sim", required_capabilities=["qpu"])
assert done["assigned_to"] == "dash-worker-1" and held["assigned_to"] == "dash-worker-2", (done, held)
assert waiting["state"] == "pending", waiting
for w in (w1, w2):
    for m in w.fetch(limit=10):
        w.call("ack", message_ids=[m["message_id"]])
w1.send("dash-boss", {"task_id": done["task_id"], "status": "completed", "result": {"pages": 12}},
        message_type="task_response")
w2.send("dash-boss", {"task_id": held["task_id"], "status": "in_progress", "completion_percentage": 40},
        message_type="task_response")
for i in range(20):
    boss.send("dash-worker-2", {"step": i}, priority="high" if i % 4 == 0 else "medium")
got = w2.fetch(limit=50)
w2.call("ack", message_ids=[m["message_id"] for m in got[:-1]])
w2.call("nack", message_ids=[got[-1]["message_id"]])
# Acked: unacked messages would die too when these connections close (max_deliveries = 1).
reports = boss.fetch(limit=10)
boss.call("ack", message_ids=[m["message_id"] for m in reports])
PY
# Steady traffic while the page loads, so the chart has rates to draw; it stops (at most
# 30 s later) when the stop file appears, with everything acked: with max_deliveries = 1 an
# unacked message would die when its connection closes.
py "$TEST_TMP/stop-load" <<'PY' &
import os, sys, time
from wire import Conn
a = Conn(); a.hello("dash-load")
b = Conn(); b.hello("dash-sink")
end = time.monotonic() + 30
while time.monotonic() < end and not os.path.exists(sys.argv[1]):
    for _ in range(5):
        a.send("dash-sink", {"tick": 1})
    got = b.fetch(limit=10)
    if got:
        b.call("ack", message_ids=[m["message_id"] for m in got])
    time.sleep(0.1)
PY
load_pid=$!
_STARTED_PIDS+=("$load_pid")
url="http://127.0.0.1:$ADMIN_PORT/"
chrome() {
    # Virtual time runs the page's 2 s refresh timer several times without waiting for it.
    timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
        --no-first-run --user-data-dir="$TEST_TMP/chrome" --virtual-time-budget=7000 "$@" "$url" \
        2>>"$TEST_TMP/chromium.log"
}
chrome --hide-scrollbars --window-size=1280,900 --screenshot="$ARTIFACTS/dashboard.png" >/dev/null \
    || fail "chromium --screenshot failed: $(tail -5 "$TEST_TMP/chromium.log")"
[[ -s "$ARTIFACTS/dashboard.png" ]] || fail "no screenshot written"
touch "$TEST_TMP/stop-load"
_wait_pid "$load_pid" 10
assert_equal 0 "$WAIT_RC" "the traffic generator's exit status"
# With the traffic stopped, the figures the page must show are fixed.
py > "$TEST_TMP/expected.txt" <<'PY'
import time
from admin import get_json
# The nack's dead-lettering is asynchronous: wait for it so the page sees the final figures.
end = time.monotonic() + 5
while True:
    stats = get_json("/api/stats")
    if stats["queues"]["dead_letters"] == 1 or time.monotonic() > end:
        break
    time.sleep(0.1)
q = stats["queues"]
assert q["dead_letters"] == 1, q
print("{:,}".format(q["sent_total"]))
PY
chrome --dump-dom >"$TEST_TMP/dom.html" || fail "chromium --dump-dom failed: $(tail -5 "$TEST_TMP/chromium.log")"
py "$TEST_TMP/dom.html" "$(cat "$TEST_TMP/expected.txt")" <<'PY'
import re, sys
dom = open(sys.argv[1]).read()
sent = sys.argv[2]
def expect(pattern, what):
    assert re.search(pattern, dom, re.S), "%s not rendered (pattern %r); DOM starts %r" % (what, pattern, dom[:400])
for agent in ["dash-boss", "dash-worker-1", "dash-worker-2"]:
    expect(r'<tr data-agent="%s">' % agent, "agent row " + agent)
expect(r'<tr data-agent="dash-worker-2">(?:(?!</tr>).)*</span></span>1/4</td>', "worker-2's load (1 of 4 tasks)")
for state in ["completed", "in_progress", "pending"]:
    expect(r'data-task-state="%s"' % state, "a %s task" % state)
expect(r'data-state="completed">completed<b>1</b>', "the completed count")
expect(r'id="sent-total">%s<' % re.escape(sent), "sent_total %s" % sent)
expect(r'id="dead-letters">1<', "one dead letter")
expect(r'class="card alert" id="dead-card"|id="dead-card" class="card alert"', "the dead-letter alert")
expect(r'<polyline data-series="sent"', "the rate chart")
expect(r'id="refreshed"[^>]*>updated ', "the refresh time")
banner = re.search(r'<div id="banner"[^>]*>(.*?)</div>', dom, re.S)
assert banner and banner.group(1) == "" and "hidden" in banner.group(0), "the page shows a problem: %r" % banner.group(0)
print("# DOM: 3 agents, task states, sent_total %s, 1 dead letter, rate chart; screenshot %s"
      % (sent, "scripts/integration/artifacts/dashboard.png"))
PY
