"""Client behaviour agentd never shows on its own, checked against a scripted fake server:
replies matched by id even out of order, the token on every hello (also after a
reconnect), garbage lines ignored."""

import json
import time
import socket
import threading

from agentd_client import AsyncClient, Client
from conftest import wait_until


class FakeServer:
    """Accepts connections; ``script(conn_no, frames_in, send)`` decides the answers."""

    def __init__(self, on_frame):
        self.on_frame = on_frame
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.received = []  # (connection number, frame)
        self.conns = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        n = 0
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            n += 1
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn, n), daemon=True).start()

    def _serve(self, conn, n):
        f = conn.makefile("rb")
        held = []

        def send(frame):
            conn.sendall((frame if isinstance(frame, str) else json.dumps(frame)).encode() + b"\n")

        for line in f:
            frame = json.loads(line)
            self.received.append((n, frame))
            self.on_frame(n, frame, send, held)

    def drop_all(self):
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()

    def close(self):
        self.sock.close()
        self.drop_all()


def test_replies_out_of_order_and_events_between_them_are_matched_by_id():
    def on_frame(n, frame, send, held):
        if frame["op"] == "hello":
            send({"id": frame["id"], "ok": True, "server": "fake", "protocol": 1, "agent_id": frame["agent_id"]})
        elif frame["op"] == "ping":
            held.append(frame)
            if len(held) == 3:  # answer the three pings in reverse, with junk and an event in between
                send("this line is not json")
                send({"event": "message", "message": {"message_id": "m-1", "content": {}}})
                for f in reversed(held):
                    send({"id": f["id"], "ok": True, "pong": f["tag"]})

    server = FakeServer(on_frame)
    try:
        c = Client("127.0.0.1", server.port, agent_id="a", reconnect=False).connect()
        futs = [c.submit("ping", tag=i) for i in range(3)]
        assert [f.result(5)["pong"] for f in futs] == [0, 1, 2]
        assert c.next_message(1)["message_id"] == "m-1"
        c.close()
    finally:
        server.close()


def test_token_is_sent_with_every_hello_including_after_a_reconnect():
    def on_frame(n, frame, send, held):
        reply = {"id": frame["id"], "ok": True}
        if frame["op"] == "hello":
            reply.update(server="fake", protocol=1, agent_id=frame["agent_id"])
        elif frame["op"] == "subscribe":
            reply["subscribed"] = True
        send(reply)

    server = FakeServer(on_frame)
    try:
        c = Client("127.0.0.1", server.port, agent_id="w-7", token="s3cret", backoff_initial=0.02).connect()
        c.subscribe(prefetch=7)
        server.drop_all()
        wait_until(lambda: c.reconnects == 1 and c.is_connected(), 5, what="reconnect")
        hellos = [(n, f) for n, f in server.received if f["op"] == "hello"]
        assert [(n, f["agent_id"], f["token"]) for n, f in hellos] == [(1, "w-7", "s3cret"), (2, "w-7", "s3cret")]
        subs = [(n, f["prefetch"]) for n, f in server.received if f["op"] == "subscribe"]
        assert subs == [(1, 7), (2, 7)]
        # on the new connection hello came first, then subscribe
        assert [f["op"] for n, f in server.received if n == 2][:2] == ["hello", "subscribe"]
        c.close()
    finally:
        server.close()


def test_async_client_matches_out_of_order_replies():
    import asyncio

    def on_frame(n, frame, send, held):
        if frame["op"] == "hello":
            send({"id": frame["id"], "ok": True, "agent_id": frame["agent_id"]})
            return
        held.append(frame)
        if len(held) == 2:
            for f in reversed(held):
                send({"id": f["id"], "ok": True, "pong": f["tag"]})

    server = FakeServer(on_frame)

    async def main():
        c = await AsyncClient("127.0.0.1", server.port, agent_id="a", token="t", reconnect=False).connect()
        a, b = await asyncio.gather(c.request("ping", tag="first"), c.request("ping", tag="second"))
        assert (a["pong"], b["pong"]) == ("first", "second")
        await c.close()

    try:
        asyncio.run(asyncio.wait_for(main(), 10))
        assert [f.get("token") for _, f in server.received if f["op"] == "hello"] == ["t"]
    finally:
        server.close()


def test_a_refused_hello_after_reconnect_stops_reconnecting():
    def on_frame(n, frame, send, held):
        if frame["op"] == "hello" and n >= 2:  # the second connection is refused
            send({"id": frame["id"], "ok": False, "error": {"code": "forbidden", "message": "go away"}})
        else:
            send({"id": frame["id"], "ok": True, "agent_id": frame.get("agent_id")})

    server = FakeServer(on_frame)
    try:
        c = Client("127.0.0.1", server.port, agent_id="a", backoff_initial=0.02).connect()
        server.drop_all()
        wait_until(lambda: c._state == "failed", 5, what="giving up")
        hellos = lambda: len([1 for _, f in server.received if f["op"] == "hello"])  # noqa: E731
        given_up_at = hellos()
        # 2, or 3 when the refused reconnect itself was cut before its answer (a loaded machine).
        assert 2 <= given_up_at <= 3, given_up_at
        time.sleep(0.3)
        assert hellos() == given_up_at  # no retry loop after giving up
        assert not c.is_connected()
    finally:
        server.close()


def test_a_silent_server_during_restore_is_retried():
    answered = []

    def on_frame(n, frame, send, held):
        if frame["op"] == "hello" and n == 2:
            return  # connection 2 never answers its hello: the client must give it up and try again
        answered.append(n)
        send({"id": frame["id"], "ok": True, "agent_id": frame.get("agent_id")})

    server = FakeServer(on_frame)
    try:
        c = Client("127.0.0.1", server.port, agent_id="a", backoff_initial=0.02, read_timeout=0.5,
                   connect_timeout=0.5).connect()
        server.drop_all()
        wait_until(lambda: c.is_connected() and c.reconnects == 1, 10, what="reconnect via a third connection")
        assert 3 in answered and c.request("ping")["ok"] is True
        c.close()
    finally:
        server.close()
