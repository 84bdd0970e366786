#!/usr/bin/env bash
# AGENTD_SERVER and AGENTD_AGENT give the defaults, flags override them; without either
# the agent is agentctl-<pid>; AGENTD_TOKEN / --token go into hello (accepted with
# auth.mode = none).
source "$(dirname "$0")/../test_functions.sh"
source "$(dirname "$0")/ctl_functions.sh"
start_agentd
export AGENTD_SERVER="127.0.0.1:$AGENTD_PORT"
AGENTD_AGENT=env-sender expect_ctl 0 send env-inbox --content '{"from":"env"}'
AGENTD_AGENT=env-sender expect_ctl 0 send env-inbox --agent flag-sender --content '{"from":"flag"}'
expect_ctl 0 send env-inbox --content '{"from":"default"}'
AGENTD_TOKEN=secret expect_ctl 0 send env-inbox --agent token-sender --content '{"from":"token"}'
expect_ctl 0 send env-inbox --agent token-sender --token secret2 --content '{"from":"token2"}'
expect_ctl 0 fetch --agent env-inbox --limit 10 --ack --json
python3 - "$CTL_OUT" <<'PY'
import json, re, sys
got = [(m["content"]["from"], m["from_agent"]) for m in json.loads(sys.argv[1])["messages"]]
assert [g[0] for g in got] == ["env", "flag", "default", "token", "token2"], got
assert got[0][1] == "env-sender" and got[1][1] == "flag-sender", got
assert re.fullmatch(r"agentctl-\d+", got[2][1]), got
assert got[3][1] == got[4][1] == "token-sender", got
PY
# --server beats AGENTD_SERVER.
AGENTD_SERVER="127.0.0.1:$(free_port)" expect_ctl 0 health --server "127.0.0.1:$AGENTD_PORT"
expect_ctl 3 health --server "127.0.0.1:$(free_port)"
echo "# AGENTD_SERVER/AGENTD_AGENT defaults, flags win, agentctl-<pid> otherwise; token sent"
