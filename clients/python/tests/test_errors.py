"""Wire error codes -> exception classes, each provoked on the real agentd."""

import os
import re
import socket
import time

import pytest

import agentd_client
from agentd_client import (ERROR_CLASSES, AgentdError, BadJson, BadRequest, Client, ConnectionLost, Forbidden,
                           FrameTooLarge, Internal, NotFound, Overloaded, RequestTimeout, Unauthenticated,
                           Unavailable, UnknownOp, error_from_reply)
from conftest import wait_until

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "docs", "protocol.md")


def test_one_class_per_code_of_the_documented_errors_table():
    with open(DOCS, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## Errors", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", section, re.M))
    assert len(documented) == 10
    assert set(ERROR_CLASSES) == documented
    for code, cls in ERROR_CLASSES.items():
        assert issubclass(cls, AgentdError) and cls.wire_code == code
        assert getattr(agentd_client, cls.__name__) is cls


def test_error_from_reply_maps_codes_and_keeps_unknown_ones():
    e = error_from_reply({"id": 1, "ok": False, "error": {"code": "internal", "message": "boom"}})
    assert type(e) is Internal and e.code == "internal" and e.message == "boom"
    future = error_from_reply({"id": 1, "ok": False, "error": {"code": "quota_exceeded", "message": "later"}})
    assert type(future) is AgentdError and future.code == "quota_exceeded"


def test_bad_json_keeps_the_connection(agentd):
    c = agentd.client("alice")
    with pytest.raises(BadJson) as e:
        c.request_raw("this is not json")
    assert e.value.code == "bad_json" and e.value.reply["id"] is None
    with pytest.raises(BadJson):
        c.request_raw(b"\xff\xfe{}")
    assert c.ping()


def test_bad_request_names_the_field(agentd):
    c = agentd.client("alice")
    with pytest.raises(BadRequest) as e:
        c.fetch(limit=0)
    assert "limit" in e.value.message
    with pytest.raises(BadRequest):
        c.request("fetch", limit="10")  # strict types: no coercion
    with pytest.raises(BadRequest):
        c.send("bob", {}, "gossip")


def test_unknown_op(agentd):
    with pytest.raises(UnknownOp):
        agentd.client("alice").request("teleport")


def test_unauthenticated_before_hello(agentd):
    c = agentd.client()
    with pytest.raises(Unauthenticated):
        c.fetch()
    assert c.ping()


def test_forbidden(agentd):
    c = agentd.client()
    with pytest.raises(Forbidden):
        c.hello("agentd")  # reserved for the server
    w = agentd.client("w-1")
    w.register("worker", [])
    with pytest.raises(Forbidden):
        w.assign_task("x", [])
    with pytest.raises(Forbidden):
        w.send_message({"to_agent": "bob", "from_agent": "mallory", "message_type": "status_update", "content": {}})


def test_not_found(agentd):
    with pytest.raises(NotFound):
        agentd.client("alice").task("t-missing")


def test_frame_too_large_then_the_client_reconnects(agentd_factory):
    agentd = agentd_factory({"AGENTD_MAX_FRAME_BYTES": "4096"})
    c = agentd.client("alice", backoff_initial=0.02)
    with pytest.raises(FrameTooLarge) as e:
        c.send("bob", {"blob": "x" * 10000})
    assert e.value.code == "frame_too_large"
    # agentd closed the connection after that reply; the client comes back by itself
    assert wait_until(lambda: c.is_connected() and c.reconnects == 1, 5, what="reconnect")
    assert c.send("bob", {"small": True}).message_id
    assert [m["content"] for m in agentd.client("bob").fetch()] == [{"small": True}]


def test_unavailable_when_redis_is_gone(agentd_factory, redis_factory):
    redis = redis_factory()
    agentd = agentd_factory({"AGENTD_STORE_TIMEOUT_MS": "300"}, redis=redis.address)
    c = agentd.client("alice")
    c.send("bob", {"before": True})
    redis.kill()
    t0 = time.monotonic()
    with pytest.raises(Unavailable) as e:
        c.send("bob", {"during": True}, message_id="retry-me")
    assert e.value.retryable and time.monotonic() - t0 < 5
    assert c.health()["store"] == "down"


def test_overloaded_past_max_connections(agentd_factory):
    agentd = agentd_factory({"AGENTD_MAX_CONNECTIONS": "1"})
    first = agentd.client("alice")
    second = Client(agentd.host, agentd.port, agent_id="bob", reconnect=False)
    with pytest.raises((Overloaded, ConnectionLost)) as e:
        second.connect()
    # agentd writes one overloaded reply and closes; depending on timing the client sees
    # that reply (Overloaded) or only the close. Read the raw line to pin the code down.
    raw = socket.create_connection((agentd.host, agentd.port), timeout=5)
    line = raw.makefile("rb").readline()
    raw.close()
    assert b'"overloaded"' in line
    assert first.ping()
    if isinstance(e.value, Overloaded):
        assert e.value.retryable


def test_request_timeout(agentd):
    c = agentd.client("alice", read_timeout=0.3)
    with pytest.raises(RequestTimeout):
        c.request("fetch", wait_ms=2000)
    # Replies come in request order, so this ping is answered right after the late fetch
    # reply, which the client drops (nobody waits for it any more).
    t0 = time.monotonic()
    assert c.request("ping", timeout=5)["pong"] is True
    assert time.monotonic() - t0 > 1.0
    assert c.ping()


def test_connect_refused_is_connection_lost():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    with pytest.raises(ConnectionLost):
        Client("127.0.0.1", port, connect_timeout=1).connect()
