#!/usr/bin/env bash
# assign (registers as supervisor by itself), tasks (table, filters, --json), task (fields
# and history; unknown id -> exit 1 not_found), cancel (the worker gets the cancel notice);
# without the role agentd says forbidden (exit 1); agentctl's made-up agents leave no
# registry entries behind.
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
start_agentd
ctl_server
py <<'PY'
from wire import Conn
c = Conn()
c.hello("tk-worker")
c.call("register", role="worker", capabilities=["gpu"], max_concurrent_tasks=2)
PY

expect_ctl 0 assign --agent ops --type transcode --capabilities gpu --parameters '{"file":"v.mp4"}' \
    --priority high --timeout 10m --retries 2 --description "make it small"
[[ "$CTL_OUT" =~ ^(t-[^ ]+)\ assigned\ to\ tk-worker$ ]] || fail "assign output: '$CTL_OUT'"
held=${BASH_REMATCH[1]}
expect_ctl 0 assign --agent ops --type ocr --capabilities ocr --json
assert_equal "pending None" "$(json_get 'j["state"], j["assigned_to"]' | tr -d "(),'")" "assign --json"
assert_equal "['assigned_to', 'state', 'task_id']" "$(json_get 'sorted(j)')" "assign --json keys"
pending=$(json_get 'j["task_id"]')
# A made-up agent id as supervisor: works, with a note that its reports go nowhere.
expect_ctl 0 assign --type render --capabilities gpu
assert_contains "$CTL_ERR" "note: reports go to agentctl-"
third=${CTL_OUT%% *}

expect_ctl 0 tasks
assert_equal "TASK" "$(head -n1 <<<"$CTL_OUT" | cut -d' ' -f1)" "tasks header"
assert_contains "$(head -n1 <<<"$CTL_OUT")" "STATE     PRIORITY  ASSIGNED TO  ATTEMPTS  SUPERVISOR"
assert_equal 4 "$(wc -l <<<"$CTL_OUT")" "tasks lines (header + 3)"
assert_contains "$(grep "^$held " <<<"$CTL_OUT")" "transcode  assigned  high      tk-worker    1         ops"
expect_ctl 0 tasks --state pending --json
assert_equal "['$pending']" "$(json_get '[t["task_id"] for t in j["tasks"]]')" "tasks --state pending"
expect_ctl 0 tasks --assigned-to tk-worker --json
assert_equal "['$third', '$held']" "$(json_get '[t["task_id"] for t in j["tasks"]]')" "tasks --assigned-to, newest first"
expect_ctl 0 tasks --limit 1 --json
assert_equal 1 "$(json_get 'len(j["tasks"])')" "tasks --limit"

expect_ctl 0 task "$held"
assert_contains "$CTL_OUT" "state                  assigned"
assert_contains "$CTL_OUT" "parameters             {\"file\":\"v.mp4\"}"
assert_contains "$CTL_OUT" "description            make it small"
assert_contains "$CTL_OUT" "max_retries            2"
assert_contains "$CTL_OUT" "AT                        EVENT     AGENT"
assert_contains "$CTL_OUT" "created   ops"
assert_contains "$CTL_OUT" "assigned  tk-worker"
expect_ctl 0 task "$held" --json
assert_equal "high 2 [gpu]" "$(json_get 'j["task"]["priority"], j["task"]["max_retries"], j["task"]["required_capabilities"]' | tr -d "(),'")" "task --json"
expect_ctl 1 task no-such-id
assert_contains "$CTL_ERR" "error: not_found: "
assert_equal "" "$CTL_OUT" "stdout on not_found"

expect_ctl 0 cancel --agent ops "$held"
assert_equal "$held cancelled" "$CTL_OUT" "cancel output"
expect_ctl 0 cancel --agent ops "$held" --json
assert_equal cancelled "$(json_get 'j["task"]["state"]')" "cancel again --json"
expect_ctl 1 cancel no-such-id
assert_contains "$CTL_ERR" "error: not_found: "
# Without registering, agentctl's agent has no role: agentd refuses.
expect_ctl 1 cancel "$pending" --as-role none
assert_contains "$CTL_ERR" "error: forbidden: "
expect_ctl 1 assign --type t --as-role none
assert_contains "$CTL_ERR" "error: forbidden: "

# The worker got the task_request and then the cancel notice from ops.
expect_ctl 0 fetch --agent tk-worker --limit 10 --ack --json
assert_equal "[('task_request', 'ops', '$held'), ('task_request', 'agentctl', '$third'), ('coordination', 'ops', '$held')]" \
    "$(json_get '[(m["message_type"], m["from_agent"].split("-")[0], m["content"]["task_id"]) for m in sorted(j["messages"], key=lambda m: (m["message_type"] == "coordination", m["timestamp"]))]')" \
    "worker's inbox"

# ops stays registered (a name the user chose); agentctl-<pid> registrations are gone.
expect_ctl 0 agents --json
assert_equal "['ops', 'tk-worker']" "$(json_get 'sorted(a["agent_id"] for a in j["agents"])')" "registry after the run"
echo "# assign -> assigned/pending; tasks filters; task history; cancel notice; forbidden without role"
