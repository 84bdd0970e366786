"""The I/O-free core (agentd_client._core): framing, reply matching and the failover
state machine, driven by hand: no sockets, no threads, no clock."""

import pytest

from agentd_client import AsyncClient, Client, ConnectionLost, Forbidden, Overloaded, RequestTimeout, Worker
from agentd_client._core import (Backoff, Connect, Drop, FailPending, Failover, FrameDecoder, GiveUp, Ready,
                                 RequestTable, Send, ServerAddress, Session, encode_frame, parse_server,
                                 resolve_servers)

A, B, C = ServerAddress("a", 1), ServerAddress("b", 2), ServerAddress("c", 3)


def machine(servers=(A, B, C), agent="w-1", **kw):
    kw.setdefault("jitter", lambda: 1.0)
    return Failover(list(servers), session=Session(agent, "tok"), **kw)


def ready(m):
    """Bring a fresh machine to ready on its first server."""
    assert m.start() == Connect(m.server)
    step = m.opened()
    while isinstance(step, Send):
        step = m.step_ok({"ok": True})
    assert step == Ready(False)
    return m


# -- framing and matching ------------------------------------------------------------

def test_decoder_joins_split_lines_and_skips_garbage():
    d = FrameDecoder()
    assert d.feed(b'{"id":1,"ok":tr') == []
    assert d.feed(b'ue}\nnot json\n[1]\n\n{"event":"message","message":{}}\n{"id"') == [
        {"id": 1, "ok": True}, {"event": "message", "message": {}}]
    assert d.feed(b':2,"ok":false}\n') == [{"id": 2, "ok": False}]


def test_decoder_bounds_a_line():
    d = FrameDecoder(max_line_bytes=8)
    with pytest.raises(Exception):
        d.feed(b"0123456789")


def test_encode_frame_is_one_compact_line():
    assert encode_frame({"op": "ping", "id": 1, "s": "é"}) == '{"op":"ping","id":1,"s":"é"}\n'.encode()


def test_replies_match_by_id_and_idless_ones_take_the_oldest():
    t = RequestTable()
    k1, line1 = t.add("ping", {}, "w1")
    k2, _ = t.add("ping", {}, "w2")
    k3, _ = t.add("ping", {}, "w3")
    assert line1 == b'{"op":"ping","id":1}\n'
    assert t.match({"id": k2, "ok": True}) == "w2"
    assert t.match({"id": None, "ok": False}) == "w1"  # overloaded / bad_json: in order
    assert t.match({"id": 99, "ok": True}) is None  # not ours
    assert t.match({"id": True, "ok": True}) is None
    assert t.drain() == ["w3"] and len(t) == 0


def test_a_raw_line_is_answered_by_order():
    t = RequestTable()
    _, line = t.add_raw(b"nope", "raw")
    assert line == b"nope\n"
    assert t.match({"id": None, "ok": False}) == "raw"


# -- servers ---------------------------------------------------------------------------

def test_server_specs():
    assert parse_server("10.0.0.1:7421") == ServerAddress("10.0.0.1", 7421)
    assert parse_server("[::1]:7420") == ServerAddress("::1", 7420)
    assert str(parse_server("[::1]:7420")) == "[::1]:7420"
    assert parse_server("db") == ServerAddress("db", 7420)
    assert parse_server(("h", 9)) == ServerAddress("h", 9)
    for bad in ("::1:7420", "h:x", "h:0", "[::1", ""):
        with pytest.raises(ValueError):
            parse_server(bad)
    assert resolve_servers(None, None, None) == [ServerAddress("127.0.0.1", 7420)]
    assert resolve_servers("h", 1, None) == [ServerAddress("h", 1)]
    with pytest.raises(TypeError, match="not both"):
        resolve_servers("h", None, ["a:1"])
    with pytest.raises(TypeError):
        resolve_servers(None, None, "a:1")


def test_servers_and_host_together_is_a_type_error_everywhere():
    for make in (lambda: Client("h", servers=["a:1"]), lambda: AsyncClient(port=1, servers=["a:1"]),
                 lambda: Worker("w", lambda t: None, host="h", servers=["a:1"])):
        with pytest.raises(TypeError, match="servers"):
            make()
    c = Client(servers=["a:1", "[::1]:2"])
    assert c.server == "a:1" and c.servers == ["a:1", "[::1]:2"] and (c.host, c.port) == ("a", 1)


# -- the state machine -------------------------------------------------------------------

def test_connect_says_hello_then_ready():
    m = machine()
    assert m.start() == Connect(A)
    assert m.opened() == Send("hello", {"agent_id": "w-1", "token": "tok"})
    assert m.state == "connecting"
    assert m.step_ok({"ok": True}) == Ready(False)
    assert m.state == "ready" and m.session.hello_done


def test_connect_tries_each_server_once_then_gives_up():
    m = machine()
    m.start()
    assert m.failed(ConnectionLost("refused")) == Connect(B)
    m.opened()
    assert m.failed(Overloaded("max_connections")) == Connect(C)  # refused at hello: next
    act = m.failed(ConnectionLost("refused"))
    assert isinstance(act, GiveUp) and m.state == "failed"


def test_a_refused_hello_gives_up_at_once():
    m = machine()
    m.start()
    m.opened()
    act = m.failed(Forbidden("no"))
    assert isinstance(act, GiveUp) and isinstance(act.error, Forbidden)


def test_lost_fails_pending_then_moves_to_the_next_server_and_restores():
    m = ready(machine())
    m.subscribed(7)
    fail, connect = m.lost(OSError("reset"))
    assert isinstance(fail, FailPending) and isinstance(fail.error(), ConnectionLost)
    assert fail.error().retryable and "a:1" in str(fail.error())
    assert connect == Connect(B) and m.state == "reconnecting"
    assert m.opened() == Send("hello", {"agent_id": "w-1", "token": "tok"})
    assert m.state == "restoring"
    assert m.step_ok({"ok": True}) == Send("subscribe", {"prefetch": 7})
    assert m.step_ok({"ok": True}) == Ready(True)
    assert m.server == B


def test_backoff_between_full_rounds_doubles_up_to_the_max():
    m = ready(machine(backoff_initial=0.1, backoff_max=0.3))
    assert m.lost(None)[-1] == Connect(B)
    assert m.failed(ConnectionLost("x")) == Connect(C)
    assert m.failed(RequestTimeout("x")) == Connect(A)
    assert m.failed(ConnectionLost("x")) == Backoff(0.1)  # a full round: A, B, C
    assert m.backoff_done() == Connect(B)
    m.failed(ConnectionLost("x"))
    m.failed(ConnectionLost("x"))
    assert m.failed(ConnectionLost("x")) == Backoff(0.2)
    for _ in range(3):
        act = m.backoff_done()
        while isinstance(act, Connect):
            act = m.failed(ConnectionLost("x"))
    assert act == Backoff(0.3)
    # success resets the backoff
    m.backoff_done()
    m.opened()
    assert m.step_ok({}) == Ready(True)
    m.lost(None)
    for _ in range(2):
        m.failed(ConnectionLost("x"))
    assert m.failed(ConnectionLost("x")) == Backoff(0.1)


def test_one_server_retries_it_with_backoff_like_before():
    m = ready(machine(servers=[A], backoff_initial=0.05))
    assert m.lost(None)[-1] == Connect(A)  # at once
    assert m.failed(ConnectionLost("x")) == Backoff(0.05)
    assert m.backoff_done() == Connect(A)
    assert m.failed(ConnectionLost("x")) == Backoff(0.1)


def test_max_attempts_and_no_reconnect():
    m = ready(machine(max_attempts=2))
    m.lost(None)
    assert m.failed(ConnectionLost("x")) == Connect(C)
    assert isinstance(m.failed(ConnectionLost("x")), GiveUp)
    m = ready(machine(reconnect=False))
    fail, give_up = m.lost(None)
    assert isinstance(give_up, GiveUp) and m.state == "failed"


def test_bye_event_drops_the_connection_with_its_reason():
    m = ready(machine())
    assert m.event({"event": "message", "message": {}}) is None
    assert m.event({"event": "bye", "reason": "shutdown"}) == Drop("shutdown")
    fail, connect = m.lost(None)
    assert fail.bye_reason == "shutdown" and "bye: shutdown" in fail.message
    assert fail.error().bye_reason == "shutdown"
    assert connect == Connect(B)


def test_own_bye_and_close_do_not_reconnect():
    m = ready(machine())
    m.closing()
    assert [type(a) for a in m.lost(None)] == [FailPending]
    assert m.close() and not m.close()
    assert m.backoff_done().__class__.__name__ == "Idle"
    with pytest.raises(Exception):
        m.start()  # closed for good


def test_a_loss_while_restoring_is_reported_through_failed():
    m = ready(machine())
    m.lost(None)
    m.opened()
    assert [type(a) for a in m.lost(None)] == [FailPending]  # the hello in flight fails...
    assert m.failed(ConnectionLost("x")) == Connect(C)  # ...and its driver says so


def test_without_agent_nothing_is_restored_but_a_subscription():
    m = Failover([A, B], jitter=lambda: 1.0)
    assert m.start() == Connect(A)
    assert m.opened() == Ready(False)
    m.subscribed(None)
    m.lost(None)
    assert m.opened() == Send("subscribe", {})
    m.unsubscribed()
