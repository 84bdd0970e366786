#!/usr/bin/env python3
"""The Python client's cost, beside redis-py on the same Redis (issue 16; run by bench.sh).

usage: python_client.py --agentd HOST:PORT --redis-port PORT [--messages N] [--sequential N]
                        [--depth D] [--size S] [--rounds R] [--timeout SECONDS]

agentd_client's threaded ``Client`` against a running agentd, and redis-py (``redis``)
against the Redis that agentd uses, one connection per role, all in this one thread:

  send, sequential    ``client.send`` one at a time          | XADD one at a time
  send, pipelined     D ``client.submit("send")``, then wait   | ``pipeline(transaction=False)``
                      for the D replies (D = --depth)          | of D XADDs, ``execute()``
  cycle               100 sends pipelined (one agent to a      | 100 XADDs pipelined, XREADGROUP
                      second), ``fetch(limit=100)`` by the     | COUNT 100, one XACK of the 100
                      second, one ``ack`` of the 100           | ids

Each message carries a SIZE-byte value (agentd: content ``{"f": value}``; Redis: field f).
Each round runs every scenario on agentd and then on redis-py, so both see the same noise;
with --rounds R > 1 the figures are medians. Prints one JSON line per round and scenario
(``"round": i``) and then one per scenario with the medians (no ``round``): ``rate`` is
messages/s, ``us_per_msg`` its inverse (wall time per message: per call when sequential),
``client_cpu_us_per_msg`` the CPU this process spent per message (its reader thread
included), and ``py_ratio_*`` rows give agentd / redis-py. Every scenario stops
at its --timeout (seconds) and then says ``"complete": false``.
"""
import argparse
import json
import os
import statistics
import sys
import time

try:
    import redis
except ImportError:
    sys.exit("python_client.py: needs redis-py (pip install redis)")
try:
    from agentd_client import Client
except ImportError:
    sys.exit("python_client.py: needs agentd_client (PYTHONPATH=clients/python/src)")


class Bounded:
    """Counts messages until `total` or the deadline; `rate` at the end."""

    def __init__(self, total, timeout):
        self.total, self.done = total, 0
        self.start = time.perf_counter()
        self.cpu_start = time.process_time()
        self.deadline = self.start + timeout

    def more(self):
        return self.done < self.total and time.perf_counter() < self.deadline

    def result(self):
        seconds = time.perf_counter() - self.start
        cpu = time.process_time() - self.cpu_start
        rate = self.done / seconds if seconds > 0 else 0.0
        return {"messages": self.done, "seconds": round(seconds, 3), "rate": round(rate, 1),
                "us_per_msg": round(1e6 / rate, 2) if rate else None,
                "client_cpu_us_per_msg": round(cpu * 1e6 / self.done, 2) if self.done else None,
                "complete": self.done >= self.total}


# -- agentd_client ---------------------------------------------------------------------

class AgentdSide:
    def __init__(self, host, port, value, tag):
        self.value = value
        self.sender_id, self.receiver_id = f"pyb-{tag}-a", f"pyb-{tag}-b"
        self.sender = Client(host, port, agent_id=self.sender_id).connect()
        self.receiver = Client(host, port, agent_id=self.receiver_id).connect()

    def close(self):
        self.sender.close()
        self.receiver.close()

    def drain(self):
        """Fetch and ack whatever the send scenarios left in the receiver's inbox."""
        while True:
            batch = self.receiver.fetch(limit=1000)
            if not batch:
                return
            self.receiver.ack([m["message_id"] for m in batch])

    def send_sequential(self, n, timeout):
        b = Bounded(n, timeout)
        content = {"f": self.value}
        while b.more():
            self.sender.send(self.receiver_id, content)
            b.done += 1
        return b.result()

    def _send_batch(self, k):
        message = {"to_agent": self.receiver_id, "message_type": "status_update", "content": {"f": self.value}}
        futures = [self.sender.submit("send", message=message) for _ in range(k)]
        for f in futures:
            f.result(timeout=30)

    def send_pipelined(self, n, depth, timeout):
        b = Bounded(n, timeout)
        while b.more():
            k = min(depth, b.total - b.done)
            self._send_batch(k)
            b.done += k
        return b.result()

    def cycle(self, n, timeout):
        b = Bounded(n, timeout)
        while b.more():
            k = min(100, b.total - b.done)
            self._send_batch(k)
            got = 0
            while got < k:
                batch = self.receiver.fetch(limit=k - got)
                if not batch:
                    raise RuntimeError(f"agentd cycle: fetched {got} of {k}")
                self.receiver.ack([m["message_id"] for m in batch])
                got += len(batch)
            b.done += k
        return b.result()


# -- redis-py ----------------------------------------------------------------------------

class RedisSide:
    def __init__(self, port, value, tag):
        self.value = value
        self.key = f"pyb:{tag}:{os.getpid()}"
        self.producer = redis.Redis(host="127.0.0.1", port=port)
        self.consumer = redis.Redis(host="127.0.0.1", port=port)
        self.producer.delete(self.key)
        self.consumer.xgroup_create(self.key, "g", id="$", mkstream=True)

    def close(self):
        self.producer.delete(self.key)
        self.producer.close()
        self.consumer.close()

    def drain(self):
        """Trim what the send scenarios left so the cycle reads only its own entries."""
        self.producer.xtrim(self.key, maxlen=0)
        self.producer.xgroup_setid(self.key, "g", id="$")

    def send_sequential(self, n, timeout):
        b = Bounded(n, timeout)
        fields = {"f": self.value}
        while b.more():
            self.producer.xadd(self.key, fields)
            b.done += 1
        return b.result()

    def _send_batch(self, k):
        pipe = self.producer.pipeline(transaction=False)
        fields = {"f": self.value}
        for _ in range(k):
            pipe.xadd(self.key, fields)
        pipe.execute()

    def send_pipelined(self, n, depth, timeout):
        b = Bounded(n, timeout)
        while b.more():
            k = min(depth, b.total - b.done)
            self._send_batch(k)
            b.done += k
        return b.result()

    def cycle(self, n, timeout):
        b = Bounded(n, timeout)
        while b.more():
            k = min(100, b.total - b.done)
            self._send_batch(k)
            got = 0
            while got < k:
                reply = self.consumer.xreadgroup("g", "c", {self.key: ">"}, count=k - got)
                entries = reply[0][1] if reply else []
                if not entries:
                    raise RuntimeError(f"redis cycle: read {got} of {k}")
                self.consumer.xack(self.key, "g", *[entry_id for entry_id, _ in entries])
                got += len(entries)
            b.done += k
        return b.result()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--agentd", required=True, help="HOST:PORT of a running agentd")
    ap.add_argument("--redis-port", type=int, required=True, help="port of the Redis on 127.0.0.1")
    ap.add_argument("--messages", type=int, default=50000, help="messages per pipelined scenario")
    ap.add_argument("--sequential", type=int, default=10000, help="messages for the sequential sends")
    ap.add_argument("--depth", type=int, default=64, help="requests per pipelined batch")
    ap.add_argument("--size", type=int, default=200, help="bytes of the value")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds at most per scenario run")
    args = ap.parse_args()
    host, _, port = args.agentd.rpartition(":")
    value = "x" * args.size

    agentd = AgentdSide(host or "127.0.0.1", int(port), value, os.getpid())
    rds = RedisSide(args.redis_port, value, os.getpid())
    scenarios = [
        ("send_sequential", lambda side: side.send_sequential(args.sequential, args.timeout)),
        ("send_pipelined", lambda side: side.send_pipelined(args.messages, args.depth, args.timeout)),
        ("cycle", lambda side: side.cycle(args.messages, args.timeout)),
    ]
    runs = {}
    try:
        for r in range(1, args.rounds + 1):
            for name, run in scenarios:
                for label, side in (("agentd", agentd), ("redis", rds)):
                    if name == "cycle":
                        side.drain()
                    row = {"scenario": f"py_{label}_{name}", "round": r, **run(side)}
                    runs.setdefault((label, name), []).append(row)
                    print(json.dumps(row), flush=True)
    finally:
        agentd.close()
        rds.close()

    for name, _ in scenarios:
        medians = {}
        for label in ("agentd", "redis"):
            rows = runs.get((label, name), [])
            if not rows:
                continue
            rate = statistics.median(row["rate"] for row in rows)
            cpu = statistics.median(row["client_cpu_us_per_msg"] or 0 for row in rows)
            medians[label] = rate
            print(json.dumps({"scenario": f"py_{label}_{name}", "rounds": len(rows),
                              "messages": rows[0]["messages"], "rate": round(rate, 1),
                              "us_per_msg": round(1e6 / rate, 2) if rate else None,
                              "client_cpu_us_per_msg": round(cpu, 2),
                              "complete": all(row["complete"] for row in rows)}))
        if medians.get("agentd") and medians.get("redis"):
            print(json.dumps({"scenario": f"py_ratio_{name}",
                              "ratio": round(medians["agentd"] / medians["redis"], 3)}))


if __name__ == "__main__":
    main()
