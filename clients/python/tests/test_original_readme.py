"""Every example of the original library's README, run against agentd and in mock mode.

The examples live in ``tests/original_readme/NN_name.py``, each the README's code with only
its import lines changed (see each file's header). They are run by ``exec`` in a fresh
namespace, as a script would be, with the environment the original library read:
``AGENTD_HOST``/``AGENTD_PORT`` pointing at the test's agentd, or
``AGENT_COMMUNICATION_MODE=mock`` for the mock broker; the working directory is a
temporary one (the file-logging examples write ``./logs``). Each test then checks what
the example printed, returned or left behind in the broker.

Harness-only interventions, none touching the examples' code:
- example 7's ``start_listening`` loops forever with ``time.sleep(10)``: the harness
  replaces the ``time`` its namespace sees with one whose ``sleep`` waits at most 50 ms and
  stops the loop (by raising) once the test is done;
- example 7 calls ``self.execute_task``, which the README never defines: it is run as is
  (every task ends in its ERROR_REPORT branch) and through a subclass defining it;
- example 3 lost its head in the README; see the fixture's header.
"""

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Dict, Iterator, List

import pytest

from agentd_client import AgentRole, MockBroker, SupervisorCoordinator
from agentd_client import queue_manager as queue_manager_module
from agentd_client.file_logger import disable_file_logging, get_file_logger, is_file_logging_enabled

EXAMPLES = Path(__file__).parent / "original_readme"
README_RECORD_KEYS = {
    "agent_activity": {"agent_id", "event", "data", "timestamp"},
    "message_audit": {"message_id", "from_agent", "to_agent", "message_type", "event", "timestamp"},
    "task_history": {"task_id", "agent_id", "event", "data", "timestamp"},
}


def run_example(name: str) -> Dict[str, Any]:
    """Run one example file as a script; returns its globals."""
    path = EXAMPLES / name
    namespace: Dict[str, Any] = {"__name__": "__main__", "__file__": str(path)}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return namespace


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out waiting for %s" % what
        time.sleep(0.02)


@dataclass
class Env:
    """Where the examples run: ``mode`` is "agentd" or "mock"."""

    mode: str
    client: Callable[[str], Any]  # a connected client of the same broker, speaking as the given agent

    def inspector(self) -> Any:
        """A client registered as ``monitor``, which may read every task."""
        c = self.client("inspector")
        c.register("monitor", [], 1)
        return c

    def today_logs(self, base: Path, category: str) -> List[Dict[str, Any]]:
        day = datetime.now(timezone.utc).date().isoformat()
        path = base / day / ("%s_%s.jsonl" % (category, day))
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(params=["agentd", "mock"])
def env(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Env]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AGENTD_MOCK_MODE", raising=False)
    # every pool the examples open is closed afterwards (their objects are never closed)
    pools: List[Any] = []
    real_init = queue_manager_module.SessionPool.__init__

    def recording_init(self: Any, factory: Any) -> None:
        real_init(self, factory)
        pools.append(self)

    monkeypatch.setattr(queue_manager_module.SessionPool, "__init__", recording_init)
    opened: List[Any] = []
    if request.param == "mock":
        monkeypatch.setenv("AGENT_COMMUNICATION_MODE", "mock")
        MockBroker.reset_default()

        def client(agent_id: str) -> Any:
            c = MockBroker.default().client(agent_id)
            opened.append(c)
            return c
    else:
        agentd = request.getfixturevalue("agentd")
        monkeypatch.setenv("AGENT_COMMUNICATION_MODE", "sql")  # the original's "not mock"
        monkeypatch.setenv("AGENTD_HOST", agentd.host)
        monkeypatch.setenv("AGENTD_PORT", str(agentd.port))
        client = agentd.client
    try:
        yield Env(request.param, client)
    finally:
        disable_file_logging()
        for pool in pools:
            pool.close()
        for c in opened:
            c.close()
        if request.param == "mock":
            MockBroker.reset_default()


def complete(worker: Any, result: Any = None, fail: bool = False) -> Dict[str, Any]:
    """As ``worker`` (a registered client), take one task_request and report it."""
    msgs = wait_for(lambda: worker.fetch(limit=1, wait_ms=200), what="a task_request")
    task = msgs[0]["content"]
    content: Dict[str, Any] = {"task_id": task["task_id"], "status": "failed" if fail else "completed"}
    if fail:
        content["error"] = {"message": "no"}
    else:
        content["result"] = result
    worker.send(msgs[0]["from_agent"], content, "task_response")
    worker.ack([msgs[0]["message_id"]])
    return task


# -- 1. Basic Usage ---------------------------------------------------------------------

def test_01_basic_usage_sends_receives_and_acks(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    run_example("01_basic_usage.py")
    assert capsys.readouterr().out == "From: agent_001, Content: {'task': 'process_data'}\n"
    queues = env.client("inspector").stats()["queues"]
    # one message, received and marked processed: nothing left
    assert (queues["sent_total"], queues["acked_total"], queues["pending"], queues["in_flight"]) == (1, 1, 0, 0)


# -- 2 and 8. Enabling file logging -------------------------------------------------------

@pytest.mark.parametrize("example", ["02_enable_file_logging_short.py", "08_enable_file_logging.py"])
def test_enable_file_logging_examples_log_what_the_managers_do(env: Env, example: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    namespace = run_example(example)
    assert is_file_logging_enabled()
    logger = get_file_logger()
    assert logger.base_dir.resolve() == (tmp_path / "logs").resolve()
    if example.startswith("08"):
        assert namespace["file_logger"] is logger
    # "all agent activities will be logged": run the other examples and read the files
    run_example("01_basic_usage.py")
    run_example("03_assign_task.py")
    task_id = capsys.readouterr().out.splitlines()[-1].split(": ")[1]
    logs = tmp_path / "logs"
    audit = env.today_logs(logs, "message_audit")
    assert [r["event"] for r in audit] == ["sent", "received", "processed"]
    assert all(README_RECORD_KEYS["message_audit"] <= set(r) for r in audit)
    sent = audit[0]
    assert (sent["from_agent"], sent["to_agent"], sent["message_type"]) == ("agent_001", "agent_002", "task_assignment")
    assert {r["message_id"] for r in audit} == {sent["message_id"]}
    assert sent["timestamp"].endswith("Z") and sent["timestamp"][:10] == datetime.now(timezone.utc).date().isoformat()
    activity = env.today_logs(logs, "agent_activity")
    registered = {r["agent_id"]: r for r in activity if r["event"] == "registered"}
    assert set(registered) == {"supervisor-001", "python-worker-001"}
    assert registered["python-worker-001"]["data"] == {
        "agent_role": "worker", "capabilities": ["python", "api_development", "testing"], "max_concurrent_tasks": 3}
    assert all(set(r) == README_RECORD_KEYS["agent_activity"] for r in activity)
    history = env.today_logs(logs, "task_history")
    assert [(r["task_id"], r["agent_id"], r["event"]) for r in history] == [(task_id, "python-worker-001", "assigned")]
    assert set(history[0]) == README_RECORD_KEYS["task_history"]
    assert history[0]["data"]["priority"] == "high"
    # the three daily files the short example's comment lists
    assert sorted(p.name.rsplit("_", 1)[0] for p in next(logs.iterdir()).iterdir()) == [
        "agent_activity", "message_audit", "task_history"]


# -- 3. Assign a task (fragment) ------------------------------------------------------------

def test_03_assign_task_goes_to_the_registered_worker(env: Env, capsys: pytest.CaptureFixture[str]) -> None:
    namespace = run_example("03_assign_task.py")
    out = capsys.readouterr().out
    task_id = namespace["task_id"]
    assert task_id and out == "Task assigned: %s\n" % task_id
    task = env.inspector().task(task_id)
    assert (task["state"], task["assigned_to"], task["priority"], task["supervisor"]) == \
        ("assigned", "python-worker-001", "high", "supervisor-001")
    assert task["parameters"] == {"framework": "fastapi", "auth": "jwt"}
    assert task["description"] == "Create user authentication API"


# -- 4. Health check -----------------------------------------------------------------------

def test_04_health_check_reports_connection_agents_and_queue(env: Env) -> None:
    namespace = run_example("04_health_check.py")
    env.client("worker-x").register("worker", ["x"], 1)
    health = namespace["health_check"]()
    # the health monitor registers itself: two agents
    assert health == {"database_connected": True, "agents_registered": 2, "queue_operational": True}


# -- 5. Performance metrics -------------------------------------------------------------------

def test_05_performance_metrics_have_their_documented_meaning(env: Env) -> None:
    worker = env.client("w")
    worker.register("worker", ["x"], 2)
    boss = SupervisorCoordinator("boss")
    inspector = env.inspector()
    # three tasks: one completes, one fails (no retries), one stays assigned
    assert boss.assign_task("t", "", {}, ["x"], max_retries=0)
    complete(worker, {"ok": 1})
    assert boss.assign_task("t", "", {}, ["x"], max_retries=0)
    complete(worker, fail=True)
    assert boss.assign_task("t", "", {}, ["x"], max_retries=0)
    namespace = run_example("05_performance_metrics.py")
    metrics = namespace["get_performance_metrics"]()
    stats = inspector.stats()
    agents = [a for a in inspector.agents() if a["status"] != "offline"]
    # throughput: sends in the last minute (3 task_requests from agentd + 2 reports, + error_report)
    assert metrics["message_throughput"] == stats["queues"]["messages_per_minute"] >= 5
    # utilisation: mean current_tasks / max_concurrent_tasks over agents not offline
    assert {a["agent_id"]: a["current_tasks"] for a in agents}["w"] == 1
    expected = sum(a["current_tasks"] / a["max_concurrent_tasks"] for a in agents) / len(agents)
    assert metrics["agent_utilization"] == pytest.approx(expected) and expected > 0
    # completion rate: completed / (completed + failed + timed_out)
    assert metrics["task_completion_rate"] == pytest.approx(0.5)


# -- 6. Backend supervisor agent --------------------------------------------------------------

def test_06_backend_supervisor_assigns_to_specialised_workers(env: Env) -> None:
    env.client("py-dev").register("worker", ["python", "api_development"], 2)
    env.client("js-dev").register("worker", ["javascript", "react"], 2)
    namespace = run_example("06_backend_supervisor_agent.py")
    agent = namespace["BackendSupervisorAgent"]()
    result = agent.create_comprehensive_project("todo app", ["api", "ui"])
    assert result["coordination_enabled"] is True and len(result["autonomous_tasks"]) == 2
    inspector = env.inspector()
    api, ui = (inspector.task(t) for t in result["autonomous_tasks"])
    assert (api["task_type"], api["assigned_to"], api["description"]) == (
        "api_development", "py-dev", "Develop API for todo app")
    assert (ui["task_type"], ui["assigned_to"]) == ("ui_development", "js-dev")
    assert api["parameters"] == {"requirements": ["api", "ui"]}
    only_api = agent.create_comprehensive_project("cli", {"api": True})
    assert len(only_api["autonomous_tasks"]) == 1
    supervisor = {a["agent_id"]: a for a in inspector.agents()}["backend-supervisor-001"]
    assert (supervisor["role"], supervisor["max_concurrent_tasks"]) == ("supervisor", 20)
    assert supervisor["capabilities"] == ["project_management", "coordination"]


# -- 7. Specialized worker agent ---------------------------------------------------------------

class _Stop(Exception):
    """Ends the example's endless polling loop from the harness."""


def listen_in_thread(agent: Any, namespace: Dict[str, Any]) -> Callable[[], None]:
    """Run ``agent.start_listening()`` (an endless loop) on a thread; returns a stopper."""
    stop = threading.Event()

    def short_sleep(seconds: float) -> None:
        if stop.wait(min(seconds, 0.05)):
            raise _Stop()

    namespace["time"] = SimpleNamespace(sleep=short_sleep)
    errors: List[BaseException] = []

    def run() -> None:
        try:
            agent.start_listening()
        except _Stop:
            pass
        except BaseException as e:  # surfaced by the stopper
            errors.append(e)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def stopper() -> None:
        stop.set()
        thread.join(10)
        assert not thread.is_alive() and not errors, errors

    return stopper


def finish(boss: SupervisorCoordinator, task_id: str) -> List[Any]:
    seen: List[Any] = []

    def finished() -> bool:
        seen.extend(boss.process_incoming_messages(timeout=0.2))
        return task_id in boss.finished_tasks

    try:
        wait_for(finished, what="task %s to finish" % task_id)
    except AssertionError:
        raise AssertionError("task %s did not finish: seen %r, record %r, agentd %r" % (
            task_id, seen, boss.active_tasks.get(task_id), boss.get_task_status(task_id)))
    return seen


def test_07_python_worker_agent_completes_tasks(env: Env) -> None:
    namespace = run_example("07_python_worker_agent.py")

    class Implemented(namespace["PythonWorkerAgent"]):  # type: ignore[misc,name-defined,valid-type]
        def execute_task(self, task_data: Dict[str, Any]) -> Dict[str, Any]:
            return {"handled": task_data["task_type"], "by": self.agent_id}

    worker = Implemented("python-worker-007")
    stop = listen_in_thread(worker, namespace)
    boss = SupervisorCoordinator("boss")
    try:
        task_id = boss.assign_task("api_development", "auth API", {"framework": "fastapi"}, ["python", "fastapi"])
        assert task_id
        messages = finish(boss, task_id)
    finally:
        stop()
    record = boss.finished_tasks[task_id]
    assert (record.status, record.agent_id) == ("completed", "python-worker-007")
    assert record.result == {"handled": "api_development", "by": "python-worker-007"}
    response = [m for m in messages if m.content.get("task_id") == task_id][0]
    assert response.message_id.startswith("response-") and response.content["completion_percentage"] == 100
    task = env.inspector().task(task_id)
    assert task["state"] == "completed" and task["result"] == record.result


def test_07_python_worker_agent_as_written_reports_the_missing_execute_task(env: Env) -> None:
    namespace = run_example("07_python_worker_agent.py")
    worker = namespace["PythonWorkerAgent"]("python-worker-008")
    stop = listen_in_thread(worker, namespace)
    boss = SupervisorCoordinator("boss")
    try:
        task_id = boss.assign_task("testing", "run the tests", {}, ["python", "testing"], max_retries=0)
        assert task_id
        messages = finish(boss, task_id)
    finally:
        stop()
    assert boss.finished_tasks[task_id].status == "failed"
    report = [m for m in messages if m.from_agent == "python-worker-008"][0]
    assert report.message_type.value == "error_report" and report.message_id.startswith("error-")
    assert report.content["error_type"] == "task_execution_failure"
    assert "execute_task" in report.content["error_message"]
    assert env.inspector().task(task_id)["state"] == "failed"


# -- 9. File logging API --------------------------------------------------------------------------

@pytest.fixture
def in_tmp(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path
    disable_file_logging()


def test_09_file_logging_api_after_enabling(in_tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run_example("08_enable_file_logging.py")
    run_example("09_file_logging_api.py")
    assert capsys.readouterr().out == "Log files: 3\n"
    day = datetime.now(timezone.utc).date().isoformat()
    folder = in_tmp / "logs" / day

    def records(category: str) -> List[Dict[str, Any]]:
        return [json.loads(line) for line in (folder / ("%s_%s.jsonl" % (category, day))).read_text().splitlines()]

    activity, = records("agent_activity")
    assert {k: activity[k] for k in ("agent_id", "event", "data")} == {
        "agent_id": "agent_001", "event": "status_change", "data": {"new_status": "busy"}}
    metric, = records("performance")
    assert {k: metric[k] for k in ("agent_id", "metric_name", "value", "unit")} == {
        "agent_id": "agent_001", "metric_name": "response_time", "value": 125.5, "unit": "ms"}
    error, = records("errors")
    assert {k: error[k] for k in ("agent_id", "error_type", "error_message")} == {
        "agent_id": "agent_001", "error_type": "connection_error", "error_message": "Redis connection failed"}
    # cleanup_old_logs(days_to_keep=30) kept today's files
    assert len(list(folder.iterdir())) == 3


def test_09_file_logging_api_while_disabled_writes_nothing(in_tmp: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    run_example("09_file_logging_api.py")
    assert capsys.readouterr().out == "Log files: 0\n"
    assert not (in_tmp / "logs").exists()
    assert get_file_logger().get_log_stats()["enabled"] is False


# -- the API reference's signatures and the environment ----------------------------------------------

def test_api_reference_constructors_and_mode_switch(agentd: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentd_client import AgentMessage, AgentRegistry, MessagePriority, MessageQueueManager, MessageType

    monkeypatch.delenv("AGENTD_MOCK_MODE", raising=False)
    monkeypatch.delenv("AGENTD_HOST", raising=False)
    monkeypatch.delenv("AGENTD_PORT", raising=False)
    address = "agentd://%s:%d" % (agentd.host, agentd.port)
    MockBroker.reset_default()
    closers: List[Any] = []
    try:
        # connection_string / use_mock, by keyword and by position
        q = MessageQueueManager(connection_string=address, use_mock=False)
        closers.append(q)
        assert not q.mock_mode and q.port == agentd.port and q.is_connected()
        q2 = MessageQueueManager("%s:%d" % (agentd.host, agentd.port))
        closers.append(q2)
        assert q2.port == agentd.port and not q2.mock_mode
        q3 = MessageQueueManager(None, True)
        closers.append(q3)
        assert q3.mock_mode
        reg = AgentRegistry(address, False)
        closers.append(reg)
        assert reg.register_agent("py", AgentRole.WORKER, ["python"], 2)
        assert [a.agent_id for a in reg.find_available_agents(["python"], 5)] == ["py"]
        sup = SupervisorCoordinator("sup", address, False)
        closers.append(sup)
        assert not sup.queue_manager.mock_mode and sup.queue_manager.port == agentd.port
        # the API reference's broadcast_message(message_type, content) order
        assert sup.broadcast_message(MessageType.COORDINATION, {"sync": 1}) == 1
        assert sup.broadcast_message({"sync": 2}) == 1
        mock_sup = SupervisorCoordinator("mock-sup", None, True)
        closers.append(mock_sup)
        assert mock_sup.queue_manager.mock_mode
        # the original's environment variable, and ours, which wins when set
        monkeypatch.setenv("AGENT_COMMUNICATION_MODE", "mock")
        m = MessageQueueManager()
        closers.append(m)
        assert m.mock_mode and AgentRegistry().mock_mode
        monkeypatch.setenv("AGENTD_MOCK_MODE", "0")
        monkeypatch.setenv("AGENTD_PORT", str(agentd.port))
        r = MessageQueueManager()
        closers.append(r)
        assert not r.mock_mode and r.is_connected()
        monkeypatch.delenv("AGENTD_MOCK_MODE")
        monkeypatch.setenv("AGENT_COMMUNICATION_MODE", "sql")
        assert not MessageQueueManager(connect=False).mock_mode
        with pytest.raises(ValueError, match="not to redis"):
            MessageQueueManager(connection_string="redis://localhost:6379")
        with pytest.raises(ValueError, match="ODBC"):
            MessageQueueManager(connection_string="Driver={ODBC Driver 17 for SQL Server};Server=tcp:x,1433;")
        # AgentMessage in the README's field order, with a datetime timestamp
        msg = AgentMessage("m-1", "a", "b", MessageType.HEARTBEAT, {}, MessagePriority.HIGH,
                           datetime(2024, 1, 15, 10, 30, tzinfo=timezone.utc))
        assert msg.priority is MessagePriority.HIGH and msg.correlation_id is None
        assert msg.timestamp == "2024-01-15T10:30:00+00:00"
        assert AgentMessage.from_json(msg.to_json()) == msg
    finally:
        for c in closers:
            c.close()
        MockBroker.reset_default()


def test_task_defaults_from_the_original_environment(agentd: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_DEFAULT_TIMEOUT", "42")
    monkeypatch.setenv("AGENT_MAX_RETRIES", "1")
    agentd.client("w").register("worker", ["x"], 1)
    sup = SupervisorCoordinator("sup", host=agentd.host, port=agentd.port)
    try:
        task_id = sup.assign_task("t", "", {}, ["x"])
        assert task_id
        task = sup.get_task_status(task_id)
        assert task is not None and task["max_retries"] == 1 and task["assigned_to"] == "w"

        def at(text: str) -> datetime:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))

        # deadline = assignment + AGENT_DEFAULT_TIMEOUT
        assert abs((at(task["deadline"]) - at(task["created_at"])).total_seconds() - 42) < 2
        stats = sup.get_coordination_stats()
        assert stats["completion_rate"] == 0.0 and stats["total_tasks"] == 1
    finally:
        sup.close()


# -- the shell examples: "python demo.py" and "export AGENT_COMMUNICATION_MODE=mock; python demo.py" --

@pytest.mark.parametrize("mode", ["agentd", "mock"])
def test_demo_runs_against_agentd_and_in_mock_mode(request: pytest.FixtureRequest, mode: str) -> None:
    import os
    import subprocess
    import sys

    environment = {k: v for k, v in os.environ.items() if k not in ("AGENTD_MOCK_MODE", "AGENT_COMMUNICATION_MODE")}
    import agentd_client
    src = Path(str(agentd_client.__file__)).parent.parent
    environment["PYTHONPATH"] = os.pathsep.join([str(src), environment.get("PYTHONPATH", "")])
    if mode == "mock":
        environment["AGENT_COMMUNICATION_MODE"] = "mock"
    else:
        agentd = request.getfixturevalue("agentd")
        environment.update(AGENTD_HOST=agentd.host, AGENTD_PORT=str(agentd.port))
    done = subprocess.run([sys.executable, "-m", "agentd_client.demo"], env=environment, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout.splitlines()
    assert out[0] == ("Agent communication demo (mock)" if mode == "mock" else
                      "Agent communication demo (agentd at %s:%d)" % (agentd.host, agentd.port))
    assert sum(1 for line in out if line.startswith("Task assigned: ")) == 3
    assert sum(1 for line in out if ": completed {'words': " in line) == 3
    assert "Agents registered: 3" in out and "Completion rate: 1.00" in out
