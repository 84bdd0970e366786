#!/usr/bin/env bash
# agents filters: capabilities (an agent must hold ALL listed), role, available (not
# offline/draining, current_tasks < max); limit.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
from coord import *
boss = agent("f-boss", "supervisor")
a = agent("f-a", "worker", ["py", "gpu"])
b = agent("f-b", "worker", ["py"])
c = agent("f-c", "worker", ["py", "gpu", "big"], max_tasks=2)
m = agent("f-mon", "monitor", ["py"])
def ids(**q):
    return sorted(x["agent_id"] for x in boss.call("agents", **q)["agents"])
assert ids() == ["f-a", "f-b", "f-boss", "f-c", "f-mon"], ids()
assert ids(capabilities=["py"]) == ["f-a", "f-b", "f-c", "f-mon"], ids(capabilities=["py"])
assert ids(capabilities=["py", "gpu"]) == ["f-a", "f-c"], ids(capabilities=["py", "gpu"])
assert ids(capabilities=["gpu", "big"]) == ["f-c"]
assert ids(capabilities=["nothing"]) == []
assert ids(role="worker") == ["f-a", "f-b", "f-c"], ids(role="worker")
assert ids(role="monitor") == ["f-mon"]
assert ids(role="worker", capabilities=["gpu"]) == ["f-a", "f-c"]
# a full agent and a draining one are not available; a busy one with a free slot is
a.call("heartbeat", current_tasks=1)          # 1/1: full
b.call("heartbeat", status="draining")
c.call("heartbeat", status="busy", current_tasks=1)  # 1/2
assert ids(role="worker", available=True) == ["f-c"], ids(role="worker", available=True)
assert len(boss.call("agents", limit=2)["agents"]) == 2
for bad in [dict(limit=0), dict(limit=1001), dict(role="king"), dict(capabilities="py"), dict(available="yes")]:
    expect_error(boss.request("agents", **bad), "bad_request")
print("# caps[py,gpu]=%r role=worker=%r available=%r" % (ids(capabilities=["py", "gpu"]), ids(role="worker"),
                                                        ids(role="worker", available=True)))
PY
