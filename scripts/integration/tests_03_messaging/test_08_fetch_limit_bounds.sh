#!/usr/bin/env bash
# fetch returns at most limit messages (default 10); the rest stay for the next fetch.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
s, r = Conn(), Conn()
s.hello("bulk-sender")
r.hello("bulk-receiver")
for i in range(25):
    s.send("bulk-receiver", {"n": i})
a = r.fetch(limit=1)
b = r.fetch()           # default limit 10
c = r.fetch(limit=1000)
d = r.fetch(limit=1000)
assert (len(a), len(b), len(c), len(d)) == (1, 10, 14, 0), (len(a), len(b), len(c), len(d))
ns = [m["content"]["n"] for m in a + b + c]
assert ns == list(range(25)), ns
print("# limit=1 -> 1, default -> 10, limit=1000 -> 14 (rest), then 0")
PY
