"""Optional file logging: the original library's daily JSON Lines audit trail, client side.

Disabled by default. ``enable_file_logging(base_dir="./logs")`` turns it on for the
process; from then on :class:`~agentd_client.MessageQueueManager`,
:class:`~agentd_client.AgentRegistry` and :class:`~agentd_client.SupervisorCoordinator`
append a record for each message sent, received and marked processed, each registration,
status change and deregistration, each task assigned and finished, and each failed call.
agentd keeps its own audit log server-side; these files are what this process did.

Layout (dates and timestamps in UTC, so a record's file is its timestamp's day)::

    <base_dir>/YYYY-MM-DD/agent_activity_YYYY-MM-DD.jsonl   registrations, status changes
    <base_dir>/YYYY-MM-DD/message_audit_YYYY-MM-DD.jsonl    message sent/received/processed
    <base_dir>/YYYY-MM-DD/task_history_YYYY-MM-DD.jsonl     task assigned/completed/failed
    <base_dir>/YYYY-MM-DD/performance_YYYY-MM-DD.jsonl      metrics and timings
    <base_dir>/YYYY-MM-DD/errors_YYYY-MM-DD.jsonl           errors

One JSON object per line, always with ``timestamp`` (``2024-01-15T10:30:00.123Z``). A file
is created by its first record. Records are appended under a lock with one ``write`` each,
so threads (and, for lines of ordinary size, processes) sharing a directory do not
interleave within a line.
"""

import json
import os
import shutil
import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Union

CATEGORIES = ("agent_activity", "message_audit", "task_history", "performance", "errors")

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (moment.microsecond // 1000)


def _enum_value(value: Any) -> Any:
    """Enums (MessageType, AgentRole...) as their wire strings."""
    return getattr(value, "value", value)


class FileLogger:
    """Writes the daily JSONL files under ``base_dir`` (nothing at all when disabled).

    Args:
        base_dir: the directory holding one subdirectory per day (created when needed).
        enabled: a disabled logger accepts every call and writes nothing.
        clock: the time source (UTC ``datetime``); tests pass a fake one.
    """

    def __init__(self, base_dir: Union[str, "os.PathLike[str]"] = "./logs", enabled: bool = True,
                 clock: Optional[Clock] = None) -> None:
        self.base_dir = Path(base_dir)
        self.enabled = enabled
        self._clock: Clock = clock or _utc_now
        self._lock = threading.Lock()
        self._written: Dict[str, int] = {c: 0 for c in CATEGORIES}
        self._statuses: Dict[str, str] = {}
        if enabled:
            self.base_dir.mkdir(parents=True, exist_ok=True)

    # -- the README's API --------------------------------------------------------------

    def log_agent_activity(self, agent_id: str, event: str, data: Optional[Dict[str, Any]] = None) -> None:
        """``agent_activity``: ``{"agent_id", "event", "data", "timestamp"}``."""
        self._write("agent_activity", {"agent_id": agent_id, "event": event, "data": data or {}})

    def log_message(self, message_id: str, from_agent: Optional[str], to_agent: Optional[str],
                    message_type: Any, event: str, data: Optional[Dict[str, Any]] = None) -> None:
        """``message_audit``: ``{"message_id", "from_agent", "to_agent", "message_type",
        "event", "timestamp"}`` plus ``data`` when given (priority, attempt, error...)."""
        record: Dict[str, Any] = {"message_id": message_id, "from_agent": from_agent, "to_agent": to_agent,
                                  "message_type": _enum_value(message_type), "event": event}
        if data:
            record["data"] = data
        self._write("message_audit", record)

    def log_task_event(self, task_id: str, agent_id: Optional[str], event: str,
                       data: Optional[Dict[str, Any]] = None) -> None:
        """``task_history``: ``{"task_id", "agent_id", "event", "data", "timestamp"}``."""
        self._write("task_history", {"task_id": task_id, "agent_id": agent_id, "event": event, "data": data or {}})

    def log_performance_metric(self, agent_id: str, metric_name: str, value: float, unit: str = "",
                               data: Optional[Dict[str, Any]] = None) -> None:
        """``performance``: ``{"agent_id", "metric_name", "value", "unit", "timestamp"}``
        plus ``data`` when given."""
        record: Dict[str, Any] = {"agent_id": agent_id, "metric_name": metric_name, "value": value, "unit": unit}
        if data:
            record["data"] = data
        self._write("performance", record)

    def log_error(self, agent_id: Optional[str], error_type: str, error_message: str,
                  data: Optional[Dict[str, Any]] = None) -> None:
        """``errors``: ``{"agent_id", "error_type", "error_message", "timestamp"}`` plus
        ``data`` when given."""
        record: Dict[str, Any] = {"agent_id": agent_id, "error_type": error_type, "error_message": error_message}
        if data:
            record["data"] = data
        self._write("errors", record)

    def log_status_change(self, agent_id: str, status: Optional[str], data: Optional[Dict[str, Any]] = None) -> None:
        """``agent_activity`` ``status_change`` (``new_status``, ``old_status``), written only
        when ``status`` differs from the last one this logger saw for the agent, so periodic
        heartbeats do not flood the file."""
        if status is None or not self.enabled:
            return
        with self._lock:
            old = self._statuses.get(agent_id)
            self._statuses[agent_id] = status
        if old != status:
            payload: Dict[str, Any] = {"new_status": status, "old_status": old}
            payload.update(data or {})
            self.log_agent_activity(agent_id, "status_change", payload)

    def get_log_stats(self) -> Dict[str, Any]:
        """What is on disk under ``base_dir`` and what this logger wrote.

        Keys: ``enabled``, ``base_dir``, ``log_files`` (number of ``.jsonl`` files),
        ``total_size_bytes``, ``dates`` (day directories, oldest first), ``oldest_date``,
        ``newest_date``, ``files_by_category``, ``records_written`` (by this logger, per
        category, since it was made).
        """
        files = self._all_files()
        by_category = {c: 0 for c in CATEGORIES}
        for path in files:
            category = self._category_of(path)
            if category is not None:
                by_category[category] += 1
        dates = sorted({p.parent.name for p in files})
        with self._lock:
            written = dict(self._written)
        return {"enabled": self.enabled, "base_dir": str(self.base_dir), "log_files": len(files),
                "total_size_bytes": sum(p.stat().st_size for p in files), "dates": dates,
                "oldest_date": dates[0] if dates else None, "newest_date": dates[-1] if dates else None,
                "files_by_category": by_category, "records_written": written}

    def cleanup_old_logs(self, days_to_keep: int = 30) -> int:
        """Delete day directories older than ``days_to_keep`` days (today is day 0, so
        ``days_to_keep=30`` keeps today and the 30 days before). Only directories named
        ``YYYY-MM-DD`` are looked at; files in them that are not ours stay, and so does a
        directory that still holds any.

        Returns:
            the number of log files deleted.
        """
        cutoff = self._clock().date() - timedelta(days=max(0, days_to_keep))
        removed = 0
        with self._lock:
            for day_dir in self._day_dirs():
                if self._parse_day(day_dir.name) >= cutoff:
                    continue
                for path in day_dir.glob("*.jsonl"):
                    if self._category_of(path) is not None:
                        path.unlink()
                        removed += 1
                if not any(day_dir.iterdir()):
                    shutil.rmtree(day_dir, ignore_errors=True)
        return removed

    # -- reading back --------------------------------------------------------------------

    def log_path(self, category: str, day: Optional[date] = None) -> Path:
        """The file of ``category`` for ``day`` (default: today, UTC)."""
        if category not in CATEGORIES:
            raise ValueError("unknown log category %r (one of %s)" % (category, ", ".join(CATEGORIES)))
        d = (day or self._clock().date()).isoformat()
        return self.base_dir / d / ("%s_%s.jsonl" % (category, d))

    def read_logs(self, category: str, day: Optional[date] = None) -> List[Dict[str, Any]]:
        """The records of one category and day, in the order written ([] if none)."""
        path = self.log_path(category, day)
        if not path.exists():
            return []
        with path.open("r", encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    # -- internals -----------------------------------------------------------------------

    def _write(self, category: str, record: Dict[str, Any]) -> None:
        if not self.enabled:
            return
        moment = self._clock()
        record["timestamp"] = _stamp(moment)
        line = json.dumps(record, default=str, ensure_ascii=False) + "\n"
        path = self.log_path(category, moment.date())
        with self._lock:
            path.parent.mkdir(parents=True, exist_ok=True)
            # one write of the whole line in append mode: lines never interleave
            with path.open("a", encoding="utf-8") as f:
                f.write(line)
            self._written[category] += 1

    def _day_dirs(self) -> List[Path]:
        if not self.base_dir.is_dir():
            return []
        return sorted(p for p in self.base_dir.iterdir() if p.is_dir() and self._is_day(p.name))

    def _all_files(self) -> List[Path]:
        return [f for d in self._day_dirs() for f in sorted(d.glob("*.jsonl")) if self._category_of(f) is not None]

    @staticmethod
    def _parse_day(name: str) -> date:
        return datetime.strptime(name, "%Y-%m-%d").date()

    @classmethod
    def _is_day(cls, name: str) -> bool:
        try:
            cls._parse_day(name)
            return True
        except ValueError:
            return False

    @staticmethod
    def _category_of(path: Path) -> Optional[str]:
        for category in CATEGORIES:
            if path.name == "%s_%s.jsonl" % (category, path.parent.name):
                return category
        return None


_active: Optional[FileLogger] = None
_disabled = FileLogger(enabled=False)
_active_lock = threading.Lock()


def enable_file_logging(base_dir: Union[str, "os.PathLike[str]"] = "./logs",
                        clock: Optional[Clock] = None) -> FileLogger:
    """Turn file logging on for this process, writing under ``base_dir``; returns the
    logger (also what :func:`get_file_logger` returns from now on)."""
    global _active
    logger = FileLogger(base_dir, enabled=True, clock=clock)
    with _active_lock:
        _active = logger
    return logger


def disable_file_logging() -> None:
    """Turn file logging off again (files already written stay)."""
    global _active
    with _active_lock:
        _active = None


def get_file_logger() -> FileLogger:
    """The active logger; while file logging is off, a disabled one whose calls do nothing
    (its ``get_log_stats()`` reports ``enabled: False``)."""
    with _active_lock:
        return _active if _active is not None else _disabled


def is_file_logging_enabled() -> bool:
    """True between :func:`enable_file_logging` and :func:`disable_file_logging`."""
    with _active_lock:
        return _active is not None
