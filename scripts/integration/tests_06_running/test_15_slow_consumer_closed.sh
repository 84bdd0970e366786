#!/usr/bin/env bash
# A subscriber that never reads cannot make agentd's memory grow without bound: with
# max_outbound_bytes = 1 MiB, 1 500 messages of 16 KiB (~24 MiB: more than loopback's socket
# buffers, which take up to ~10 MiB before agentd holds anything) pushed at it get it closed
# as a slow consumer; agentd's RSS stays bounded, the producer is never slowed to a halt,
# and every message reaches a reader afterwards (the ones pushed to the dead connection
# come back with attempt 2).
# serial: pushes ~24 MiB through the shared Redis in one burst and asserts no store error;
#   beside other tests Redis replies took over 2 s (`unavailable`).
source "$(dirname "$0")/../test_functions.sh"
AGENTD_MAX_OUTBOUND_BYTES=1048576 start_agentd
py <<'PY'
import os, socket, time
from wire import *
def rss_mib():
    for line in open("/proc/%s/status" % os.environ["AGENTD_PID"]):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
before = rss_mib()
# A small receive buffer set before connecting (later it would not stop the kernel's
# autotuning, which lets loopback buffer tens of MiB): agentd, not the kernel, must hold the rest.
deaf = socket.socket()
deaf.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
deaf.settimeout(5)
deaf.connect(("127.0.0.1", int(os.environ["AGENTD_PORT"])))
deaf.sendall(b'{"op":"hello","id":1,"agent_id":"deaf"}\n{"op":"subscribe","id":2,"prefetch":10000}\n')
got = b""
while got.count(b"\n") < 2:
    chunk = deaf.recv(4096)
    assert chunk, "closed during hello/subscribe"
    got += chunk
assert b'"id":2,"ok":true' in got, got
# From here on `deaf` never reads a byte.
p = Conn(timeout=20)
p.hello("producer")
blob = "x" * 16384
t0 = time.monotonic()
N = 1500
for i in range(N):
    p.send_line({"op": "send", "id": i, "message": {"to_agent": "deaf", "message_type": "status_update", "content": {"n": i, "blob": blob}}})
oks = 0
for i in range(N):
    r = p.recv()
    assert r.get("ok") is True, r
    oks += 1
took = time.monotonic() - t0
# agentd closed the deaf connection (our socket sees EOF or a reset once we look).
end = time.monotonic() + 15
closed = False
while time.monotonic() < end and not closed:
    try:
        deaf.settimeout(0.5)
        while True:
            data = deaf.recv(1 << 20)
            if not data:
                closed = True
                break
    except (ConnectionResetError, BrokenPipeError):
        closed = True
    except socket.timeout:
        pass
assert closed, "agentd did not close the slow consumer"
closed_after = time.monotonic() - t0
peak = rss_mib()
assert peak - before < 120, "agentd RSS grew by %.0f MiB for a client that never reads" % (peak - before)
# A new reader gets every message; those pushed to the deaf connection carry attempt 2.
r = Conn(timeout=10)
r.hello("deaf")
seen, retried = set(), 0
end = time.monotonic() + 30
while len(seen) < N and time.monotonic() < end:
    for m in r.fetch(limit=200, wait_ms=500):
        seen.add(m["content"]["n"])
        retried += m["delivery"]["attempt"] > 1
        r.call("ack", message_ids=[m["message_id"]])
assert len(seen) == N, "only %d of %d messages reached the new reader" % (len(seen), N)
assert retried > 0, "nothing was pushed to the deaf connection before it was closed?"
assert "slow consumer" in open(os.environ["AGENTD_LOG"]).read()
print("# %d x 16 KiB sent ok in %.2f s; slow consumer closed after %.2f s; agentd RSS %.0f -> %.0f MiB; "
      "all %d delivered afterwards, %d with attempt > 1" % (oks, took, closed_after, before, peak, N, retried))
PY
stop_agentd
