#!/usr/bin/env python3
"""A small client for agentd's wire protocol, used by the end-to-end tests.

Python 3 standard library only. Every read has a timeout, so a test can never hang
on a silent server.

    from wire import Conn
    c = Conn()                      # 127.0.0.1:$AGENTD_PORT
    c.hello("worker-1")
    r = c.call("fetch", limit=5)    # asserts ok, returns the reply
    e = c.expect_event(timeout=2)   # next pushed {"event": ...} frame

CLI (handy when poking at a running agentd by hand):

    python3 wire.py --port P '{"op":"ping"}' '{"op":"hello","agent_id":"a"}'

sends each argument as one line and prints each reply line.
"""

import json
import os
import re
import socket
import sys
import time

DEFAULT_TIMEOUT = 5.0

# RFC 3339 UTC with exactly three fraction digits, as the contract fixes for every time.
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


class Closed(Exception):
    """The server closed the connection (EOF) while we were waiting for a frame."""


class NoFrame(Exception):
    """No complete frame arrived before the timeout."""


def port_from_env():
    port = os.environ.get("AGENTD_PORT")
    if not port:
        raise SystemExit("AGENTD_PORT is not set (start_agentd sets it)")
    return int(port)


def tls_context(ca, cert=None, key=None):
    """A client TLS context trusting `ca`, presenting `cert`/`key` (mutual TLS) when given."""
    import ssl
    ctx = ssl.create_default_context(cafile=ca)
    if cert:
        ctx.load_cert_chain(cert, key)
    return ctx


class Conn:
    """One TCP connection to agentd, reading newline-delimited JSON frames."""

    def __init__(self, port=None, host="127.0.0.1", timeout=DEFAULT_TIMEOUT, tls=None, server_hostname="localhost"):
        """`tls`: an ssl.SSLContext (see tls_context) to speak TLS; the handshake happens here."""
        self.port = port if port is not None else port_from_env()
        self.timeout = timeout
        sock = socket.create_connection((host, self.port), timeout=timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if tls is not None:
            sock = tls.wrap_socket(sock, server_hostname=server_hostname)
        self.sock = sock
        self.buf = b""
        self.events = []  # events that arrived while we were waiting for a reply
        self.next_id = 1
        self.eof = False

    # -- writing -------------------------------------------------------------------

    def send_raw(self, data):
        """Write bytes exactly as given (no newline added)."""
        self.sock.sendall(data)

    def send_line(self, frame):
        """Write one frame: a dict is encoded as JSON; a str is sent as is. Adds `\\n`."""
        if isinstance(frame, dict):
            frame = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
        data = frame.encode("utf-8") if isinstance(frame, str) else frame
        if not data.endswith(b"\n"):
            data += b"\n"
        self.sock.sendall(data)

    # -- reading -------------------------------------------------------------------

    def recv_line(self, timeout=None):
        """The next raw line (bytes, without `\\n`). Raises NoFrame or Closed."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while b"\n" not in self.buf:
            if self.eof:
                raise Closed("connection closed by server (pending bytes: %r)" % self.buf[:200])
            left = deadline - time.monotonic()
            if left <= 0:
                raise NoFrame("no frame within %.1f s" % (self.timeout if timeout is None else timeout))
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                chunk = b""
            if not chunk:
                self.eof = True
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line

    def recv(self, timeout=None):
        """The next frame from the server (reply or event) as a dict."""
        line = self.recv_line(timeout)
        try:
            frame = json.loads(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise AssertionError("server sent a line that is not JSON: %r (%s)" % (line[:300], e))
        assert isinstance(frame, dict), "server sent a non-object frame: %r" % (line[:300],)
        return frame

    def recv_reply(self, timeout=None):
        """The next reply (a frame with `ok`), queuing any events that come before it."""
        while True:
            frame = self.recv(timeout)
            if "event" in frame and "ok" not in frame:
                self.events.append(frame)
                continue
            assert "ok" in frame, "frame is neither a reply nor an event: %r" % (frame,)
            return frame

    def expect_event(self, timeout=None):
        """The next event frame (queued ones first). Raises NoFrame if none arrives."""
        if self.events:
            return self.events.pop(0)
        frame = self.recv(timeout)
        assert "event" in frame and "ok" not in frame, "expected an event, got %r" % (frame,)
        return frame

    def collect_events(self, quiet=1.0, limit=None):
        """Every event that arrives until none has come for `quiet` seconds."""
        got = []
        while limit is None or len(got) < limit:
            try:
                got.append(self.expect_event(timeout=quiet))
            except NoFrame:
                break
        return got

    def expect_nothing(self, timeout=1.0):
        """Assert that no frame arrives within `timeout` seconds."""
        assert not self.events, "unexpected queued events: %r" % (self.events,)
        try:
            frame = self.recv(timeout)
        except NoFrame:
            return
        raise AssertionError("expected silence for %.1f s, got %r" % (timeout, frame))

    def expect_eof(self, timeout=None):
        """Assert the server closes the connection (EOF) within `timeout`; frames before it are returned."""
        frames = []
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("server did not close the connection; frames seen: %r" % (frames,))
            try:
                frames.append(self.recv(left))
            except Closed:
                return frames
            except NoFrame:
                continue

    # -- requests ------------------------------------------------------------------

    def request(self, op, _id=None, timeout=None, **fields):
        """Send `op` with a fresh numeric id (or `_id`) and return its reply dict."""
        if _id is None:
            _id = self.next_id
            self.next_id += 1
        frame = {"op": op, "id": _id}
        frame.update(fields)
        self.send_line(frame)
        reply = self.recv_reply(timeout)
        assert reply.get("id") == _id, "reply id %r does not echo request id %r: %r" % (reply.get("id"), _id, reply)
        return reply

    def call(self, op, **fields):
        """Like request, but asserts the reply is ok."""
        reply = self.request(op, **fields)
        assert reply.get("ok") is True, "%s %r failed: %r" % (op, fields, reply)
        return reply

    def hello(self, agent_id, **fields):
        return self.call("hello", agent_id=agent_id, **fields)

    def send(self, to_agent, content=None, message_type="status_update", **fields):
        """Send one message and assert it was accepted; returns the reply."""
        message = {"to_agent": to_agent, "message_type": message_type,
                   "content": {} if content is None else content}
        message.update(fields)
        return self.call("send", message=message)

    def fetch(self, **fields):
        return self.call("fetch", **fields)["messages"]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def error_code(reply):
    """The error code of a failed reply, or None for a success."""
    if reply.get("ok") is True:
        return None
    return (reply.get("error") or {}).get("code")


def expect_error(reply, code, field=None):
    """Assert the reply failed with `code` (and that its message names `field`, if given)."""
    assert reply.get("ok") is False, "expected error %s, got success %r" % (code, reply)
    err = reply.get("error")
    assert isinstance(err, dict), "error is not an object: %r" % (reply,)
    assert err.get("code") == code, "expected error %s, got %r" % (code, reply)
    assert isinstance(err.get("message"), str), "error has no message: %r" % (reply,)
    if field is not None:
        assert field in err["message"], "error message %r does not name %r" % (err["message"], field)


def fetch_until(conn, want, deadline_s=5.0, **fields):
    """Fetch repeatedly (short waits) until `want` messages were collected or time runs out."""
    got = []
    end = time.monotonic() + deadline_s
    while len(got) < want and time.monotonic() < end:
        wait = max(0, min(500, int((end - time.monotonic()) * 1000)))
        got.extend(conn.fetch(wait_ms=wait, **fields))
    return got


def stats(conn):
    return conn.call("stats")


def main(argv):
    port = None
    lines = []
    timeout = DEFAULT_TIMEOUT
    i = 0
    while i < len(argv):
        if argv[i] == "--port":
            port = int(argv[i + 1])
            i += 2
        elif argv[i] == "--timeout":
            timeout = float(argv[i + 1])
            i += 2
        else:
            lines.append(argv[i])
            i += 1
    c = Conn(port, timeout=timeout)
    for line in lines:
        c.send_line(line)
        try:
            print(c.recv_line().decode("utf-8", "replace"))
        except (NoFrame, Closed) as e:
            print("# %s" % e)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
