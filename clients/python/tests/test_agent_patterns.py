"""docs/agent-patterns.md: every Python block on the page runs as written against a real
agentd (each block is a whole program; it asserts its own outcome)."""

import os
import re
import subprocess
import sys

import pytest

PAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "docs", "agent-patterns.md")


def blocks():
    with open(PAGE, encoding="utf-8") as f:
        text = f.read()
    found = re.findall(r"^## (.+?)$.*?^```python\n(.*?)^```$", text, re.S | re.M)
    assert len(found) >= 3, "expected the page's examples, found %d" % len(found)
    return found


@pytest.mark.parametrize("title,code", blocks(), ids=[t for t, _ in blocks()])
def test_pattern_runs_as_written(agentd, title, code):
    env = dict(os.environ, AGENTD="%s:%d" % (agentd.host, agentd.port))
    p = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=90)
    assert p.returncode == 0, "%s failed:\n%s\n%s" % (title, p.stdout, p.stderr)
    assert p.stdout.strip(), "%s printed nothing" % title
