"""Failover between daemons of one system (same Redis, same key prefix): a client with
servers=[A, B] moves on when A dies (SIGKILL), drains (SIGTERM, bye) or refuses
(overloaded), restores its session, and nothing sent is lost.

Short timeouts keep these quick: a dead daemon's deliveries are taken over once its
lease (1 s) lapses and come again (attempt + 1) at most ack_timeout_ms (2 s) after their
delivery."""

import asyncio
import socket
import threading
import time

from agentd_client import AgentdError, AsyncClient, AsyncWorker, Client, Worker
from conftest import wait_until

FAST = {"AGENTD_ACK_TIMEOUT_MS": "2000", "AGENTD_DAEMON_LEASE_MS": "1000"}
OPTS = dict(backoff_initial=0.05, backoff_max=0.2, read_timeout=10, connect_timeout=2)


def send_retrying(c, to, content, message_id, timeout=15):
    """What a caller does after ConnectionLost: send again with the same message_id."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return c.send(to, content, message_id=message_id)
        except AgentdError as e:
            if not e.retryable or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def track(deliveries, acked, c, m):
    deliveries.setdefault(m["message_id"], []).append(m["delivery"]["attempt"])
    if c.ack([m["message_id"]]) > 0:
        acked.add(m["message_id"])


def test_threaded_client_moves_on_when_its_daemon_is_killed(agentd_cluster):
    a, b = agentd_cluster(2, FAST)
    servers = [a.address, b.address]
    bob = Client(servers=servers, agent_id="bob", **OPTS).connect()
    alice = Client(servers=servers, agent_id="alice", **OPTS).connect()
    try:
        assert bob.server == a.address and alice.server == a.address
        bob.subscribe(prefetch=5)
        ids = ["before-%d" % i for i in range(8)]
        for mid in ids:
            alice.send("bob", {"id": mid}, message_id=mid)
        deliveries, acked = {}, set()
        held = [bob.next_message(5) for _ in range(2)]  # delivered on A, never acked there
        for _ in range(3):
            track(deliveries, acked, bob, bob.next_message(5))

        a.kill()
        after = ["after-%d" % i for i in range(8)]
        for mid in after:  # the first ones fail with ConnectionLost or wait: retried, stored once
            send_retrying(alice, "bob", {"id": mid}, mid)
        assert alice.server == b.address
        assert wait_until(lambda: bob.is_connected() and bob.server == b.address, 10, what="bob on B")
        assert bob.reconnects == 1 and bob.agent_id == "bob"

        deadline = time.monotonic() + 20
        while set(ids + after) - acked and time.monotonic() < deadline:
            m = bob.next_message(0.5)  # pushes on B: the subscription (prefetch 5) was restored
            if m is not None:
                track(deliveries, acked, bob, m)
        assert set(ids + after) - acked == set(), deliveries
        for m in held:  # the unacked ones came again through B
            assert max(deliveries[m["message_id"]]) >= 2, deliveries
        for mid, attempts in deliveries.items():
            assert attempts.count(1) <= 1, (mid, attempts)  # each stored once
        q = bob.stats()["queues"]
        assert q["pending"] == 0 and q["in_flight"] == 0
    finally:
        bob.close()
        alice.close()


def test_async_client_moves_on_when_its_daemon_is_killed(agentd_cluster):
    a, b = agentd_cluster(2, FAST)

    async def main():
        bob = await AsyncClient(servers=[a.address, b.address], agent_id="bob", **OPTS).connect()
        async with AsyncClient(b.host, b.port, agent_id="alice") as alice:
            await bob.subscribe(prefetch=3)
            for i in range(4):
                await alice.send("bob", {"i": i}, message_id="x-%d" % i)
            first = await bob.next_message(5)
            await bob.ack([first["message_id"]])
            held = await bob.next_message(5)  # left unacked on A
            await asyncio.get_running_loop().run_in_executor(None, a.kill)
            for i in range(4, 8):
                await alice.send("bob", {"i": i}, message_id="x-%d" % i)
            acked, attempts = {first["message_id"]}, {}
            deadline = asyncio.get_running_loop().time() + 20
            while len(acked) < 8 and asyncio.get_running_loop().time() < deadline:
                m = await bob.next_message(0.5)
                if m is not None:
                    attempts.setdefault(m["message_id"], []).append(m["delivery"]["attempt"])
                    if await bob.ack([m["message_id"]]) > 0:
                        acked.add(m["message_id"])
            assert acked == {"x-%d" % i for i in range(8)}, attempts
            assert max(attempts[held["message_id"]]) >= 2
            assert bob.server == b.address and bob.reconnects == 1
        await bob.close()

    asyncio.run(asyncio.wait_for(main(), 60))


def test_worker_finishes_a_task_through_the_other_daemon(agentd_cluster):
    a, b = agentd_cluster(2, FAST)
    boss = b.client("boss")
    boss.register("supervisor", [])
    entered, release, runs = threading.Event(), threading.Event(), []

    def handler(task):
        runs.append(task.attempt)
        entered.set()
        assert release.wait(20)
        return {"done": task.parameters["n"]}

    w = Worker("w-1", handler, servers=[a.address, b.address], capabilities=["fo"], heartbeat_interval=0.5,
               **OPTS).start()
    try:
        assert w.client.server == a.address
        res = boss.assign_task("job", ["fo"], parameters={"n": 7})
        assert entered.wait(10)
        a.kill()  # the task's daemon dies mid-task
        assert wait_until(lambda: w.client.is_connected() and w.client.server == b.address, 10, what="failover")
        release.set()
        assert wait_until(lambda: boss.task(res.task_id)["state"] == "completed", 15, what="completed")
        assert boss.task(res.task_id)["result"] == {"done": 7}
        # the task_request delivered on A is acked through B (after B took it over), and
        # its redelivery does not run the handler again
        assert wait_until(lambda: boss.stats()["queues"]["in_flight"] == 0, 15, what="task_request acked")
        time.sleep(0.5)
        assert runs == [1] and w.stats["completed"] == 1
    finally:
        release.set()
        w.stop(timeout=5)


def test_sigterm_bye_moves_on_and_restores_the_subscription(agentd_cluster):
    a, b = agentd_cluster(2)
    bob = Client(servers=[a.address, b.address], agent_id="bob", **OPTS).connect()
    try:
        bob.subscribe(prefetch=2)
        assert a.terminate() == 0  # drains: {"event": "bye", "reason": "shutdown"}
        assert wait_until(lambda: bob.is_connected() and bob.server == b.address, 10, what="bob on B")
        assert bob.last_bye_reason == "shutdown"
        assert bob.next_event(1) == {"event": "bye", "reason": "shutdown"}
        b.client("alice").send("bob", {"after": "bye"})
        m = bob.next_message(5)
        assert m is not None and m["content"] == {"after": "bye"}
    finally:
        bob.close()


def test_overloaded_daemon_at_connect_sends_the_client_to_the_next(agentd_cluster):
    a, b = agentd_cluster(2, envs=[{"AGENTD_MAX_CONNECTIONS": "1"}, {}])
    hog = socket.create_connection((a.host, a.port))  # A's only connection
    try:
        time.sleep(0.2)
        c = Client(servers=[a.address, b.address], agent_id="late", **OPTS).connect()
        assert c.server == b.address and c.ping()
        assert c.server_info["agent_id"] == "late"
        c.close()
        c = Client(servers=[a.address], agent_id="late", **OPTS)
        try:
            c.connect()
            raise AssertionError("a full daemon accepted the session")
        except AgentdError as e:
            assert e.retryable  # overloaded, or the connection it closed at once
    finally:
        hog.close()


def test_async_worker_runs_tasks_and_acks_after_the_handler(agentd):
    boss = agentd.client("boss")
    boss.register("supervisor", [])

    async def handler(task):
        await task.progress(50, stage="half")
        if task.parameters.get("fail"):
            raise ValueError("no")
        await asyncio.sleep(0.1)
        return {"n": task.parameters["n"] * 2}

    async def main():
        async with AsyncWorker("aw-1", handler, host=agentd.host, port=agentd.port, capabilities=["aw"],
                               concurrency=2, heartbeat_interval=0.2) as w:
            loop = asyncio.get_running_loop()
            ok = await loop.run_in_executor(None, lambda: boss.assign_task("x", ["aw"], parameters={"n": 21}))
            bad = await loop.run_in_executor(None, lambda: boss.assign_task("x", ["aw"], parameters={"fail": 1},
                                                                              max_retries=0))

            def states():
                return boss.task(ok.task_id)["state"], boss.task(bad.task_id)["state"]
            deadline = loop.time() + 10
            while await loop.run_in_executor(None, states) != ("completed", "failed") and loop.time() < deadline:
                await asyncio.sleep(0.05)
            assert await loop.run_in_executor(None, states) == ("completed", "failed")
            assert boss.task(ok.task_id)["result"] == {"n": 42}
            assert w.stats["completed"] == 1 and w.stats["failed"] == 1
            while (await w.client.stats())["queues"]["in_flight"] and loop.time() < deadline:
                await asyncio.sleep(0.05)
            assert (await w.client.stats())["queues"]["in_flight"] == 0
        assert not w.client.is_connected()

    asyncio.run(asyncio.wait_for(main(), 30))


def test_async_worker_finishes_a_task_through_the_other_daemon(agentd_cluster):
    a, b = agentd_cluster(2, FAST)
    boss = b.client("boss")
    boss.register("supervisor", [])
    runs = []

    async def main():
        release = asyncio.Event()

        async def handler(task):
            runs.append(task.attempt)
            await release.wait()
            return {"done": task.parameters["n"]}

        loop = asyncio.get_running_loop()

        async def until(predicate, what, timeout=15):
            deadline = loop.time() + timeout
            while not await loop.run_in_executor(None, predicate):
                assert loop.time() < deadline, "timed out waiting for " + what
                await asyncio.sleep(0.05)

        w = await AsyncWorker("aw-1", handler, servers=[a.address, b.address], capabilities=["fo"],
                              heartbeat_interval=0.5, **OPTS).start()
        try:
            res = await loop.run_in_executor(None, lambda: boss.assign_task("job", ["fo"], parameters={"n": 3}))
            await until(lambda: runs, "the handler")
            await loop.run_in_executor(None, a.kill)
            await until(lambda: w.client.is_connected() and w.client.server == b.address, "failover")
            release.set()
            await until(lambda: boss.task(res.task_id)["state"] == "completed", "completed")
            await until(lambda: boss.stats()["queues"]["in_flight"] == 0, "task_request acked")
            await asyncio.sleep(0.5)
            assert runs == [1] and w.stats["completed"] == 1
        finally:
            release.set()
            await w.stop(timeout=5)

    asyncio.run(asyncio.wait_for(main(), 60))
