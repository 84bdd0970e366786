#!/usr/bin/env bash
# broadcast: one copy to each matching registered agent (role and capability filters),
# none to agentctl's own agent; human count and --json; a worker may not broadcast.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
start_agentd
ctl_server
py <<'PY'
from wire import Conn
for name, role, caps in [("bc-gpu", "worker", ["gpu"]), ("bc-cpu", "worker", []), ("bc-watch", "monitor", [])]:
    c = Conn()
    c.hello(name)
    c.call("register", role=role, capabilities=caps)
PY

expect_ctl 0 broadcast --agent ops --role worker --content '{"action":"pause"}'
assert_equal "delivered to 2 agents" "$CTL_OUT" "broadcast --role worker"
expect_ctl 0 broadcast --agent ops --type status_update --capabilities gpu --content '{"v":2}' --priority high --json
assert_equal '{"delivered_to":1}' "$CTL_OUT" "broadcast --capabilities gpu --json"
expect_ctl 0 broadcast --content '{"all":true}'
assert_equal "delivered to 4 agents" "$CTL_OUT" "broadcast to all: 3 registered + ops, not itself"

expect_ctl 0 fetch --agent bc-gpu --limit 10 --ack --json
assert_equal "[('coordination', 'medium', {'action': 'pause'}), ('status_update', 'high', {'v': 2}), ('coordination', 'medium', {'all': True})]" \
    "$(json_get '[(m["message_type"], m["priority"], m["content"]) for m in sorted(j["messages"], key=lambda m: m["timestamp"])]')" \
    "bc-gpu's copies"
expect_ctl 0 fetch --agent bc-cpu --limit 10 --ack --json
assert_equal 2 "$(json_get 'len(j["messages"])')" "bc-cpu's copies"

expect_ctl 1 broadcast --agent bc-cpu --as-role worker --content '{}'
assert_contains "$CTL_ERR" "error: forbidden: "
echo "# broadcast: role 2, capability 1, everyone 4 (sender excluded); worker forbidden"
