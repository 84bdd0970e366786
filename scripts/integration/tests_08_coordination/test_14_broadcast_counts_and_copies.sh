#!/usr/bin/env bash
# broadcast puts one copy into the inbox of every registered, not-offline agent matching
# role and capabilities, except the sender; delivered_to counts them. Offline and
# unregistered agents get nothing.
source "$(dirname "$0")/../test_functions.sh"
AGENTD_HEARTBEAT_INTERVAL_MS=300 AGENTD_HEARTBEAT_TIMEOUT_MS=900 start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("bc-boss", "supervisor")
other_boss = agent("bc-boss2", "supervisor", ["gpu"])
g1 = agent("bc-g1", "worker", ["gpu", "py"])
g2 = agent("bc-g2", "worker", ["gpu"])
p1 = agent("bc-p1", "worker", ["py"])
mon = agent("bc-mon", "monitor", ["gpu"])
sleeper = agent("bc-sleeper", "worker", ["gpu", "py"])
anon = Conn()
anon.hello("bc-anon")
alive = [boss, other_boss, g1, g2, p1, mon]
wait_for("bc-sleeper offline", lambda: (agent_info(boss, "bc-sleeper") or {}).get("status") == "offline",
         timeout=5, keep=alive)
def bc(**f):
    ping_all(alive)
    return boss.call("broadcast", message_type="coordination", **f)["delivered_to"]
n_all = bc(content={"n": "all"})
n_workers = bc(content={"n": "workers"}, role="worker")
n_gpu = bc(content={"n": "gpu"}, capabilities=["gpu"])
n_gpu_py_workers = bc(content={"n": "gpu+py workers"}, role="worker", capabilities=["gpu", "py"], priority="high")
n_none = bc(content={"n": "none"}, role="coordinator")
counts = (n_all, n_workers, n_gpu, n_gpu_py_workers, n_none)
assert counts == (5, 3, 4, 1, 0), "delivered_to all/workers/gpu/gpu+py workers/coordinators = %r" % (counts,)
want = {"bc-boss2": ["all", "gpu"], "bc-g1": ["all", "workers", "gpu", "gpu+py workers"],
        "bc-g2": ["all", "workers", "gpu"], "bc-p1": ["all", "workers"], "bc-mon": ["all", "gpu"]}
conns = {"bc-boss2": other_boss, "bc-g1": g1, "bc-g2": g2, "bc-p1": p1}
for name, c in conns.items():
    got = messages(c, len(want[name]), timeout=3)
    assert c.fetch(wait_ms=200) == [], "%s got more than one copy" % name
    ns = sorted(m["content"]["n"] for m in got)
    assert ns == sorted(want[name]), "%s got %r, want %r" % (name, ns, want[name])
    assert all(m["from_agent"] == "bc-boss" and m["message_type"] == "coordination" for m in got), got
# (the monitor may not fetch; it is counted in delivered_to above)
assert boss.fetch(wait_ms=200) == [], "the sender got its own broadcast"
assert anon.fetch(wait_ms=200) == [], "an unregistered agent got a broadcast"
s = Conn(); s.hello("bc-sleeper")
assert s.fetch(wait_ms=200) == [], "an offline agent got a broadcast"
print("# delivered_to all=%d workers=%d gpu=%d gpu+py workers=%d coordinators=%d; one copy each" % counts)
PY
