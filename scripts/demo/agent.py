"""A minimal agentd connection for the demo programs (standard library only)."""
import json
import queue
import socket
import threading


class Agent:
    """One connection. A reader thread sorts incoming frames: replies (which come in request
    order) to one queue, pushed events to another, so waiting for an event never blocks a
    request from another thread (e.g. heartbeats)."""

    def __init__(self, port, agent_id):
        self.agent_id = agent_id
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=None)
        self.file = self.sock.makefile("rwb")
        self.write_lock = threading.Lock()
        self.replies = queue.Queue()
        self.events = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.request("hello", agent_id=agent_id)

    def _read(self):
        for line in self.file:
            msg = json.loads(line)
            (self.events if "event" in msg else self.replies).put(msg)
        self.replies.put(None)

    def request(self, op, **fields):
        with self.write_lock:
            self.next_id += 1
            frame = {"op": op, "id": self.next_id, **fields}
            self.file.write((json.dumps(frame) + "\n").encode())
            self.file.flush()
            msg = self.replies.get(timeout=30)
        if msg is None:
            raise ConnectionError("agentd closed the connection")
        if not msg["ok"]:
            raise RuntimeError(f"{op} failed: {msg['error']}")
        return msg

    def send(self, to_agent, message_type, content, **extra):
        return self.request("send", message={"to_agent": to_agent, "message_type": message_type,
                                             "content": content, **extra})

    def next_event(self, timeout=60):
        """The next pushed message (waits for it)."""
        return self.events.get(timeout=timeout)["message"]
