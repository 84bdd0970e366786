#!/usr/bin/env python3
"""Where one message's time goes at light load: reads `perf script` output of syscall and
scheduler tracepoints recorded over the whole machine during `agentd-bench latency`, follows
each send from the client's write to the client's read of the push, and prints the median
(and p90) of each step.

usage: latency_trace.py PERF_SCRIPT.txt --bench-tids T,.. --agentd-tids T,.. --redis-tids T,..

Steps (µs between kernel events, so each includes the syscalls at its ends):
  1 client write -> agentd thread on CPU     (wake-up of the event loop that reads the send)
  2 agentd on CPU -> send read
  3 send read -> its Redis pipeline written  (agentd: decode, render, encode)
  4 Redis pipeline written -> read by Redis  (wake-up of Redis)
  5 Redis read -> Redis wakes agentd          (Redis runs the commands, writes the answers)
  6 agentd woken -> answer read
  7 answer read -> push written              (agentd: decode, deliver; a hop to the consumer's
                                              event loop when it is another thread)
  8 push written -> client read              (wake-up of the client)
A send is followed only when every step is found within 3 ms (others were disturbed).
"""
import re
import statistics
import sys

LINE = re.compile(r'^\s*(.+?)\s+(\d+)\s+\[(\d+)\]\s+([\d.]+):\s+(\S+):\s*(.*)$')


def arg(rest, key):
    m = re.search(key + r': (0x[0-9a-f]+)', rest)
    return int(m.group(1), 16) if m else None


def ret(rest):
    m = re.match(r'\s*(0x[0-9a-f]+|-?\d+)', rest)
    return int(m.group(1), 0) if m else None



def main():
    args = sys.argv[1:]
    path = args[0]
    opts = dict(zip(args[1::2], args[2::2]))
    bench = set(opts["--bench-tids"].split(","))
    agentd = set(opts["--agentd-tids"].split(","))
    redis = set(opts["--redis-tids"].split(","))
    ev = []
    for line in open(path):
        m = LINE.match(line)
        if m:
            _, tid, _, t, name, rest = m.groups()
            ev.append((float(t) * 1e6, tid, name.split(":")[-1], rest))

    def find(i, pred, limit=3000.0):
        t0 = ev[i][0]
        for j in range(i + 1, len(ev)):
            if ev[j][0] - t0 > limit:
                return None
            if pred(ev[j]):
                return j
        return None

    # The client's send: a write of a `send` frame (200-byte content: 0x130-0x180 bytes).
    sends = [i for i, e in enumerate(ev) if e[1] in bench and e[2] == "sys_enter_write"
             and 0x130 <= (arg(e[3], "count") or 0) <= 0x180]
    names = ["1 client write -> agentd thread on CPU", "2 agentd on CPU -> send read",
             "3 send read -> Redis pipeline written", "4 pipeline written -> Redis reads it",
             "5 Redis reads -> Redis wakes agentd", "6 agentd woken -> answer read",
             "7 answer read -> push written", "8 push written -> client reads it", "total"]
    rows, hops = [], 0
    for a in sends:
        size = arg(ev[a][3], "count")
        b = find(a, lambda e: e[1] in agentd and e[2] == "sys_exit_read" and ret(e[3]) == size)
        if b is None:
            continue
        reader = ev[b][1]
        on = find(a, lambda e: e[2] == "sched_switch" and f"next_pid={reader} " in e[3] + " ")
        on = on if on is not None and on < b else b
        c = find(b, lambda e: e[1] == reader and e[2] == "sys_enter_write" and (arg(e[3], "count") or 0) >= 0x200)
        if c is None:
            continue
        wire = arg(ev[c][3], "count")
        d = find(c, lambda e: e[1] in redis and e[2] == "sys_exit_read" and ret(e[3]) == wire)
        if d is None:
            continue
        w = find(d, lambda e: e[1] in redis and e[2] == "sched_wakeup" and f"pid={reader} " in e[3] + " ")
        f = find(d, lambda e: e[1] == reader and e[2] == "sys_exit_read" and (ret(e[3]) or 0) >= 0x180)
        if w is None or f is None or w > f:
            continue
        g = find(f, lambda e: e[1] in agentd and e[2] == "sys_enter_write" and (arg(e[3], "count") or 0) >= 0x1c0
                 and (arg(e[3], "count") or 0) != wire)
        if g is None:
            continue
        h = find(g, lambda e: e[1] in bench and e[2] == "sys_exit_read" and (ret(e[3]) or 0) >= 0x1c0)
        if h is None:
            continue
        t = [ev[k][0] for k in (a, on, b, c, d, w, f, g, h)]
        rows.append([t[i + 1] - t[i] for i in range(8)] + [t[8] - t[0]])
        hops += ev[g][1] != reader
    if not rows:
        print("latency_trace: no send could be followed end to end")
        return 1
    print(f"{len(rows)} of {len(sends)} sends followed; the push left from another event-loop thread for {hops}")
    print(f"{'step':44} {'p50 us':>8} {'p90 us':>8}")
    for k, name in enumerate(names):
        values = sorted(r[k] for r in rows)
        print(f"{name:44} {statistics.median(values):8.1f} {values[int(len(values) * 0.9)]:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
