"""Reconnect after agentd restarts: backoff, hello again, subscribe again."""

import threading
import time

import pytest

from agentd_client import Client, ConnectionLost
from conftest import free_port, wait_until


def test_reconnect_after_restart_says_hello_and_subscribes_again(agentd_factory):
    agentd = agentd_factory(port=free_port())
    port = agentd.port
    reconnected = threading.Event()
    sub = agentd.client("bob", backoff_initial=0.05, backoff_max=0.2, on_reconnect=lambda c: reconnected.set())
    sub.subscribe(prefetch=10)
    agentd.client("alice").send("bob", {"before": True})
    first = sub.next_message(5)
    assert first["content"] == {"before": True}
    sub.ack([first["message_id"]])

    agentd.kill()  # crash: no bye, the socket just closes
    assert wait_until(lambda: not sub.is_connected(), 5, what="disconnect noticed")
    time.sleep(0.5)  # a few failed attempts against a closed port
    agentd.restart()
    assert agentd.port == port
    assert reconnected.wait(10)
    assert sub.is_connected() and sub.reconnects == 1
    # the session is back as "bob" and subscribed: a new message is pushed without any call
    agentd.client("alice").send("bob", {"after": True})
    pushed = sub.next_message(5)
    assert pushed is not None and pushed["content"] == {"after": True}
    assert pushed["to_agent"] == "bob"
    assert sub.ack([pushed["message_id"]]) == 1


def test_requests_in_flight_fail_and_later_requests_wait_for_the_reconnect(agentd_factory):
    agentd = agentd_factory(port=free_port())
    c = agentd.client("alice", backoff_initial=0.05, backoff_max=0.2, read_timeout=10)
    pending = c.submit("fetch", wait_ms=10000)  # parked in agentd when it dies
    time.sleep(0.2)
    agentd.kill()
    with pytest.raises(ConnectionLost):
        pending.result(5)

    result = {}

    def later():
        result["pong"] = c.ping()  # waits while the client reconnects

    t = threading.Thread(target=later)
    t.start()
    time.sleep(0.5)
    agentd.restart()
    t.join(10)
    assert result == {"pong": True}
    assert c.agent_id == "alice" and c.send("bob", {"x": 1}).message_id


def test_messages_in_flight_at_a_crash_are_redelivered_after_reconnect(agentd_factory):
    agentd = agentd_factory(port=free_port())
    agentd.client("alice").send("bob", {"job": 1})
    b = agentd.client("bob", backoff_initial=0.05)
    (m,) = b.fetch()
    agentd.kill()
    agentd.restart()
    assert wait_until(lambda: b.is_connected() and b.reconnects == 1, 10, what="reconnect")
    # The restarted agentd is a new daemon (a fresh default daemon_id): it takes the dead
    # one's deliveries over once that one's lease (daemon_lease_ms, 5 s) has run out.
    (again,) = b.fetch(wait_ms=10000)
    assert again["message_id"] == m["message_id"] and again["delivery"]["attempt"] == 2


def test_graceful_restart_via_sigterm(agentd_factory):
    agentd = agentd_factory(port=free_port())
    c = agentd.client("alice", backoff_initial=0.05, backoff_max=0.2)
    assert agentd.terminate() == 0
    agentd.restart()
    assert wait_until(lambda: c.is_connected() and c.reconnects >= 1, 10, what="reconnect")
    assert c.ping()


def test_without_reconnect_the_client_stays_down(agentd_factory):
    agentd = agentd_factory(port=free_port())
    c = agentd.client("alice", reconnect=False)
    agentd.kill()
    assert wait_until(lambda: not c.is_connected(), 5, what="disconnect")
    with pytest.raises(ConnectionLost):
        c.ping()
    agentd.restart()
    time.sleep(0.3)
    assert not c.is_connected() and c.reconnects == 0


def test_gives_up_after_max_reconnect_attempts(agentd_factory):
    agentd = agentd_factory(port=free_port())
    c = agentd.client("alice", backoff_initial=0.02, backoff_max=0.05, max_reconnect_attempts=3)
    agentd.kill()
    wait_until(lambda: c._state == "failed", 5, what="giving up")
    with pytest.raises(ConnectionLost):
        c.ping()
    assert c.next_message(0.1) is None
