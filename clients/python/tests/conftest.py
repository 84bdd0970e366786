"""Fixtures: a private redis-server per test session, a fresh agentd per test.

- ``redis_server``: ``redis-server --port <free> --bind 127.0.0.1 --save '' --appendonly no``
  in its own temporary directory, for the whole session.
- ``agentd``: a new agentd process for each test (``AGENTD_BIN``, default
  the repository's .build/debug/agentd) on ``--listen 127.0.0.1:0``, with its own
  ``AGENTD_KEY_PREFIX``, so every test starts from an empty broker and its ``stats`` are its
  own. agentd starts in about 0.1 s.
- ``agentd_factory``: start agentd with extra environment (short timeouts, limits), a fixed
  port (restart tests) or another Redis.
- ``redis_factory``: a redis-server of the test's own, for tests that kill Redis.
- ``agentd_cluster``: N daemons of one system (same Redis, same key prefix, each its own
  ``AGENTD_DAEMON_ID``), for failover tests.

Only processes started here are stopped here, by PID.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from typing import Dict, Iterator, List, Optional

import pytest

from agentd_client import Client

AGENTD_BIN = os.environ.get(
    "AGENTD_BIN",
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".build", "debug", "agentd"),
)


_FEATURES: Dict[str, bool] = {}


def agentd_knows(marker: str) -> bool:
    """True when the agentd binary contains ``marker`` (a config key name, for example):
    lets tests of features newer than a prebuilt binary say so instead of failing."""
    if marker not in _FEATURES:
        try:
            with open(AGENTD_BIN, "rb") as f:
                _FEATURES[marker] = marker.encode() in f.read()
        except OSError:
            _FEATURES[marker] = False
    return _FEATURES[marker]


#: agentd sends {"event": "bye"} since the commit that added hello_timeout_ms (4c9cb87).
needs_bye_event = pytest.mark.skipif(not agentd_knows("hello_timeout"),
                                     reason="this agentd binary predates the bye event and hello_timeout_ms")


def free_port() -> int:
    """A TCP port that was free a moment ago on 127.0.0.1."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.02, what: str = "condition"):
    """Poll ``predicate`` until it returns a true value (returned) or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.1f s waiting for %s" % (timeout, what))
        time.sleep(interval)


class RedisProcess:
    """A redis-server of our own."""

    def __init__(self, tmp: str, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.dir = os.path.join(tmp, "redis-%d" % self.port)
        os.makedirs(self.dir, exist_ok=True)
        self.log = open(os.path.join(self.dir, "redis.log"), "wb")
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.dir, "--daemonize", "no", "--loglevel", "warning"],
            stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(self._pong, 10, what="redis-server on port %d" % self.port)

    @property
    def address(self) -> str:
        return "127.0.0.1:%d" % self.port

    def _pong(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError("redis-server exited: %s" % open(self.log.name).read())
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop_process(self) -> None:
        self.kill()
        self.log.close()


class AgentdProcess:
    """One agentd process; ``restart()`` starts it again on the same port and prefix."""

    def __init__(self, tmp: str, redis: Optional[str], env: Optional[Dict[str, str]] = None,
                 port: int = 0, prefix: Optional[str] = None, backend: Optional[str] = None) -> None:
        self.tmp = tmp
        self.redis = redis
        self.extra_env = dict(env or {})
        self.prefix = prefix or "pyc-%s:" % uuid.uuid4().hex[:12]
        self.backend = backend
        self.host = "127.0.0.1"
        self.port = port
        self.runs = 0
        self.proc: Optional[subprocess.Popen] = None
        self.clients: List[Client] = []
        self.start()

    def start(self) -> None:
        if not os.access(AGENTD_BIN, os.X_OK):
            pytest.fail("agentd binary not found at %s (set AGENTD_BIN)" % AGENTD_BIN)
        self.runs += 1
        self.log_path = os.path.join(self.tmp, "agentd-%s-%d.log" % (self.prefix.strip(":"), self.runs))
        env = dict(os.environ)
        env["AGENTD_KEY_PREFIX"] = self.prefix
        env.update(self.extra_env)
        args = [AGENTD_BIN, "--listen", "127.0.0.1:%d" % self.port]
        if self.backend == "memory":
            args += ["--backend", "memory"]
        else:
            args += ["--redis", self.redis or ""]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log, env=env)
        line = wait_until(self._ready_line, 30, what="agentd ready line")
        listen = [part for part in line.split() if part.startswith("listen=")][0].split("=", 1)[1]
        self.port = int(listen.rsplit(":", 1)[1])
        assert self.port != 0

    def _ready_line(self) -> Optional[str]:
        with open(self.log_path, "r", errors="replace") as f:
            for line in f:
                if "agentd ready" in line:
                    return line
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError("agentd exited with %s before it was ready:\n%s"
                                 % (self.proc.returncode, open(self.log_path).read()[-2000:]))
        return None

    @property
    def address(self) -> str:
        """``host:port``, as in a client's ``servers`` list."""
        return "%s:%d" % (self.host, self.port)

    def log_text(self) -> str:
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def terminate(self, timeout: float = 15.0) -> int:
        """SIGTERM (drain) and wait; returns the exit status."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        """SIGKILL and wait."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self) -> None:
        """Start again on the same port with the same key prefix (same data)."""
        self.start()

    def client(self, agent_id: Optional[str] = None, **options) -> Client:
        """A connected Client (hello'd as ``agent_id`` if given), closed at teardown."""
        options.setdefault("read_timeout", 10.0)
        c = Client(self.host, self.port, agent_id=agent_id, **options)
        self.clients.append(c)
        return c.connect()

    def cleanup(self) -> None:
        for c in self.clients:
            c.close()
        self.kill()


@pytest.fixture(scope="session")
def session_tmp() -> Iterator[str]:
    d = tempfile.mkdtemp(prefix="agentd-pyclient-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server(session_tmp: str) -> Iterator[RedisProcess]:
    if shutil.which("redis-server") is None:
        pytest.fail("redis-server is not installed")
    r = RedisProcess(session_tmp)
    yield r
    r.stop_process()


@pytest.fixture
def agentd_factory(redis_server: RedisProcess, session_tmp: str):
    started: List[AgentdProcess] = []

    def start(env: Optional[Dict[str, str]] = None, port: int = 0, redis: Optional[str] = None,
              backend: Optional[str] = None) -> AgentdProcess:
        a = AgentdProcess(session_tmp, redis or redis_server.address, env, port, backend=backend)
        started.append(a)
        return a

    yield start
    for a in started:
        a.cleanup()


@pytest.fixture
def agentd_cluster(redis_server: RedisProcess, session_tmp: str):
    """``cluster(n, env=None, envs=None)``: n daemons on one Redis and one key prefix
    (one system, docs/protocol.md "Several daemons"); ``envs[i]`` adds to daemon i's env."""
    started: List[AgentdProcess] = []

    def start(n: int = 2, env: Optional[Dict[str, str]] = None,
              envs: Optional[List[Dict[str, str]]] = None) -> List[AgentdProcess]:
        prefix = "pyc-%s:" % uuid.uuid4().hex[:12]
        daemons = []
        for i in range(n):
            e = dict(env or {})
            e.update((envs or [{}] * n)[i])
            e["AGENTD_DAEMON_ID"] = "%s%d" % (prefix.strip(":"), i)
            a = AgentdProcess(session_tmp, redis_server.address, e, prefix=prefix)
            started.append(a)
            daemons.append(a)
        return daemons

    yield start
    for a in started:
        a.cleanup()


@pytest.fixture
def agentd(agentd_factory) -> AgentdProcess:
    return agentd_factory()


@pytest.fixture
def redis_factory(session_tmp: str):
    started: List[RedisProcess] = []

    def start(port: Optional[int] = None) -> RedisProcess:
        r = RedisProcess(session_tmp, port)
        started.append(r)
        return r

    yield start
    for r in started:
        r.stop_process()


def pytest_report_header(config):
    import agentd_client
    return ["agentd_client %s from %s" % (agentd_client.__version__, os.path.dirname(agentd_client.__file__)),
            "AGENTD_BIN=%s" % AGENTD_BIN]
