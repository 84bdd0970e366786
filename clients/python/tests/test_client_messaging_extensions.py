"""The messaging ops of the agent-native extensions through Client and AsyncClient, against
the real agentd: nack(dead_letter=True), traceparent on send, request."""

import asyncio
import threading

from agentd_client import AsyncClient, RequestResult

TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_nack_dead_letter_moves_at_once(agentd):
    agentd.client("alice").send("bob", {"bad": True}, message_id="poison-1")
    b = agentd.client("bob")
    got = b.fetch()
    assert got[0]["delivery"]["attempt"] == 1
    assert b.nack(["poison-1", "unknown"], dead_letter=True) == 1
    assert b.fetch(wait_ms=200) == []
    dead = b.dead_letters()
    assert [m["message_id"] for m in dead] == ["poison-1"]
    assert dead[0]["dead"]["reason"] == "rejected"


def test_traceparent_is_echoed(agentd):
    agentd.client("alice").send("bob", {"n": 1}, traceparent=TRACE)
    got = agentd.client("bob").fetch()
    assert got[0]["traceparent"] == TRACE


def test_request_gets_the_reply(agentd):
    helper = agentd.client("helper")

    def serve() -> None:
        m = helper.fetch(wait_ms=5000)[0]
        assert m["reply_to"] == "asker"
        helper.send(m["reply_to"], {"sum": m["content"]["a"] + 1}, "task_response",
                    correlation_id=m["correlation_id"])

    t = threading.Thread(target=serve)
    t.start()
    result = agentd.client("asker").request_reply(to_agent="helper", content={"a": 41}, timeout_ms=10_000)
    t.join(10)
    assert isinstance(result, RequestResult)
    assert result.timed_out is False and result.reply is not None
    assert result.reply["content"] == {"sum": 42}
    assert isinstance(result.message_id, str)


def test_request_times_out(agentd):
    result = agentd.client("asker").request_reply({"to_agent": "nobody", "message_type": "task_request",
                                              "content": {}}, timeout_ms=300)
    assert result.reply is None and result.timed_out is True


def test_async_request_and_dead_letter(agentd):
    async def main() -> None:
        async with AsyncClient(agentd.host, agentd.port, agent_id="async-asker") as c:
            result = await c.request_reply(to_agent="nobody-async", content={}, timeout_ms=200)
            assert result.timed_out is True
            await c.send("async-asker", {"x": 1}, traceparent=TRACE)
            got = await c.fetch()
            assert got[0]["traceparent"] == TRACE
            assert await c.nack([got[0]["message_id"]], dead_letter=True) == 1

    asyncio.run(main())
