"""Unit tests of the client-side file logger (no agentd needed)."""

import json
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from agentd_client import AgentMessage, MessageQueueManager, MessageType, MockBroker
from agentd_client.file_logger import (CATEGORIES, FileLogger, disable_file_logging, enable_file_logging,
                                       get_file_logger, is_file_logging_enabled)


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def lines(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2024, 1, 15, 23, 59, 59, 500000, tzinfo=timezone.utc))


@pytest.fixture(autouse=True)
def logging_off() -> Iterator[None]:
    yield
    disable_file_logging()


def test_records_go_to_the_days_file_and_roll_over_at_utc_midnight(tmp_path: Path, clock: FakeClock) -> None:
    logger = FileLogger(tmp_path, clock=clock)
    logger.log_agent_activity("agent_001", "registered", {"agent_role": "coordinator", "capabilities": ["planning"]})
    clock.now += timedelta(seconds=1)  # 2024-01-16T00:00:00.500Z
    logger.log_agent_activity("agent_001", "status_change", {"new_status": "busy"})
    day1 = tmp_path / "2024-01-15" / "agent_activity_2024-01-15.jsonl"
    day2 = tmp_path / "2024-01-16" / "agent_activity_2024-01-16.jsonl"
    assert lines(day1) == [{"agent_id": "agent_001", "event": "registered",
                            "data": {"agent_role": "coordinator", "capabilities": ["planning"]},
                            "timestamp": "2024-01-15T23:59:59.500Z"}]
    assert lines(day2) == [{"agent_id": "agent_001", "event": "status_change", "data": {"new_status": "busy"},
                            "timestamp": "2024-01-16T00:00:00.500Z"}]
    assert logger.read_logs("agent_activity") == lines(day2)
    assert logger.read_logs("agent_activity", datetime(2024, 1, 15).date()) == lines(day1)


def test_each_category_has_its_file_and_the_readme_fields(tmp_path: Path, clock: FakeClock) -> None:
    logger = FileLogger(tmp_path, clock=clock)
    logger.log_message("msg_123", "agent_001", "agent_002", MessageType.TASK_ASSIGNMENT, "sent")
    logger.log_task_event("task_456", "agent_002", "completed", {"duration_ms": 1250, "success": True})
    logger.log_performance_metric("agent_001", "response_time", 125.5, "ms")
    logger.log_error("agent_001", "connection_error", "Redis connection failed", {"retry": 1})
    stamp = "2024-01-15T23:59:59.500Z"
    folder = tmp_path / "2024-01-15"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        "%s_2024-01-15.jsonl" % c for c in CATEGORIES if c != "agent_activity")
    assert logger.read_logs("message_audit") == [
        {"message_id": "msg_123", "from_agent": "agent_001", "to_agent": "agent_002",
         "message_type": "task_assignment", "event": "sent", "timestamp": stamp}]
    assert logger.read_logs("task_history") == [
        {"task_id": "task_456", "agent_id": "agent_002", "event": "completed",
         "data": {"duration_ms": 1250, "success": True}, "timestamp": stamp}]
    assert logger.read_logs("performance") == [
        {"agent_id": "agent_001", "metric_name": "response_time", "value": 125.5, "unit": "ms", "timestamp": stamp}]
    assert logger.read_logs("errors") == [
        {"agent_id": "agent_001", "error_type": "connection_error", "error_message": "Redis connection failed",
         "data": {"retry": 1}, "timestamp": stamp}]
    with pytest.raises(ValueError):
        logger.log_path("nope")


def test_stats_count_files_sizes_dates_and_records(tmp_path: Path, clock: FakeClock) -> None:
    logger = FileLogger(tmp_path, clock=clock)
    assert logger.get_log_stats()["log_files"] == 0
    logger.log_error("a", "x", "y")
    clock.now += timedelta(days=1)
    logger.log_error("a", "x", "y")
    logger.log_agent_activity("a", "registered")
    (tmp_path / "notes.txt").write_text("not a log")
    (tmp_path / "2024-01-16" / "other.jsonl").write_text("{}\n")
    stats = logger.get_log_stats()
    files = [p for p in tmp_path.rglob("*_2024-01-1?.jsonl")]
    assert stats["log_files"] == 3 == len(files)
    assert stats["total_size_bytes"] == sum(p.stat().st_size for p in files)
    assert (stats["dates"], stats["oldest_date"], stats["newest_date"]) == (
        ["2024-01-15", "2024-01-16"], "2024-01-15", "2024-01-16")
    assert stats["files_by_category"] == {"agent_activity": 1, "message_audit": 0, "task_history": 0,
                                          "performance": 0, "errors": 2}
    assert stats["records_written"]["errors"] == 2 and stats["enabled"] is True
    assert stats["base_dir"] == str(tmp_path)


def test_cleanup_removes_only_old_days_and_only_our_files(tmp_path: Path, clock: FakeClock) -> None:
    logger = FileLogger(tmp_path, clock=clock)
    for _ in range(40):
        logger.log_error("a", "x", "y")
        logger.log_task_event("t", "a", "assigned")
        clock.now += timedelta(days=1)
    clock.now -= timedelta(days=1)  # "today" is the last day written
    (tmp_path / "2024-01-15" / "keep-me.txt").write_text("someone else's")
    removed = logger.cleanup_old_logs(days_to_keep=30)
    assert removed == 9 * 2  # 40 days written, today and the 30 before it kept
    days = sorted(p.name for p in tmp_path.iterdir())
    assert days[0] == "2024-01-15" and len(days) == 32  # the day holding a foreign file stays
    assert list((tmp_path / "2024-01-15").iterdir()) == [tmp_path / "2024-01-15" / "keep-me.txt"]
    assert logger.cleanup_old_logs(days_to_keep=30) == 0


def test_status_changes_are_logged_once_per_change(tmp_path: Path, clock: FakeClock) -> None:
    logger = FileLogger(tmp_path, clock=clock)
    for status in ("active", "active", "busy", "busy", "active", None):
        logger.log_status_change("w", status)
    assert [(r["data"]["old_status"], r["data"]["new_status"]) for r in logger.read_logs("agent_activity")] == [
        (None, "active"), ("active", "busy"), ("busy", "active")]


def test_threads_never_interleave_lines(tmp_path: Path) -> None:
    logger = FileLogger(tmp_path)

    def write(n: int) -> None:
        for i in range(200):
            logger.log_message("m-%d-%d" % (n, i), "a", "b", "status_update", "sent", {"pad": "x" * 500})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = logger.read_logs("message_audit")
    assert len(records) == 1600 and len({r["message_id"] for r in records}) == 1600


def test_disabled_by_default_and_the_global_switch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert not is_file_logging_enabled()
    off = get_file_logger()
    off.log_error("a", "x", "y")
    off.log_agent_activity("a", "registered")
    assert not (tmp_path / "logs").exists() and off.get_log_stats()["enabled"] is False
    on = enable_file_logging(tmp_path / "audit")
    assert get_file_logger() is on and is_file_logging_enabled() and (tmp_path / "audit").is_dir()
    disable_file_logging()
    assert get_file_logger() is not on and not get_file_logger().enabled


def test_the_queue_manager_logs_send_receive_process_and_errors(tmp_path: Path) -> None:
    logger = enable_file_logging(tmp_path)
    broker = MockBroker()
    q = MessageQueueManager(agent_id="planner", mock_mode=True, broker=broker)
    try:
        sent = AgentMessage(to_agent="w", message_type=MessageType.TASK_REQUEST, content={"n": 1})
        assert q.send_message(sent)
        got = q.get_messages("w")
        assert q.mark_processed(got[0].message_id, "w", status="failed", error_message="bad input")
        assert q.mark_processed(got[0].message_id, "w") is False  # not in flight: no record
        assert q.send_message(AgentMessage(to_agent=None, content={})) is False  # planner may not broadcast
    finally:
        q.close()
    audit = logger.read_logs("message_audit")
    assert [(r["event"], r["from_agent"], r["to_agent"], r["message_type"]) for r in audit] == [
        ("sent", "planner", "w", "task_request"), ("received", "planner", "w", "task_request"),
        ("failed", "planner", "w", "task_request")]
    assert audit[1]["data"]["attempt"] == 1 and audit[2]["data"] == {"error_message": "bad input"}
    errors = logger.read_logs("errors")
    assert [(r["agent_id"], r["error_type"]) for r in errors] == [("planner", "send_failed")]
