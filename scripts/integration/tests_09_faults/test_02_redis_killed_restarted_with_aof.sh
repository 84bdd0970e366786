#!/usr/bin/env bash
# Redis with an AOF (appendonly yes, appendfsync always) is killed with SIGKILL in the middle
# of a load and started again on the same port and directory, so it replays the AOF. Two
# producers keep sending (one with server-chosen ids; one with its own ids, which retries
# every `unavailable` with the same message_id, as the contract recommends) while a slow
# consumer fetches and acks. In the end every send answered ok is delivered (lost = 0),
# including the backlog stored before the kill; no message whose ack was answered ok comes
# back; a message seen twice carries attempt > 1. Sends answered `unavailable` had an unknown effect (stored or not), so
# they may or may not be delivered; their retries with the same message_id never make a
# second copy (a message seen twice with attempt 1 would be one).
source "$(dirname "$0")/../test_functions.sh"
require_redis
export PYTHONPATH="$(cd "$(dirname "$0")" && pwd):$PYTHONPATH"

REDIS_PORT=$(free_port)
start_private_redis "$REDIS_PORT" --appendonly yes --appendfsync always
AGENTD_STORE_TIMEOUT_MS=1000 AGENTD_REDIS_ADDR="127.0.0.1:$REDIS_PORT" start_agentd
export REDIS_PORT MARK="$TEST_TMP/killed-at" RESULT="$TEST_TMP/result"

py <<'PY' &
import os, time
from wire import *
from faultlib import *

PER, RATE = 1500, 200                      # 7.5 s of load per producer
producers = [Producer("f2-sink", range(0, PER), "f2-prod-0", window=16, rate=RATE, reply_timeout=10),
             Producer("f2-sink", range(PER, 2 * PER), "f2-prod-1", window=16, rate=RATE, reply_timeout=10,
                      client_ids=True, id_prefix="f2", retry_unavailable=True, give_up_at=now() + 40)]
# Slower than the producers, so a backlog is stored in Redis when it dies.
slow = Consumer("f2-sink", mode="fetch", limit=20, wait_ms=100, pause=0.1, reply_timeout=10, name="slow")
for x in [slow] + producers:
    x.start()
t0 = now()
while sum(len(p.result) for p in producers) < 800 and now() - t0 < 30:
    time.sleep(0.02)
ok_before = Ledger(producers, []).ok()
seen_before = Ledger([], [slow]).delivered()
open(os.environ["MARK"] + ".tmp", "w").write("%d %d\n" % (len(ok_before), len(ok_before - seen_before)))
os.rename(os.environ["MARK"] + ".tmp", os.environ["MARK"])   # the shell kills Redis now
for p in producers:
    assert p.join(60), "producer still running 60 s on"
fast = Consumer("f2-sink", mode="fetch", limit=200, wait_ms=200, reply_timeout=10, name="fast").start()
ledger = Ledger(producers, [slow, fast])
drain(ledger, ledger.ok(), 25)
slow.join(10)
fast.join(10)
f = ledger.figures()
replies = [r for p in producers for r in p.replies]
unavailable_replies = sum(p.unavailable_replies for p in producers)
first_fail = min((t1 for t0_, t1, _, c in replies if c != "ok"), default=None)
back = min((t1 for t0_, t1, _, c in replies if c == "ok" and first_fail and t1 > first_fail), default=None)
f["unavailable_replies"] = unavailable_replies
f["retried_duplicate"] = len(producers[1].duplicate)
f["backlog_at_kill"] = len(ok_before - seen_before)
print(Ledger.line(f, ["sent", "ok", "unavailable", "unavailable_replies", "retried_duplicate", "other", "acked",
                      "delivered_unique", "lost", "dup_attempt_gt1", "dup_attempt_1", "acked_then_redelivered",
                      "backlog_at_kill"]))
print("# sends failed for %.2f s around the kill; unavailable sends delivered anyway: %d; consumer unavailable: %s"
      % ((back - first_fail) if back and first_fail else -1, f["unknown_delivered"],
         dict(slow.unavailable + fast.unavailable)))
errors = [e for x in producers + [slow, fast] for e in x.errors]
assert not errors, errors[:5]
missing = ledger.missing()
if missing:
    pel, length = redis_pending(int(os.environ["REDIS_PORT"]), "f2-sink")
    print("# LOST e.g. n=%s (%d before the kill); Redis holds %d inbox entries, %d in its pending list"
          % (sorted(missing)[:8], len(missing & ok_before), length, pel))
assert f["lost"] == 0, "%d sends answered ok were never delivered" % f["lost"]
assert f["other"] == 0, "errors other than unavailable: %d" % f["other"]
assert f["dup_attempt_1"] == 0 and f["attempt_not_increasing"] == 0, f
assert f["acked_then_redelivered"] == 0, "acks answered ok did not survive the restart: %d" % f["acked_then_redelivered"]
assert unavailable_replies > 0, "the kill did not hit the load"
assert f["backlog_at_kill"] > 0, "nothing was waiting in Redis when it died: the AOF replay proved nothing"
assert all(o == "ok" for n, o in producers[1].result.items()), "client-id sends still failing after retries"
open(os.environ["RESULT"], "w").write("ok\n")
PY
LOAD_PID=$!
_STARTED_PIDS+=("$LOAD_PID")
wait_for_mark "$MARK" "$LOAD_PID"
kill_private_redis
sleep 1
[[ "$(python3 -c "import socket; s=socket.socket(); print(s.connect_ex(('127.0.0.1', $REDIS_PORT)))")" != 0 ]] \
    || fail "something else answers on the Redis port"
start_private_redis "$REDIS_PORT" --appendonly yes --appendfsync always
echo "# redis killed with $(cut -d' ' -f2 "$MARK") of $(cut -d' ' -f1 "$MARK") ok sends not yet delivered, restarted from its AOF"
_wait_pid "$LOAD_PID" 90
[[ $WAIT_RC -ne 255 ]] || fail "load still running 90 s on"
[[ $WAIT_RC -eq 0 && -e "$RESULT" ]] || fail "load failed (status $WAIT_RC)"
kill -0 "$AGENTD_PID" || fail "agentd died"
stop_agentd
