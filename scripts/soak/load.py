#!/usr/bin/env python3
"""The soak's load and its judge (run by scripts/soak.sh, which starts Redis and agentd).

Drives a running agentd with a steady mixed load for a fixed time, samples agentd's memory
and connections, drains, and prints a verdict. Python 3 standard library only (asyncio).

The load (each part can be switched off):
  producers    --producers connections sending --rate msgs/s in total, round robin over
               --inboxes inboxes; mixed priorities and types; every 4th message carries a
               client message_id (the store's dedup path; every 64th of those is sent twice
               and must come back `duplicate: true`), every 8th a ttl_ms, every 16th a
               delay_ms, every 10th correlation_id/reply_to.
  push         --subscribers-per-inbox connections per inbox (a worker pool sharing the
               inbox) subscribe with --prefetch and ack what is pushed, in batches.
  fetch        the last inbox is drained by one fetch/ack loop (fetch limit 100,
               wait_ms 500) that nacks 1 % of first deliveries (delay 200 ms).
  registry     --agents agents register (worker/monitor/coordinator), heartbeat every
               second, query `agents`; each lives 15-25 s, then leaves one of four ways
               (bye; reset; deregister + bye; vanish past the heartbeat timeout so the
               sweeper marks it offline) and comes back.
  tasks        a supervisor assigns --task-rate tasks/s to --workers workers; the workers
               report in_progress (sometimes) and completed (5 % fail once first, which
               makes agentd retry them elsewhere); 2 % are cancelled right away.
  churn        --churn-rate short connections/s: hello + a few sends + bye; hello + sends
               + reset before the replies (messages "in doubt"); subscribe to an inbox and
               reset with pushed messages unacked; fetch and close without acking;
               ping-only and stats-only visits. The sending and stats-only visitors say
               hello as a fresh agent id each (--churn-ids N: reuse N ids instead), as
               short-lived clients named per process or per job would.

Accounting: every message carries {"k": source, "s": sequence}; a message whose send was
answered ok must be delivered and acked by the end (after a bounded drain), and agentd's
own stats must then show pending 0, in_flight 0, dead_letters 0.
"""

import argparse
import asyncio
import csv
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from aiowire import AConn, ConnectionLost  # noqa: E402
from verdict import rss_verdict, slope_mib_per_min  # noqa: E402

SENT, ACKED, DOUBT, SEEN = 1, 2, 4, 8
PRIORITIES = ("medium", "low", "high", "medium", "critical", "medium", "low", "high")
TYPES = ("status_update", "status_update", "coordination", "heartbeat")
MiB = 1024.0 * 1024.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print(*a, flush=True)


class Errors:
    """Counts of things that must not happen, with the first few examples."""

    def __init__(self):
        self.counts = {}
        self.examples = []

    def add(self, kind, detail=""):
        n = self.counts[kind] = self.counts.get(kind, 0) + 1
        if n <= 3 and len(self.examples) < 30:
            self.examples.append("%s: %s" % (kind, str(detail)[:300]))

    def total(self):
        return sum(self.counts.values())


class Tracker:
    """Per source (producer key) a bytearray of flags indexed by sequence number."""

    def __init__(self, errors):
        self.arr = {}
        self.errors = errors
        self.sent_ok = 0
        self.acked = 0          # distinct tracked messages acked
        self.deliveries = 0
        self.redeliveries = 0   # deliveries with attempt > 1
        self.after_ack = 0      # deliveries of a message already acked (at-least-once)
        self.doubt = 0
        self.abandoned = 0      # deliveries a churn connection dropped on purpose
        self.nacked = 0
        self.duplicates_ok = 0  # resends answered duplicate: true

    def _slot(self, key, s):
        a = self.arr.get(key)
        if a is None:
            a = self.arr[key] = bytearray()
        if s >= len(a):
            a.extend(bytes(max(s + 1 - len(a), 1 << 16)))
        return a

    def flag(self, key, s, bit):
        a = self._slot(key, s)
        old = a[s]
        a[s] = old | bit
        return old

    def sent(self, key, s):
        if not self.flag(key, s, SENT) & SENT:
            self.sent_ok += 1

    def in_doubt(self, key, s):
        if not self.flag(key, s, DOUBT) & DOUBT:
            self.doubt += 1

    def delivered(self, msg):
        """Records a delivery; returns (key, s) or None for a message that is not ours."""
        self.deliveries += 1
        c = msg.get("content") or {}
        key, s = c.get("k"), c.get("s")
        if not isinstance(key, str) or not isinstance(s, int):
            self.errors.add("foreign_message", msg)
            return None
        old = self.flag(key, s, SEEN)
        if (msg.get("delivery") or {}).get("attempt", 1) > 1:
            self.redeliveries += 1
        if old & ACKED:
            self.after_ack += 1
        return key, s

    def acked_ok(self, key, s):
        if not self.flag(key, s, ACKED) & ACKED:
            self.acked += 1

    @staticmethod
    def _count(pred):
        """A translate table mapping a flag byte to 1 where pred(flags) holds, else 0."""
        return bytes(1 if pred(f) else 0 for f in range(256))

    def count(self, table, prefix=""):
        return sum(a.translate(table).count(1) for k, a in self.arr.items() if k.startswith(prefix))

    def unacked(self):
        """(sent ok but not acked, examples)."""
        n = self.count(_UNACKED)
        ex = []
        if n:
            for key, a in self.arr.items():
                for s, f in enumerate(a):
                    if f & SENT and not f & ACKED:
                        ex.append("%s-%d%s" % (key, s, " (delivered)" if f & SEEN else " (never delivered)"))
                        if len(ex) >= 10:
                            return n, ex
        return n, ex

    def phantoms(self):
        """Delivered messages we never sent (neither answered ok nor in doubt)."""
        return self.count(_PHANTOM)

    def doubt_stats(self):
        """(in doubt, of which stored = delivered, of which acked)."""
        return self.count(_DOUBT), self.count(_DOUBT_SEEN), self.count(_DOUBT_ACKED)


_SENT = Tracker._count(lambda f: f & SENT)
_UNACKED = Tracker._count(lambda f: f & SENT and not f & ACKED)
_PHANTOM = Tracker._count(lambda f: f & SEEN and not f & (SENT | DOUBT))
_DOUBT = Tracker._count(lambda f: f & DOUBT and not f & SENT)
_DOUBT_SEEN = Tracker._count(lambda f: f & DOUBT and not f & SENT and f & SEEN)
_DOUBT_ACKED = Tracker._count(lambda f: f & DOUBT and not f & SENT and f & ACKED)


class Soak:
    def __init__(self, args):
        self.a = args
        self.errors = Errors()
        self.t = Tracker(self.errors)
        self.run = "%06x" % random.getrandbits(24)
        self.stop_load = asyncio.Event()   # producers, churn, task assignment, registry stop
        self.stop_all = asyncio.Event()    # consumers stop (after the drain)
        self.stable = []                   # connections that must not be lost
        self.pad = "x" * args.size
        self.inboxes = ["soak-inbox-%d" % i for i in range(args.inboxes)]
        if args.no_fetch:
            self.push_inboxes, self.fetch_inboxes = list(self.inboxes), []
        elif args.no_push:
            self.push_inboxes, self.fetch_inboxes = [], list(self.inboxes)
        else:
            self.push_inboxes, self.fetch_inboxes = self.inboxes[:-1], self.inboxes[-1:]
        self.producer_conns = []
        self.behind = 0           # sends skipped because a producer could not keep up
        self.churn_opened = 0
        self.churn_skipped = 0
        self.churn_active = 0
        self.churn_kinds = {}
        self.churn_seq = 0
        self.churn_hellos = 0
        self.agentd_gone = None
        self.reg_cycles = 0
        self.reg_modes = {}
        self.tasks_assigned = set()
        self.tasks_completed = set()
        self.tasks_failed_final = set()
        self.tasks_cancelled = set()
        self.tasks_failed_once = set()
        self.task_reports = 0
        self.acks_reported = 0
        self.samples = []
        self.tasks_bg = set()

    # -- helpers ---------------------------------------------------------------------

    def spawn(self, coro):
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks_bg.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task):
        self.tasks_bg.discard(task)
        if not task.cancelled() and task.exception() is not None:
            e = task.exception()
            if not isinstance(e, (ConnectionLost, ConnectionError)) or not self.stop_all.is_set():
                self.errors.add("task_crashed", repr(e))

    async def open_stable(self, agent_id, on_event=None, on_batch=None):
        c = await AConn.open(self.a.port, agent_id, on_event=on_event, on_batch=on_batch)
        self.stable.append(c)
        return c

    def check_reply(self, what, fut):
        """Done-callback helper: the reply dict if ok, else counts an error and returns None."""
        if fut.cancelled():
            return None
        e = fut.exception()
        if e is not None:
            if not self.stop_all.is_set():
                self.errors.add(what + "_lost", repr(e))
            return None
        r = fut.result()
        if r.get("ok") is not True:
            self.errors.add(what + "_failed", r)
            return None
        return r

    def message(self, key, s, to):
        m = {"to_agent": to, "message_type": TYPES[s % 4],
             "content": {"k": key, "s": s, "pad": self.pad}, "priority": PRIORITIES[s % 8]}
        if s % 4 == 0:
            m["message_id"] = "%s-%d-%s" % (key, s, self.run)
        if s % 8 == 1:
            m["ttl_ms"] = 3_600_000
        if s % 16 == 3:
            m["delay_ms"] = 100 + 100 * (s % 5)
        if s % 10 == 5:
            m["correlation_id"] = "corr-%d" % s
            m["reply_to"] = key
        return m

    # -- producers -------------------------------------------------------------------

    async def producer(self, i, rate):
        key = "p%d" % i
        c = await self.open_stable("soak-producer-%d" % i)
        self.producer_conns.append(c)
        seq = 0
        start = time.monotonic()
        max_out = self.a.max_outstanding
        nin = len(self.inboxes)

        def on_reply(fut, s=None, m=None):
            r = self.check_reply("send", fut)
            if r is None:
                return
            self.t.sent(key, s)
            if r.get("duplicate"):
                self.errors.add("unexpected_duplicate", r)
            if m is not None and "message_id" in m and s % 256 == 0 and not self.stop_all.is_set() \
                    and "delay_ms" not in m:
                f2 = c.request("send", message=m)
                f2.add_done_callback(lambda f: on_dup(f, m["message_id"]))

        def on_dup(fut, mid):
            r = self.check_reply("send_dup", fut)
            if r is None:
                return
            if r.get("duplicate") is True and r.get("message_id") == mid:
                self.t.duplicates_ok += 1
            else:
                self.errors.add("dedup_failed", r)

        while not self.stop_load.is_set():
            await asyncio.sleep(0.01)
            due = int((time.monotonic() - start) * rate) - seq
            if due <= 0:
                continue
            room = max(max_out - c.outstanding(), 0)
            if due > room:
                # Cannot keep up (agentd or this client is slow): skip rather than burst later.
                self.behind += due - room
                seq += due - room
                due = room
            c.cork()
            for _ in range(due):
                s = seq
                seq += 1
                m = self.message(key, s, self.inboxes[s % nin])
                c.request("send", message=m).add_done_callback(lambda f, s=s, m=m: on_reply(f, s, m))
            c.uncork()
            if c.closed:
                self.errors.add("producer_lost", c.lost_error)
                return
        # Wait (bounded) for the last replies.
        end = time.monotonic() + 30
        while c.outstanding() and time.monotonic() < end:
            await asyncio.sleep(0.05)
        if c.outstanding():
            self.errors.add("send_reply_timeout", "%s: %d replies missing 30 s after the load stopped"
                            % (c.name, c.outstanding()))

    # -- consumers -------------------------------------------------------------------

    def make_acker(self, what):
        """on_event/on_batch pair: record pushed messages, ack them per read batch."""
        pending = []

        def on_event(conn, frame):
            if frame.get("event") != "message":
                self.errors.add("unknown_event", frame)
                return
            m = frame["message"]
            ks = self.t.delivered(m)
            pending.append((m["message_id"], ks))

        def on_batch(conn):
            if not pending or conn.closed:
                return
            batch = pending[:]
            del pending[:]
            fut = conn.request("ack", message_ids=[mid for mid, _ in batch])

            def done(f):
                r = self.check_reply(what + "_ack", f)
                if r is None:
                    return
                self.acks_reported += r.get("acked", 0)
                for _, ks in batch:
                    if ks is not None:
                        self.t.acked_ok(*ks)
            fut.add_done_callback(done)

        return on_event, on_batch

    async def subscriber(self, inbox, n):
        on_event, on_batch = self.make_acker("push")
        c = await self.open_stable(inbox, on_event=on_event, on_batch=on_batch)
        r = await c.call("subscribe", prefetch=self.a.prefetch)
        if r.get("ok") is not True or r.get("subscribed") is not True:
            self.errors.add("subscribe_failed", r)
        await self.stop_all.wait()

    async def fetcher(self, inbox):
        c = await self.open_stable(inbox)
        while not self.stop_all.is_set():
            try:
                r = await c.call("fetch", timeout=15, limit=100, wait_ms=500)
            except (asyncio.TimeoutError, ConnectionLost) as e:
                if not self.stop_all.is_set():
                    self.errors.add("fetch_lost", repr(e))
                return
            if r.get("ok") is not True:
                self.errors.add("fetch_failed", r)
                await asyncio.sleep(0.2)
                continue
            acks, nacks = [], []
            for m in r["messages"]:
                ks = self.t.delivered(m)
                first = (m.get("delivery") or {}).get("attempt") == 1
                if ks is not None and first and ks[1] % 100 == 7:
                    nacks.append(m["message_id"])
                else:
                    acks.append((m["message_id"], ks))
            futs = []
            if nacks:
                futs.append(c.request("nack", message_ids=nacks, delay_ms=200))
            if acks:
                futs.append(c.request("ack", message_ids=[mid for mid, _ in acks]))
            try:
                replies = await asyncio.wait_for(asyncio.gather(*futs), 15)
            except (asyncio.TimeoutError, ConnectionLost) as e:
                self.errors.add("fetch_ack_lost", repr(e))
                return
            for rep in replies:
                if rep.get("ok") is not True:
                    self.errors.add("fetch_ack_failed", rep)
            if nacks:
                rn = replies[0]
                if rn.get("requeued") != len(nacks):
                    self.errors.add("nack_count", "%r for %d" % (rn, len(nacks)))
                self.t.nacked += len(nacks)
            if acks and replies[-1].get("ok") is True:
                self.acks_reported += replies[-1].get("acked", 0)
                for _, ks in acks:
                    if ks is not None:
                        self.t.acked_ok(*ks)

    # -- tasks -----------------------------------------------------------------------

    async def supervisor(self):
        pending = []

        def on_event(conn, frame):
            m = frame.get("message") or {}
            pending.append(m.get("message_id"))
            c = m.get("content") or {}
            tid = c.get("task_id")
            if m.get("message_type") == "task_response":
                self.task_reports += 1
                if c.get("status") == "completed":
                    self.tasks_completed.add(tid)
            elif m.get("message_type") == "error_report" and m.get("from_agent") == "agentd":
                self.tasks_failed_final.add(tid)

        def on_batch(conn):
            if pending and not conn.closed:
                ids = pending[:]
                del pending[:]
                conn.request("ack", message_ids=ids).add_done_callback(lambda f: self.check_reply("super_ack", f))

        c = await self.open_stable("soak-supervisor", on_event=on_event, on_batch=on_batch)
        r = await c.call("register", role="supervisor", capabilities=[])
        if r.get("ok") is not True:
            self.errors.add("register_failed", r)
        await c.call("subscribe", prefetch=100)
        n = 0
        start = time.monotonic()
        last_hb = start
        while not self.stop_load.is_set():
            await asyncio.sleep(0.05)
            now = time.monotonic()
            if now - last_hb >= 1.0:
                last_hb = now
                c.request("heartbeat", status="active").add_done_callback(lambda f: self.check_reply("heartbeat", f))
            while n < int((now - start) * self.a.task_rate) and not self.stop_load.is_set():
                n += 1
                try:
                    r = await c.call("assign_task", task_type="soak", description="soak task %d" % n,
                                     parameters={"n": n}, required_capabilities=["soak-task"],
                                     priority=PRIORITIES[n % 8], timeout_ms=60_000, max_retries=3)
                except (asyncio.TimeoutError, ConnectionLost) as e:
                    self.errors.add("assign_lost", repr(e))
                    return
                if r.get("ok") is not True:
                    self.errors.add("assign_failed", r)
                    continue
                tid = r["task_id"]
                self.tasks_assigned.add(tid)
                if n % 50 == 0:
                    r2 = await c.call("cancel_task", task_id=tid)
                    if r2.get("ok") is not True:
                        self.errors.add("cancel_failed", r2)
                    elif r2["task"]["state"] == "cancelled":
                        self.tasks_cancelled.add(tid)
                    elif r2["task"]["state"] != "completed":
                        self.errors.add("cancel_state", r2)
        await self.stop_all.wait()

    async def worker(self, i):
        me = "soak-worker-%d" % i
        pending = []
        c = None

        def report(task_id, sup, status, **extra):
            if c is None or c.closed or self.stop_all.is_set():
                return
            content = {"task_id": task_id, "status": status}
            content.update(extra)
            c.request("send", message={"to_agent": sup, "message_type": "task_response", "content": content,
                                       "correlation_id": task_id}
                      ).add_done_callback(lambda f: self.check_reply("task_report", f))

        def on_event(conn, frame):
            m = frame.get("message") or {}
            pending.append(m.get("message_id"))
            if m.get("message_type") != "task_request":
                return  # cancel notices (coordination) are just acked
            content = m.get("content") or {}
            tid, sup = content.get("task_id"), m.get("from_agent")
            loop = asyncio.get_running_loop()
            if len(self.tasks_assigned) % 3 == 0:
                loop.call_later(0.02, lambda: report(tid, sup, "in_progress", completion_percentage=50))
            if random.random() < 0.05 and tid not in self.tasks_failed_once:
                self.tasks_failed_once.add(tid)
                loop.call_later(random.uniform(0.05, 0.2), lambda: report(
                    tid, sup, "failed", error={"code": "soak", "message": "failing once on purpose"}))
            else:
                loop.call_later(random.uniform(0.05, 0.2), lambda: report(tid, sup, "completed",
                                                                          result={"worker": me}))

        def on_batch(conn):
            if pending and not conn.closed:
                ids = pending[:]
                del pending[:]
                conn.request("ack", message_ids=ids).add_done_callback(lambda f: self.check_reply("worker_ack", f))

        c = await self.open_stable(me, on_event=on_event, on_batch=on_batch)
        r = await c.call("register", role="worker", capabilities=["soak-task"], max_concurrent_tasks=4,
                         metadata={"soak": self.run})
        if r.get("ok") is not True:
            self.errors.add("register_failed", r)
        await c.call("subscribe", prefetch=50)
        while not self.stop_all.is_set() and not c.closed:
            try:
                await asyncio.wait_for(self.stop_all.wait(), 1.0)
            except asyncio.TimeoutError:
                c.request("heartbeat", status="active").add_done_callback(lambda f: self.check_reply("heartbeat", f))

    # -- registry --------------------------------------------------------------------

    async def registry_agent(self, i):
        me = "soak-agent-%d" % i
        role = ("worker", "monitor", "coordinator")[i % 3]
        caps = ["soak-reg", "zone-%d" % (i % 4)]
        gen = 0
        last_mode = None
        await asyncio.sleep(i * 0.05)
        while not self.stop_load.is_set():
            try:
                c = await AConn.open(self.a.port, me)
            except (OSError, asyncio.TimeoutError, RuntimeError) as e:
                self.errors.add("registry_connect", repr(e))
                await asyncio.sleep(1)
                continue
            try:
                if last_mode == "vanish":
                    # Back after the sweeper marked it offline: a heartbeat makes it active again.
                    r = await c.call("heartbeat", status="active")
                    if r.get("ok") is not True:
                        self.errors.add("heartbeat_after_offline", r)
                r = await c.call("register", role=role, capabilities=caps, max_concurrent_tasks=2,
                                 metadata={"gen": gen, "soak": self.run})
                if r.get("ok") is not True:
                    self.errors.add("register_failed", r)
                life = 15 + (i % 10) + random.random()
                end = time.monotonic() + life
                k = 0
                while time.monotonic() < end and not self.stop_load.is_set():
                    await asyncio.sleep(1.0)
                    k += 1
                    r = await c.call("heartbeat", status=("active", "busy", "idle")[k % 3], current_tasks=k % 3)
                    if r.get("ok") is not True:
                        self.errors.add("heartbeat_failed", r)
                    if k % 5 == i % 5:
                        r = await c.call("agents", capabilities=["zone-%d" % (i % 4)], available=True, limit=50)
                        if r.get("ok") is not True:
                            self.errors.add("agents_failed", r)
            except (asyncio.TimeoutError, ConnectionLost) as e:
                self.errors.add("registry_lost", "%s: %r" % (me, e))
                c.abort()
                await asyncio.sleep(1)
                continue
            if self.stop_load.is_set():
                await c.bye()
                return
            mode = ("bye", "reset", "deregister", "vanish")[(gen + i) % 4]
            self.reg_modes[mode] = self.reg_modes.get(mode, 0) + 1
            self.reg_cycles += 1
            if mode == "bye":
                await c.bye()
            elif mode == "deregister":
                r = await c.call("deregister")
                if role == "monitor":  # a monitor may only read: forbidden, and it stays registered
                    if (r.get("error") or {}).get("code") != "forbidden":
                        self.errors.add("monitor_deregister", r)
                elif r.get("ok") is not True:
                    self.errors.add("deregister_failed", r)
                await c.bye()
            else:
                c.abort()
                if mode == "vanish":
                    try:
                        await asyncio.wait_for(self.stop_load.wait(), self.a.vanish_seconds)
                    except asyncio.TimeoutError:
                        pass
            last_mode = mode
            gen += 1

    # -- churn -----------------------------------------------------------------------

    async def churn(self):
        n = 0
        start = time.monotonic()
        while not self.stop_load.is_set():
            await asyncio.sleep(0.02)
            while n < int((time.monotonic() - start) * self.a.churn_rate):
                n += 1
                if self.churn_active >= 100:
                    self.churn_skipped += 1
                    continue
                self.spawn(self.churn_one(n))

    async def churn_one(self, n):
        self.churn_active += 1
        self.churn_opened += 1
        kind = ("send_bye", "send_bye", "send_bye", "send_bye", "send_reset", "send_reset",
                "subscribe_reset", "fetch_close", "ping_only", "stats_only")[n % 10]
        if kind == "fetch_close" and not self.fetch_inboxes:
            kind = "subscribe_reset"
        if kind == "subscribe_reset" and not self.push_inboxes:
            kind = "fetch_close"
        self.churn_kinds[kind] = self.churn_kinds.get(kind, 0) + 1
        c = None
        try:
            if kind == "ping_only":
                c = await AConn.open(self.a.port)
                r = await c.call("ping")
                if r.get("pong") is not True:
                    self.errors.add("churn_ping", r)
                c.abort(rst=False)
                return
            if kind in ("send_bye", "send_reset", "stats_only"):
                c = await AConn.open(self.a.port, self.churn_id(n))
                if kind == "stats_only":
                    r = await c.call("stats")
                    if r.get("ok") is not True:
                        self.errors.add("churn_stats", r)
                    await c.bye()
                    return
                futs = []
                count = 1 + n % 5
                c.cork()
                for _ in range(count):
                    s = self.churn_seq
                    self.churn_seq += 1
                    m = self.message("c", s, self.inboxes[s % len(self.inboxes)])
                    if kind == "send_reset":
                        self.t.in_doubt("c", s)
                    f = c.request("send", message=m)
                    f.add_done_callback(lambda f, s=s: self._churn_sent(f, s))
                    futs.append(f)
                c.uncork()
                if kind == "send_reset":
                    # Half a frame, then a reset: replies (and maybe the stores) are lost.
                    c.write_raw(b'{"op":"send","message":{"to_agent":"soak-inb')
                    await asyncio.sleep(random.uniform(0, 0.005))
                    c.abort(rst=True)
                    return
                await asyncio.wait_for(asyncio.gather(*futs, return_exceptions=True), 15)
                await c.bye()
                return
            if kind == "subscribe_reset":
                got = []
                inbox = self.push_inboxes[n % len(self.push_inboxes)]
                c = await AConn.open(self.a.port, inbox,
                                     on_event=lambda conn, fr: got.append(self.t.delivered(fr["message"])))
                r = await c.call("subscribe", prefetch=5)
                if r.get("ok") is not True:
                    self.errors.add("churn_subscribe", r)
                end = time.monotonic() + 0.3
                while not got and time.monotonic() < end:
                    await asyncio.sleep(0.01)
                self.t.abandoned += len(got)
                c.abort(rst=True)
                return
            if kind == "fetch_close":
                inbox = self.fetch_inboxes[n % len(self.fetch_inboxes)]
                c = await AConn.open(self.a.port, inbox)
                r = await c.call("fetch", limit=5, wait_ms=200)
                if r.get("ok") is not True:
                    self.errors.add("churn_fetch", r)
                else:
                    for m in r["messages"]:
                        self.t.delivered(m)
                    self.t.abandoned += len(r["messages"])
                c.abort(rst=False)
                return
        except (OSError, asyncio.TimeoutError, ConnectionLost, RuntimeError) as e:
            self.errors.add("churn_" + kind, repr(e))
            if c is not None:
                c.abort()
        finally:
            self.churn_active -= 1

    def churn_id(self, n):
        """A fresh agent id per connection (--churn-ids 0), else one of --churn-ids ids."""
        self.churn_hellos += 1
        if self.a.churn_ids > 0:
            return "soak-churn-%d" % (n % self.a.churn_ids)
        return "soak-churn-%s-%d" % (self.run, n)

    def _churn_sent(self, fut, s):
        if fut.cancelled() or fut.exception() is not None:
            return  # a reset connection: in doubt, settled by the final stats
        r = fut.result()
        if r.get("ok") is True:
            self.t.sent("c", s)
        else:
            self.errors.add("churn_send_failed", r)

    # -- sampling --------------------------------------------------------------------

    def proc(self):
        """(rss MiB, fds, cpu seconds) of agentd."""
        pid = self.a.pid
        rss = None
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024.0
                    break
        try:
            fds = len(os.listdir("/proc/%d/fd" % pid))
        except OSError:
            fds = -1
        with open("/proc/%d/stat" % pid) as f:
            parts = f.read().rsplit(")", 1)[1].split()
        cpu = (int(parts[11]) + int(parts[12])) / CLK_TCK
        return rss, fds, cpu

    async def redis_used_memory(self):
        if not self.a.redis_port:
            return None
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", self.a.redis_port), 2)
            w.write(b"INFO memory\r\n")
            head = await asyncio.wait_for(r.readline(), 2)
            body = await asyncio.wait_for(r.readexactly(int(head[1:]) + 2), 2)
            w.close()
            for line in body.decode().splitlines():
                if line.startswith("used_memory:"):
                    return int(line.split(":")[1]) / MiB
        except (OSError, asyncio.TimeoutError, ValueError, asyncio.IncompleteReadError):
            return None
        return None

    async def sampler(self, mon):
        hdr = ("%8s %8s %5s %5s %10s %10s %8s %8s %8s %8s %7s %7s %9s %6s"
               % ("elapsed", "rss_MiB", "fds", "conns", "sent_ok", "acked", "sent/s", "acked/s",
                  "pending", "inflight", "agentd%", "load%", "redis_MiB", "errors"))
        log(hdr)
        t0 = time.monotonic()
        last = (t0, 0, 0, self.proc()[2], sum(os.times()[:2]))
        csvf = open(self.a.csv, "w", newline="") if self.a.csv else None
        w = None
        if csvf:
            w = csv.writer(csvf)
            w.writerow(["elapsed_s", "rss_mib", "fds", "connections", "sent_ok", "acked", "sent_per_s",
                        "acked_per_s", "pending", "in_flight", "agentd_cpu_pct", "load_cpu_pct", "redis_mib",
                        "errors"])
        k = 0
        while not self.stop_load.is_set():
            k += 1
            try:
                await asyncio.wait_for(self.stop_load.wait(), t0 + k * self.a.sample_seconds - time.monotonic())
            except asyncio.TimeoutError:
                pass
            if self.stop_load.is_set():
                break
            now = time.monotonic()
            try:
                rss, fds, cpu = self.proc()
            except OSError as e:
                self.agentd_gone = repr(e)
                self.stop_load.set()
                break
            mycpu = sum(os.times()[:2])
            try:
                st = await mon.call("stats", timeout=10)
                q, conns = st["queues"], st["server"]["connections"]
            except (asyncio.TimeoutError, ConnectionLost, KeyError) as e:
                self.errors.add("stats_failed", repr(e))
                q, conns = {"pending": -1, "in_flight": -1}, -1
            red = await self.redis_used_memory()
            dt = now - last[0]
            row = {"elapsed": now - t0, "rss": rss, "fds": fds, "conns": conns, "sent": self.t.sent_ok,
                   "acked": self.t.acked, "sent_rate": (self.t.sent_ok - last[1]) / dt,
                   "acked_rate": (self.t.acked - last[2]) / dt, "pending": q["pending"],
                   "inflight": q["in_flight"], "cpu": 100 * (cpu - last[3]) / dt,
                   "mycpu": 100 * (mycpu - last[4]) / dt, "redis": red, "errors": self.errors.total()}
            last = (now, self.t.sent_ok, self.t.acked, cpu, mycpu)
            self.samples.append(row)
            log("%8.0f %8.1f %5d %5d %10d %10d %8.0f %8.0f %8d %8d %7.0f %7.0f %9s %6d"
                % (row["elapsed"], rss, fds, conns, row["sent"], row["acked"], row["sent_rate"],
                   row["acked_rate"], row["pending"], row["inflight"], row["cpu"], row["mycpu"],
                   "-" if red is None else "%.1f" % red, row["errors"]))
            if w:
                w.writerow(["%.1f" % row["elapsed"], "%.2f" % rss, fds, conns, row["sent"], row["acked"],
                            "%.0f" % row["sent_rate"], "%.0f" % row["acked_rate"], row["pending"],
                            row["inflight"], "%.0f" % row["cpu"], "%.0f" % row["mycpu"],
                            "" if red is None else "%.2f" % red, row["errors"]])
                csvf.flush()
            for conn in self.stable:
                if conn.unexpectedly_lost():
                    self.errors.add("connection_lost", "%s: %r" % (conn.name, conn.lost_error))
                    conn.closing = True  # count it once
                elif conn.oldest_age() > 30:
                    self.errors.add("reply_timeout", "%s: a reply is %.0f s late" % (conn.name, conn.oldest_age()))
        if csvf:
            csvf.close()

    # -- the run ---------------------------------------------------------------------

    async def main(self):
        a = self.a
        mon = await self.open_stable("soak-monitor")
        st0 = await mon.call("stats")
        base_conns = st0["server"]["connections"]
        red0 = await self.redis_used_memory()
        rss0 = self.proc()[0]
        log("== soak: %.2f min, %d msgs/s over %d producers to %d inboxes (push %s, fetch %s)"
            % (a.minutes, a.rate, a.producers, a.inboxes, ",".join(self.push_inboxes) or "-",
               ",".join(self.fetch_inboxes) or "-"))
        log("   tasks %s, registry %s, churn %s; sample every %g s; agentd pid %d, RSS %.1f MiB at start"
            % ("off" if a.no_tasks else "%g/s over %d workers" % (a.task_rate, a.workers),
               "off" if a.no_registry else "%d agents" % a.agents,
               "off" if a.no_churn else "%g conns/s" % a.churn_rate, a.sample_seconds, a.pid, rss0))
        if red0 is not None:
            log("   redis used_memory at start: %.2f MiB" % red0)
        starters = []
        for inbox in self.push_inboxes:
            for j in range(a.subscribers_per_inbox):
                starters.append(self.subscriber(inbox, j))
        consumers = [self.spawn(s) for s in starters]
        consumers += [self.spawn(self.fetcher(inbox)) for inbox in self.fetch_inboxes]
        if not a.no_tasks:
            consumers += [self.spawn(self.worker(i)) for i in range(a.workers)]
            consumers.append(self.spawn(self.supervisor()))
        await asyncio.sleep(0.5)  # subscriptions in place before the load starts
        load = []
        if a.rate > 0:
            load += [self.spawn(self.producer(i, a.rate / a.producers)) for i in range(a.producers)]
        if not a.no_registry:
            load += [self.spawn(self.registry_agent(i)) for i in range(a.agents)]
        if not a.no_churn:
            load.append(self.spawn(self.churn()))
        sampler = self.spawn(self.sampler(mon))
        try:
            await asyncio.wait_for(self.stop_load.wait(), a.minutes * 60)
        except asyncio.TimeoutError:
            pass
        self.stop_load.set()
        await sampler
        if self.agentd_gone:
            log("== agentd (pid %d) is gone: %s" % (a.pid, self.agentd_gone))
            log("   RESULT: FAIL (agentd exited during the soak)")
            return 1
        log("== load stopped after %.0f s; draining (at most %d s)" % (a.minutes * 60, a.drain_seconds))
        if load:
            await asyncio.wait(load, timeout=40)
        # Churn connections still open (bounded: each has its own timeouts).
        end = time.monotonic() + 20
        while self.churn_active and time.monotonic() < end:
            await asyncio.sleep(0.1)

        # Drain: everything sent must be acked, every task finished, agentd's queues empty.
        t_drain = time.monotonic()
        end = t_drain + a.drain_seconds
        st = None
        while True:
            unacked, _ = self.t.unacked()
            open_tasks = self.tasks_assigned - self.tasks_completed - self.tasks_cancelled - self.tasks_failed_final
            try:
                st = await mon.call("stats", timeout=10)
            except (asyncio.TimeoutError, ConnectionLost) as e:
                self.errors.add("stats_failed", repr(e))
                break
            q = st["queues"]
            if unacked == 0 and not open_tasks and q["pending"] == 0 and q["in_flight"] == 0:
                break
            if time.monotonic() > end:
                break
            await asyncio.sleep(0.5)
        drain_s = time.monotonic() - t_drain
        self.stop_all.set()
        try:
            rss_drained = self.proc()[0]
        except OSError as e:
            log("== agentd (pid %d) is gone after the drain: %r" % (a.pid, e))
            log("   RESULT: FAIL (agentd exited during the soak)")
            return 1

        # Close every connection politely; agentd must count them all gone.
        for c in self.stable:
            if c is not mon:
                self.spawn(c.bye())
        await asyncio.sleep(0.2)
        end = time.monotonic() + 10
        conns = None
        while time.monotonic() < end:
            try:
                conns = (await mon.call("stats", timeout=10))["server"]["connections"]
            except (asyncio.TimeoutError, ConnectionLost):
                break
            if conns == base_conns:
                break
            await asyncio.sleep(0.2)
        try:
            final = await mon.call("stats", timeout=10)
        except (asyncio.TimeoutError, ConnectionLost) as e:
            self.errors.add("stats_failed", repr(e))
            final = st
        red1 = await self.redis_used_memory()
        await mon.bye()
        for task in list(self.tasks_bg):
            task.cancel()
        return self.report(final, drain_s, conns, base_conns, red0, red1, rss0, rss_drained)

    def report(self, st, drain_s, conns, base_conns, red0, red1, rss0, rss_drained):
        a = self.a
        q = st["queues"] if st else {}
        co = st["coordination"] if st else {}
        unacked, examples = self.t.unacked()
        phantoms = self.t.phantoms()
        doubt, doubt_stored, doubt_acked = self.t.doubt_stats()
        open_tasks = self.tasks_assigned - self.tasks_completed - self.tasks_cancelled - self.tasks_failed_final
        problems = []

        log("")
        log("== messages")
        elapsed = a.minutes * 60
        by_producers = self.t.count(_SENT, "p")
        log("   sent ok %d (producers %d = %.0f/s against %d/s asked%s; churn %d), acked %d,"
            " lost (sent ok, not acked) %d"
            % (self.t.sent_ok, by_producers, by_producers / elapsed if elapsed else 0, a.rate,
               ", %d skipped: could not keep up" % self.behind if self.behind else "",
               self.t.sent_ok - by_producers, self.t.acked, unacked))
        log("   deliveries %d (redeliveries %d, of a message already acked %d), nacked %d, abandoned by churn %d,"
            " dedup resends answered duplicate %d"
            % (self.t.deliveries, self.t.redeliveries, self.t.after_ack, self.t.nacked, self.t.abandoned,
               self.t.duplicates_ok))
        log("   in doubt (connection reset before the send reply): %d, of which stored and acked %d / %d"
            % (doubt, doubt_acked, doubt_stored))
        log("   agentd stats after the drain (%.1f s): pending %s, in_flight %s, dead_letters %s, expired %s,"
            " sent_total %s, acked_total %s"
            % (drain_s, q.get("pending"), q.get("in_flight"), q.get("dead_letters"), q.get("expired_total"),
               q.get("sent_total"), q.get("acked_total")))
        if unacked:
            problems.append("%d messages sent ok and never acked (e.g. %s)" % (unacked, ", ".join(examples)))
        if phantoms:
            problems.append("%d delivered messages that were never sent" % phantoms)
        if q.get("pending") != 0 or q.get("in_flight") != 0:
            problems.append("agentd still has pending %s / in_flight %s after the drain"
                            % (q.get("pending"), q.get("in_flight")))
        if q.get("dead_letters") != 0:
            problems.append("%s dead letters" % q.get("dead_letters"))
        if q.get("expired_total") not in (0, None):
            problems.append("%s messages expired" % q.get("expired_total"))
        if a.rate > 0 and self.t.sent_ok == 0:
            problems.append("no message was sent")
        if not a.no_tasks:
            log("== tasks: assigned %d, completed %d, cancelled %d, failed for good %d, unfinished %d;"
                " reports %d; agentd: %s"
                % (len(self.tasks_assigned), len(self.tasks_completed & self.tasks_assigned),
                   len(self.tasks_cancelled), len(self.tasks_failed_final), len(open_tasks), self.task_reports,
                   ", ".join("%s %s" % (k, co.get(k)) for k in ("tasks_total", "pending", "in_progress",
                                                               "completed", "failed", "cancelled"))))
            if open_tasks:
                problems.append("%d tasks unfinished (e.g. %s)" % (len(open_tasks), ", ".join(sorted(open_tasks)[:5])))
            if self.tasks_failed_final:
                problems.append("%d tasks failed for good" % len(self.tasks_failed_final))
        if not a.no_registry:
            log("== registry: %d agents, %d leave-and-return cycles (%s)"
                % (a.agents, self.reg_cycles, ", ".join("%s %d" % kv for kv in sorted(self.reg_modes.items()))))
        if not a.no_churn:
            log("== churn: %d connections (%s), %d of them as %s%s"
                % (self.churn_opened, ", ".join("%s %d" % kv for kv in sorted(self.churn_kinds.items())),
                   self.churn_hellos, "a fresh agent id each" if self.a.churn_ids == 0
                   else "one of %d agent ids" % self.a.churn_ids,
                   ", %d skipped (100 already open)" % self.churn_skipped if self.churn_skipped else ""))
        log("== connections: %s open after every client closed (%s before the load)" % (conns, base_conns))
        if conns != base_conns:
            problems.append("agentd reports %s connections after all closed, %s before" % (conns, base_conns))
        if self.errors.total():
            problems.append("%d errors: %s" % (self.errors.total(),
                                               ", ".join("%s %d" % kv for kv in sorted(self.errors.counts.items()))))
            for e in self.errors.examples:
                log("   error: %s" % e)
        if red0 is not None and red1 is not None:
            log("== redis used_memory: %.2f MiB at start, %.2f MiB at the end" % (red0, red1))

        log("")
        log("== verdict")
        rss = [s["rss"] for s in self.samples]
        v = rss_verdict(rss)
        slope = slope_mib_per_min([s["elapsed"] for s in self.samples[len(rss) // 3:]], rss[len(rss) // 3:])
        log("   RSS: %.1f MiB at start, max %.1f MiB, %.1f MiB after the drain%s"
            % (rss0, max(rss) if rss else rss0, rss_drained,
               "; slope after warm-up %+.2f MiB/min (%+.0f MiB/h if it kept on)" % (slope, 60 * slope)
               if slope is not None else ""))
        log("   RSS: %s" % v["text"])
        lost_ok = not problems
        log("   load: %s" % ("CLEAN (nothing lost, no errors)" if lost_ok else "PROBLEMS"))
        for p in problems:
            log("     - %s" % p)
        if not lost_ok:
            code = 1
        elif v["flat"] is False:
            code = 2
        else:
            code = 0
        log("   RESULT: %s" % {0: "PASS", 1: "FAIL (load problems)", 2: "FAIL (RSS not flat)"}[code]
            + ("" if v["flat"] is not None else " (too few samples for an RSS verdict)"))
        return code


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True, help="agentd's agent port")
    p.add_argument("--pid", type=int, required=True, help="agentd's process id (for /proc)")
    p.add_argument("--redis-port", type=int, default=0, help="Redis port, for used_memory (optional)")
    p.add_argument("--minutes", type=float, default=10)
    p.add_argument("--rate", type=int, default=2000, help="msgs/s over all producers (0: none)")
    p.add_argument("--sample-seconds", type=float, default=10)
    p.add_argument("--producers", type=int, default=4)
    p.add_argument("--inboxes", type=int, default=4)
    p.add_argument("--subscribers-per-inbox", type=int, default=2)
    p.add_argument("--prefetch", type=int, default=200)
    p.add_argument("--size", type=int, default=200, help="bytes of padding per message")
    p.add_argument("--max-outstanding", type=int, default=2000, help="unanswered sends per producer")
    p.add_argument("--task-rate", type=float, default=2.0)
    p.add_argument("--workers", type=int, default=3)
    p.add_argument("--agents", type=int, default=20)
    p.add_argument("--vanish-seconds", type=float, default=8.0,
                   help="how long a vanishing registry agent stays away (> agentd's heartbeat timeout)")
    p.add_argument("--churn-rate", type=float, default=10.0, help="short-lived connections per second")
    p.add_argument("--churn-ids", type=int, default=0,
                   help="distinct agent ids the sending churn connections use; 0 (default): a fresh id each")
    p.add_argument("--drain-seconds", type=int, default=60)
    p.add_argument("--csv", help="write the samples to this CSV file")
    for part in ("churn", "tasks", "registry", "fetch", "push"):
        p.add_argument("--no-" + part, action="store_true")
    a = p.parse_args(argv)
    if a.no_fetch and a.no_push and a.rate > 0:
        p.error("--no-fetch and --no-push leave nobody to consume the messages")
    if a.inboxes < 2 and not (a.no_fetch or a.no_push):
        p.error("--inboxes must be at least 2 with both push and fetch consumers")
    return a


def main(argv):
    a = parse(argv)
    try:
        return asyncio.run(Soak(a).main())
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
