"""Reading agentd's audit files in the end-to-end tests (standard library only)."""
import datetime
import json
import os
import re
import time

TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
CATEGORIES = ["agent_activity", "message_audit", "task_history", "performance", "errors"]


def today():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def path(directory, category, day=None):
    day = day or today()
    return os.path.join(directory, day, "%s_%s.jsonl" % (category, day))


def lines(directory, category, day=None):
    """Every record of one file, each checked: one JSON object per line, ts and event first."""
    p = path(directory, category, day)
    if not os.path.exists(p):
        return []
    out = []
    with open(p, encoding="utf-8") as f:
        for raw in f:
            assert raw.endswith("\n"), "unterminated line in %s: %r" % (p, raw)
            record = json.loads(raw)
            assert isinstance(record, dict), raw
            assert list(record)[:2] == ["ts", "event"], raw
            assert TS_RE.match(record["ts"]), raw
            out.append(record)
    return out


def wait_records(directory, category, predicate, want=1, timeout=5.0):
    """Records of `category` matching `predicate`, once at least `want` exist (flushes are ~1 s apart)."""
    end = time.time() + timeout
    while True:
        found = [r for r in lines(directory, category) if predicate(r)]
        if len(found) >= want:
            return found
        if time.time() > end:
            raise AssertionError("%s: %d of %d records matching after %.0f s; file has %r"
                                 % (category, len(found), want, timeout, lines(directory, category)))
        time.sleep(0.1)
