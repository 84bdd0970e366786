#!/usr/bin/env bash
# Runs the Python client's test suite against the real agentd and a private redis-server.
#
#   clients/python/run-tests.sh [pytest args...]
#
# 1. Makes a virtualenv in a scratch directory (PYCLIENT_VENV=DIR to keep and reuse one;
#    otherwise a fresh one under $TMPDIR, removed afterwards). It is made with
#    --system-site-packages, so a pytest already installed for this python is used as is.
# 2. Installs pytest and mypy only if they cannot be imported (from PyPI); mypy runs in
#    tests/test_typing.py (``mypy --strict`` on the package).
# 3. Installs this package (`pip install ./clients/python`), preferring a fully offline
#    build: when setuptools >= 61 and wheel (or setuptools >= 70.1, which has bdist_wheel
#    built in) are importable it uses `--no-build-isolation --no-index`; otherwise it lets
#    pip build in isolation, which fetches setuptools and wheel from the package index.
#    It prints which of the two it used.
# 4. Runs pytest on clients/python/tests with AGENTD_BIN passed through (default
#    .build/debug/agentd) and exits with pytest's status; "no tests collected"
#    (pytest status 5) is a failure too.
#
# Needs: python3 (3.9+), redis-server, an agentd binary; openssl for the TLS tests.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PYTHON="${PYTHON:-python3}"
export AGENTD_BIN="${AGENTD_BIN:-$HERE/../../.build/debug/agentd}"
export PYTHONDONTWRITEBYTECODE=1

if [[ ! -x "$AGENTD_BIN" ]]; then
    echo "run-tests.sh: agentd binary not found at $AGENTD_BIN (set AGENTD_BIN)" >&2
    exit 1
fi
command -v redis-server >/dev/null || { echo "run-tests.sh: redis-server is not installed" >&2; exit 1; }

if [[ -n "${PYCLIENT_VENV:-}" ]]; then
    VENV="$PYCLIENT_VENV"
    CLEAN_VENV=0
else
    VENV="$(mktemp -d "${TMPDIR:-/tmp}/agentd-pyclient-venv.XXXXXX")"
    CLEAN_VENV=1
fi
BUILD_TMP="$(mktemp -d "${TMPDIR:-/tmp}/agentd-pyclient-build.XXXXXX")"
cleanup() {
    rm -rf "$BUILD_TMP"
    if [[ $CLEAN_VENV -eq 1 ]]; then rm -rf "$VENV"; fi
}
trap cleanup EXIT

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "== virtualenv: $VENV"
    "$PYTHON" -m venv --system-site-packages "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)

if "$PY" -c 'import pytest' 2>/dev/null; then
    echo "== pytest: already installed ($("$PY" -c 'import pytest; print(pytest.__version__)'))"
else
    echo "== pytest: installing"
    "${PIP[@]}" install -q pytest
fi

if "$PY" -c 'import mypy' 2>/dev/null; then
    echo "== mypy: already installed ($("$PY" -m mypy --version))"
else
    echo "== mypy: installing"
    "${PIP[@]}" install -q mypy
fi

# Build from a copy, so the build leaves no build/ or *.egg-info in the work tree.
cp -r "$HERE/." "$BUILD_TMP/src-copy"
rm -rf "$BUILD_TMP/src-copy/build" "$BUILD_TMP/src-copy/src/"*.egg-info
if "$PY" - <<'EOF' 2>/dev/null
import setuptools
v = tuple(int(x) for x in setuptools.__version__.split(".")[:2])
assert v >= (61, 0)
if v < (70, 1):
    import wheel  # noqa: F401  (bdist_wheel lives there before setuptools 70.1)
EOF
then
    echo "== install agentd-client: offline (pip install --no-build-isolation --no-index)"
    "${PIP[@]}" install -q --force-reinstall --no-deps --no-build-isolation --no-index "$BUILD_TMP/src-copy"
else
    echo "== install agentd-client: isolated build (pip install; fetches setuptools/wheel from the index)"
    "${PIP[@]}" install -q --force-reinstall --no-deps "$BUILD_TMP/src-copy"
fi
"$PY" -c 'import agentd_client, sys; print("== agentd_client", agentd_client.__version__, "from", agentd_client.__file__)'

echo "== pytest (AGENTD_BIN=$AGENTD_BIN)"
cd "$HERE"
status=0
"$PY" -m pytest -p no:cacheprovider -q -rxXs tests "$@" || status=$?
if [[ $status -eq 5 ]]; then
    echo "run-tests.sh: pytest collected no tests: that is a failure" >&2
    exit 1
fi
exit $status
