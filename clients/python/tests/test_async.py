"""AsyncClient: the same ops, pipelining, pushed messages and reconnects, on asyncio."""

import asyncio
import inspect

import pytest

from agentd_client import (AsyncClient, BadJson, BadRequest, Client, ConnectionLost, Forbidden, NotFound,
                           Unauthenticated, UnknownOp)
from conftest import free_port


def run(coro):
    return asyncio.run(asyncio.wait_for(coro, 60))


def test_same_surface_as_the_sync_client():
    sync_ops = {n for n, f in inspect.getmembers(Client, inspect.isfunction) if not n.startswith("_")}
    async_ops = {n for n, f in inspect.getmembers(AsyncClient, inspect.isfunction) if not n.startswith("_")}
    assert sync_ops - async_ops == set()
    for name in sync_ops:
        if name in ("is_connected",):
            continue
        fn = getattr(AsyncClient, name)
        assert inspect.iscoroutinefunction(fn) or inspect.isasyncgenfunction(fn), name
        assert list(inspect.signature(fn).parameters) == list(inspect.signature(getattr(Client, name)).parameters), name


def test_every_op(agentd):
    async def main():
        async with AsyncClient(agentd.host, agentd.port, agent_id="boss") as boss, \
                AsyncClient(agentd.host, agentd.port, agent_id="w-1") as w:
            assert await boss.ping() and boss.server_info["agent_id"] == "boss"
            assert (await boss.register("supervisor", []))["role"] == "supervisor"
            await w.register("worker", ["ocr"], max_concurrent_tasks=2, metadata={"k": 1})
            await w.heartbeat(status="idle")
            assert [a["agent_id"] for a in await boss.agents(role="worker", available=True)] == ["w-1"]
            sent = await boss.send("w-1", {"n": 2 ** 62}, "status_update", priority="low", message_id="a-1")
            assert sent.message_id == "a-1" and not sent.duplicate
            assert (await boss.send("w-1", {"n": 2 ** 62}, message_id="a-1")).duplicate
            (m,) = await w.fetch(wait_ms=2000)
            assert m["content"] == {"n": 2 ** 62}
            assert await w.nack([m["message_id"]]) == 1
            (m,) = await w.fetch(wait_ms=2000)
            assert m["delivery"]["attempt"] == 2 and await w.ack([m["message_id"]]) == 1
            res = await boss.assign_task("ocr", ["ocr"], parameters={"p": 1})
            assert res.assigned_to == "w-1"
            (req,) = await w.fetch(wait_ms=2000)
            await w.send("boss", {"task_id": res.task_id, "status": "completed", "result": 7}, "task_response")
            await w.ack([req["message_id"]])
            assert (await boss.task(res.task_id))["state"] == "completed"
            assert [t["task_id"] for t in await boss.tasks(state="completed")] == [res.task_id]
            pend = await boss.assign_task("x", ["nobody-has-this"])
            assert (await boss.cancel_task(pend.task_id))["state"] == "cancelled"
            assert await boss.broadcast("coordination", {"a": 1}) == 1
            assert await w.dead_letters() == []
            assert await w.requeue_dead(["none"]) == 0
            stats = await boss.stats()
            assert stats["coordination"]["completed"] == 1 and stats["coordination"]["cancelled"] == 1
            assert (await boss.health())["store"] == "up"
            assert await w.subscribe(prefetch=5) is True
            assert await w.unsubscribe() is False
            await w.deregister()
            await w.bye()
            assert not w.is_connected()
    run(main())


def test_errors_are_the_same_classes(agentd):
    async def main():
        c = await AsyncClient(agentd.host, agentd.port).connect()
        try:
            with pytest.raises(Unauthenticated):
                await c.fetch()
            with pytest.raises(Forbidden):
                await c.hello("agentd")
            await c.hello("alice")
            with pytest.raises(BadJson):
                await c.request_raw("nope")
            with pytest.raises(BadRequest):
                await c.fetch(limit=100000)
            with pytest.raises(UnknownOp):
                await c.request("warp")
            with pytest.raises(NotFound):
                await c.task("t-0")
        finally:
            await c.close()
    run(main())


def test_concurrent_requests_are_pipelined_and_matched(agentd):
    async def main():
        async with AsyncClient(agentd.host, agentd.port, agent_id="alice") as c:
            results = await asyncio.gather(*[c.send("bob", {"i": i}, message_id="q-%d" % i) for i in range(200)])
            assert [r.message_id for r in results] == ["q-%d" % i for i in range(200)]
            futs = [await c.submit("ping") for _ in range(50)]
            assert all(r["pong"] for r in await asyncio.gather(*futs))
            assert (await c.stats())["queues"]["sent_total"] == 200
    run(main())


def test_async_for_messages(agentd):
    async def main():
        async with AsyncClient(agentd.host, agentd.port, agent_id="bob") as b, \
                AsyncClient(agentd.host, agentd.port, agent_id="alice") as a:
            await b.subscribe(prefetch=100)
            for i in range(10):
                await a.send("bob", {"i": i})
            got = []
            async for m in b.messages(idle_timeout=5):
                got.append(m["content"]["i"])
                await b.ack([m["message_id"]])
                if len(got) == 10:
                    break
            assert got == list(range(10))
            assert await b.next_message(0.3) is None
    run(main())


def test_async_on_message_coroutine_callback(agentd):
    async def main():
        got = asyncio.Queue()

        async def on_message(m):
            await b.ack([m["message_id"]])
            await got.put(m["content"])

        b = AsyncClient(agentd.host, agentd.port, agent_id="bob", on_message=on_message)
        await b.connect()
        await b.subscribe()
        async with AsyncClient(agentd.host, agentd.port, agent_id="alice") as a:
            await a.send("bob", {"hi": 1})
            assert await asyncio.wait_for(got.get(), 5) == {"hi": 1}
            assert (await a.stats())["queues"]["acked_total"] == 1
        await b.close()
    run(main())


def test_async_reconnect_after_restart(agentd_factory):
    agentd = agentd_factory(port=free_port())

    async def main():
        b = await AsyncClient(agentd.host, agentd.port, agent_id="bob", backoff_initial=0.05,
                              backoff_max=0.2).connect()
        await b.subscribe(prefetch=10)
        pending = await b.submit("fetch", wait_ms=10000)
        await asyncio.sleep(0.1)
        agentd.kill()
        with pytest.raises(ConnectionLost):
            await asyncio.wait_for(pending, 5)
        await asyncio.sleep(0.3)
        await asyncio.get_running_loop().run_in_executor(None, agentd.restart)
        assert await b.ping()  # waits for the reconnect
        assert b.reconnects == 1
        async with AsyncClient(agentd.host, agentd.port, agent_id="alice") as a:
            await a.send("bob", {"after": "restart"})
        m = await b.next_message(5)
        assert m is not None and m["content"] == {"after": "restart"}  # subscribed again
        await b.close()
    run(main())
