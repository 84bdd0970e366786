#!/usr/bin/env bash
# /api/stats, /api/agents and /api/tasks answer what the stats, agents and tasks ops answer
# (same shapes, same records); query fields are checked like the ops' fields (400 naming
# the field); unknown paths are 404, other methods 405, HEAD has no body, garbage is 400.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/admin_functions.sh"
start_agentd_admin
py <<'PY'
import json, socket
from admin import get, get_json, request, port
from wire import Conn

w = Conn()
w.hello("api-worker")
w.call("register", role="worker", capabilities=["py", "gpu"], max_concurrent_tasks=2)
b = Conn()
b.hello("api-boss")
b.call("register", role="supervisor", capabilities=[])
t1 = b.call("assign_task", task_type="build", required_capabilities=["py"])
t2 = b.call("assign_task", task_type="train", required_capabilities=["tpu"])
assert t1["state"] == "assigned" and t2["state"] == "pending", (t1, t2)

stats_op = b.call("stats")
stats_api = get_json("/api/stats")
for part in ["queues", "registry", "coordination", "server"]:
    assert set(stats_api[part]) == set(stats_op[part]), (part, stats_api[part], stats_op[part])
assert stats_api["coordination"]["tasks_total"] == stats_op["coordination"]["tasks_total"] == 2, stats_api
assert stats_api["registry"]["total_agents"] == 2, stats_api["registry"]

def without_heartbeat(agents):
    # last_heartbeat moves with every frame (the op itself is one): compare the rest.
    return [{k: v for k, v in a.items() if k != "last_heartbeat"} for a in agents]

agents_op = b.call("agents")["agents"]
agents_api = get_json("/api/agents")["agents"]
assert without_heartbeat(agents_api) == without_heartbeat(agents_op), (agents_api, agents_op)
only = get_json("/api/agents?role=worker&capabilities=py,gpu&available=true")["agents"]
assert [a["agent_id"] for a in only] == ["api-worker"], only
assert get_json("/api/agents?capabilities=cuda")["agents"] == []

tasks_op = b.call("tasks")["tasks"]
tasks_api = get_json("/api/tasks")["tasks"]
assert tasks_api == tasks_op, (tasks_api, tasks_op)
pending = get_json("/api/tasks?state=pending")["tasks"]
assert [t["task_id"] for t in pending] == [t2["task_id"]], pending
assert len(get_json("/api/tasks?limit=1")["tasks"]) == 1

for path, field in [("/api/tasks?limit=0", "limit"), ("/api/tasks?state=bogus", "state"),
                    ("/api/agents?role=king", "role"), ("/api/agents?limit=x", "limit")]:
    body = get_json(path, status=400)
    assert body["error"]["code"] == "bad_request" and field in body["error"]["message"], (path, body)

for path in ["/nope", "/api", "/api/stats/", "/metrics/x", "/healthz.json"]:
    status, _, body = get(path)
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found", (path, status, body)
status, headers, _ = request("POST", "/api/stats")
assert status == 405 and headers.get("allow") == "GET, HEAD", (status, headers)
status, headers, body = request("HEAD", "/api/stats")
assert status == 200 and body == b"" and int(headers["content-length"]) > 0, (status, headers, body)

# Not HTTP at all: 400 and the connection closes; the port keeps serving.
with socket.create_connection(("127.0.0.1", port()), timeout=5) as raw:
    raw.sendall(b"\x00\x01 not http\r\n\r\n")
    answer = raw.recv(4096)
assert answer.startswith(b"HTTP/1.1 400"), answer
assert get("/healthz")[0] == 200

# Keep-alive: three requests on one connection.
import http.client
conn = http.client.HTTPConnection("127.0.0.1", port(), timeout=5)
for path in ["/readyz", "/api/stats", "/healthz"]:
    conn.request("GET", path)
    r = conn.getresponse()
    r.read()
    assert r.status == 200, (path, r.status)
conn.close()
print("# /api/* equal the ops' answers (%d agents, %d tasks); 400 names the field; 404/405/HEAD/garbage/keep-alive OK"
      % (len(agents_api), len(tasks_api)))
PY
