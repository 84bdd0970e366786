#!/usr/bin/env bash
# agentd killed with SIGKILL in the middle of a load: two producers pipeline sends while a
# fetching and a subscribed consumer ack what they get, except every 10th message, which
# they hold (delivered, unacked). agentd restarts on the same Redis and key prefix, a third
# producer sends more, and new consumers take the rest. Every send answered ok (before or
# after the crash) is delivered (lost = 0); every message delivered and not acked before
# the crash comes back with attempt >= 2; no message whose ack was answered ok comes back
# (at-least-once allows a repeat only for unacked ones); a message seen twice carries
# attempt > 1. Sends without an answer when agentd died had an unknown effect (like
# `unavailable`: stored or not, a retry with the same message_id would be safe); acks
# without an answer may or may not have taken effect.
source "$(dirname "$0")/../test_functions.sh"
require_redis
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd):$PYTHONPATH"
start_agentd
export MARK="$TEST_TMP/kill-now" BEFORE="$TEST_TMP/before.json"

py <<'PY' &
import os, time
from wire import *
from faultlib import *

PER, RATE = 2000, 250
hold = lambda m: m["content"]["n"] % 10 == 0 and m["delivery"]["attempt"] == 1
producers = [Producer("f3-sink", range(k * PER, (k + 1) * PER), "f3-prod-%d" % k, window=32, rate=RATE)
             for k in range(2)]
consumers = [Consumer("f3-sink", mode="fetch", limit=50, wait_ms=200, hold=hold, name="fetch-A"),
             Consumer("f3-sink", mode="push", prefetch=200, limit=50, hold=hold, name="push-A")]
for x in consumers + producers:
    x.start()
t0 = now()
while sum(len(p.result) for p in producers) < 1200 and now() - t0 < 30:
    time.sleep(0.01)
open(os.environ["MARK"], "w").close()   # the shell kills agentd now
for p in producers:
    p.join(20)
for c in consumers:
    c.join(20)
dump(os.environ["BEFORE"], producers, consumers)
PY
LOAD_PID=$!
_STARTED_PIDS+=("$LOAD_PID")
wait_for_mark "$MARK" "$LOAD_PID"
kill9_agentd
_wait_pid "$LOAD_PID" 40
[[ $WAIT_RC -eq 0 && -e "$BEFORE" ]] || fail "load before the crash failed (status $WAIT_RC)"
start_agentd
py <<'PY'
import os, time
from wire import *
from faultlib import *

before_p, before_c = load(os.environ["BEFORE"])
# No leftovers of a live process: everything here was cut off by the crash.
assert not any(c.errors for c in before_c), [c.errors for c in before_c]
producer = Producer("f3-sink", range(10000, 10500), "f3-prod-2", window=32, rate=250).start()
consumers = [Consumer("f3-sink", mode="fetch", limit=100, wait_ms=200, name="fetch-B").start(),
             Consumer("f3-sink", mode="push", prefetch=200, limit=100, name="push-B").start()]
assert producer.join(30), "producer after the restart still running"
ledger = Ledger(before_p + [producer], before_c + consumers)
drain(ledger, ledger.ok(), 25)
for c in consumers:
    c.join(10)
f = ledger.figures()

acked = set().union(*(c.acked_at for c in before_c))
in_doubt = set().union(*(c.ack_unknown for c in before_c)) - acked
seen_before = {mid for c in before_c for _, _, mid, _ in c.deliveries}
unacked = seen_before - acked - in_doubt
held = set().union(*(c.held for c in before_c)) & unacked
after = {}
for c in consumers:
    for t, n, mid, attempt in c.deliveries:
        after.setdefault(mid, []).append(attempt)
back_ok = [mid for mid in unacked if mid in after and min(after[mid]) >= 2]
back_bad = [(mid, after[mid]) for mid in unacked if mid in after and min(after[mid]) < 2]
not_back = [mid for mid in unacked if mid not in after]
f["no_reply"] = sum(1 for p in before_p for o in p.result.values() if o == "no_reply")
print(Ledger.line(f, ["sent", "ok", "no_reply", "acked", "delivered_unique", "lost", "dup_attempt_gt1",
                      "dup_attempt_1", "acked_then_redelivered"]))
print("# at the crash: %d delivered and acked, %d unacked (%d of them held on purpose), %d acks unanswered; "
      "after the restart: %d unacked came back with attempt >= 2, %d not at all, %d with attempt 1; "
      "%d unanswered acks came back"
      % (len(acked), len(unacked), len(held), len(in_doubt), len(back_ok), len(not_back), len(back_bad),
         len(in_doubt & set(after))))
errors = [e for x in [producer] + consumers for e in x.errors]
assert not errors, errors[:5]
assert f["lost"] == 0, "%d sends answered ok never delivered: %s" % (f["lost"], sorted(ledger.missing())[:10])
assert f["acked_then_redelivered"] == 0, "%d deliveries of messages whose ack was answered ok" % f["acked_then_redelivered"]
assert not not_back, "%d unacked messages never came back: %s" % (len(not_back), not_back[:5])
assert not back_bad, "unacked messages came back with attempt 1: %s" % back_bad[:5]
assert f["dup_attempt_1"] == 0 and f["attempt_not_increasing"] == 0 and f["other"] == 0, f
assert len(held) >= 20 and len(acked) >= 500, "the crash did not come mid-load: %d held, %d acked" % (len(held), len(acked))
PY
stop_agentd
