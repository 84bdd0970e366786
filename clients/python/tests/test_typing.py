"""The package type-checks under ``mypy --strict`` (run-tests.sh installs mypy when it is
missing). It checks the source tree next to these tests, which is what gets installed."""

import os
import subprocess
import sys

import pytest

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "agentd_client")


def test_mypy_strict_is_clean():
    try:
        import mypy  # noqa: F401
    except ImportError:
        pytest.fail("mypy is not installed (clients/python/run-tests.sh installs it)")
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", os.devnull,
                          os.path.normpath(SRC)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, timeout=300)
    assert out.returncode == 0, out.stdout
