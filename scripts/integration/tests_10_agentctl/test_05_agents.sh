#!/usr/bin/env bash
# agents: an aligned table (human) and agentd's reply shape (--json); the capability, role,
# available and limit filters reach agentd.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
start_agentd
ctl_server
py <<'PY'
from wire import Conn
def agent(name, role, caps, max_tasks=1):
    c = Conn()
    c.hello(name)
    c.call("register", role=role, capabilities=caps, max_concurrent_tasks=max_tasks)
    return c
agent("ag-gpu", "worker", ["gpu", "py"], 4)
agent("ag-py", "worker", ["py"])
agent("ag-boss", "supervisor", [])
d = agent("ag-leaving", "worker", ["py"])
d.call("heartbeat", status="draining")
PY

expect_ctl 0 agents
header=$(head -n1 <<<"$CTL_OUT")
assert_equal "AGENT       ROLE        STATUS    TASKS  CAPABILITIES  LAST HEARTBEAT" "$header" "agents header"
assert_equal 5 "$(wc -l <<<"$CTL_OUT")" "agents lines (header + 4)"
row=$(grep '^ag-gpu ' <<<"$CTL_OUT")
read -r name role status tasks caps hb <<<"$row"
assert_equal "ag-gpu worker active 0/4 gpu,py" "$name $role $status $tasks $caps" "ag-gpu row"
[[ "$hb" =~ ^[0-9]{4}-.*Z$ ]] || fail "last heartbeat column: $row"
# Aligned: each column starts where its title does.
col=${header%%STATUS*}
assert_equal "active" "$(cut -c$((${#col} + 1))-$((${#col} + 6)) <<<"$row")" "STATUS column aligned"
assert_contains "$(grep '^ag-boss ' <<<"$CTL_OUT")" "supervisor  active    0/1    -"

expect_ctl 0 agents --json
assert_equal "['agents']" "$(json_get 'sorted(j)')" "agents --json shape"
assert_equal "4" "$(json_get 'len(j["agents"])')" "agents --json count"
assert_equal "['gpu', 'py']" "$(json_get '[a for a in j["agents"] if a["agent_id"] == "ag-gpu"][0]["capabilities"]')" "capabilities"

expect_ctl 0 agents --capabilities gpu --json
assert_equal "['ag-gpu']" "$(json_get '[a["agent_id"] for a in j["agents"]]')" "--capabilities gpu"
expect_ctl 0 agents --capabilities py,gpu --json
assert_equal "['ag-gpu']" "$(json_get '[a["agent_id"] for a in j["agents"]]')" "--capabilities py,gpu"
expect_ctl 0 agents --capabilities py --capabilities gpu --json
assert_equal "['ag-gpu']" "$(json_get '[a["agent_id"] for a in j["agents"]]')" "--capabilities twice"
expect_ctl 0 agents --role supervisor --json
assert_equal "['ag-boss']" "$(json_get '[a["agent_id"] for a in j["agents"]]')" "--role supervisor"
expect_ctl 0 agents --role worker --available --json
assert_equal "['ag-gpu', 'ag-py']" "$(json_get 'sorted(a["agent_id"] for a in j["agents"])')" "--available skips draining"
expect_ctl 0 agents --limit 1 --json
assert_equal 1 "$(json_get 'len(j["agents"])')" "--limit 1"
expect_ctl 0 agents --role coordinator
assert_equal "" "$CTL_OUT" "no rows, no header"
assert_contains "$CTL_ERR" "no agents"
expect_ctl 1 agents --role nobody
assert_contains "$CTL_ERR" "error: bad_request: role"
echo "# agents table aligned; filters: capabilities (comma and repeated), role, available, limit"
