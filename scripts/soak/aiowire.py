"""An asyncio client for agentd's wire protocol, made for sustained load (scripts/soak.sh).

Python 3 standard library only. One `AConn` is one TCP connection: requests may be
pipelined (replies come back in request order, so a FIFO of futures pairs them up),
pushed events go to a callback, and every wait is bounded by the caller.

    c = await AConn.open(port, "worker-1", on_event=handle)   # connect + hello
    fut = c.request("send", message={...})                    # returns a future (pipelined)
    reply = await asyncio.wait_for(fut, 10)
    c.abort()                                                  # RST, nothing flushed
"""

import asyncio
import collections
import json
import socket
import struct
import time

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_loads = json.loads
_now = time.monotonic


class ConnectionLost(Exception):
    """The connection ended while a reply was still owed."""


class AConn:
    def __init__(self, reader, writer, name, on_event=None, on_batch=None):
        self.reader = reader
        self.writer = writer
        self.name = name
        self.on_event = on_event   # called with each event frame (a dict)
        self.on_batch = on_batch   # called after each chunk read (to flush batched acks)
        self.waiting = collections.deque()  # (id, future, sent at) in request order
        self.corked = None         # list of frames held back while corked
        self.next_id = 1
        self.closed = False
        self.closing = False       # we closed it on purpose: losing it is not an error
        self.lost_error = None
        self.frames_in = 0
        self._task = asyncio.get_running_loop().create_task(self._read_loop())

    @classmethod
    async def open(cls, port, agent_id=None, on_event=None, on_batch=None, timeout=10.0, host="127.0.0.1"):
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port, limit=1 << 22), timeout)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = cls(reader, writer, agent_id or "anonymous", on_event, on_batch)
        if agent_id is not None:
            try:
                reply = await asyncio.wait_for(conn.request("hello", agent_id=agent_id), timeout)
            except BaseException:
                conn.abort()
                raise
            if reply.get("ok") is not True:
                conn.abort()
                raise RuntimeError("hello %s failed: %r" % (agent_id, reply))
        return conn

    # -- writing -------------------------------------------------------------------

    def request(self, op, **fields):
        """Write one request; returns a future resolved with its reply dict."""
        fut = asyncio.get_running_loop().create_future()
        if self.closed:
            fut.set_exception(ConnectionLost("%s: connection closed" % self.name))
            return fut
        rid = self.next_id
        self.next_id += 1
        fields["op"] = op
        fields["id"] = rid
        self.waiting.append((rid, fut, _now()))
        data = _dumps(fields).encode("utf-8") + b"\n"
        if self.corked is not None:
            self.corked.append(data)
        else:
            self.writer.write(data)
        return fut

    def cork(self):
        """Hold writes back until uncork(), which sends them in one write."""
        if self.corked is None:
            self.corked = []

    def uncork(self):
        frames, self.corked = self.corked, None
        if frames and not self.closed:
            self.writer.write(b"".join(frames))

    async def call(self, op, timeout=10.0, **fields):
        """Request and wait (bounded) for the reply."""
        return await asyncio.wait_for(self.request(op, **fields), timeout)

    def write_raw(self, data):
        if not self.closed:
            self.writer.write(data)

    def outstanding(self):
        return len(self.waiting)

    def oldest_age(self):
        """Seconds the oldest unanswered request has waited (0 when none)."""
        return _now() - self.waiting[0][2] if self.waiting else 0.0

    def buffered(self):
        t = self.writer.transport
        return 0 if t is None or t.is_closing() else t.get_write_buffer_size()

    async def drain(self, timeout=10.0):
        if not self.closed:
            await asyncio.wait_for(self.writer.drain(), timeout)

    # -- reading -------------------------------------------------------------------

    async def _read_loop(self):
        buf = b""
        err = None
        try:
            while True:
                chunk = await self.reader.read(1 << 18)
                if not chunk:
                    break
                buf += chunk
                if b"\n" not in chunk:
                    continue
                lines = buf.split(b"\n")
                buf = lines.pop()
                for line in lines:
                    if not line.strip():
                        continue
                    frame = _loads(line)
                    self.frames_in += 1
                    if "ok" in frame:
                        self._resolve(frame)
                    elif "event" in frame:
                        if self.on_event is not None:
                            self.on_event(self, frame)
                    else:
                        raise ValueError("%s: frame neither reply nor event: %r" % (self.name, line[:200]))
                if self.on_batch is not None:
                    self.on_batch(self)
        except (ConnectionError, OSError) as e:
            err = e
        except asyncio.CancelledError:
            err = ConnectionLost("cancelled")
        except Exception as e:  # a protocol violation: surface it to whoever waits
            err = e
        self._lost(err)

    def _resolve(self, frame):
        if not self.waiting:
            raise ValueError("%s: reply with nothing outstanding: %r" % (self.name, frame))
        rid, fut, _ = self.waiting.popleft()
        if frame.get("id") != rid and frame.get("id") is not None:
            raise ValueError("%s: reply id %r, expected %r" % (self.name, frame.get("id"), rid))
        if not fut.done():
            fut.set_result(frame)

    def _lost(self, err):
        self.closed = True
        if err is not None and self.lost_error is None and not self.closing:
            self.lost_error = err
        while self.waiting:
            _, fut, _ = self.waiting.popleft()
            if not fut.done():
                fut.set_exception(ConnectionLost("%s: connection lost (%r)" % (self.name, err)))
        try:
            self.writer.close()
        except Exception:
            pass

    def unexpectedly_lost(self):
        """True when the server ended the connection although we did not close it."""
        return self.closed and not self.closing

    # -- closing -------------------------------------------------------------------

    async def bye(self, timeout=5.0):
        """Polite close: `bye`, then wait (bounded) for the server to close."""
        self.closing = True
        if self.closed:
            return
        try:
            await asyncio.wait_for(self.request("bye"), timeout)
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except (asyncio.TimeoutError, ConnectionLost, OSError):
            pass
        finally:
            self.abort(rst=False)

    def abort(self, rst=True):
        """Close at once, dropping anything unsent; with rst the peer sees a reset."""
        self.closing = True
        t = self.writer.transport
        if t is not None and not t.is_closing():
            if rst:
                sock = t.get_extra_info("socket")
                if sock is not None:
                    try:
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    except OSError:
                        pass
            t.abort()
        if not self._task.done():
            self._task.cancel()
