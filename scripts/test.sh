#!/usr/bin/env bash
# Runs every test of agentd on this machine:
#   1. installs what is missing (scripts/install-deps.sh),
#   2. checks the code rules (scripts/validate.sh), builds the package and its tests (debug),
#   3. `swift test`: unit tests (no Redis needed) plus the Redis-backed ones, against a private
#      redis-server started by scripts/with-redis.sh,
#   4. the end-to-end suite (scripts/integration): the real agentd binary and a real
#      redis-server on free ports, spoken to over TCP,
#   5. the Python client's pytest suite (clients/python/run-tests.sh), against the same binary.
# Ends with the suite's "N passed, N failed" line; exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

echo "== code rules (scripts/validate.sh)"
scripts/validate.sh

echo "== build"
swift build --build-tests

echo "== swift test (unit + Redis store tests)"
unit_status=0
scripts/with-redis.sh swift test --skip-build || unit_status=$?

echo "== end-to-end (scripts/integration)"
e2e_status=0
AGENTD_BIN="$PWD/.build/debug/agentd" scripts/integration/run-tests.sh || e2e_status=$?

echo "== Python client (clients/python/run-tests.sh)"
py_status=0
AGENTD_BIN="$PWD/.build/debug/agentd" clients/python/run-tests.sh -q || py_status=$?

if [ "$unit_status" -ne 0 ] || [ "$e2e_status" -ne 0 ] || [ "$py_status" -ne 0 ]; then
    echo "test.sh: FAILED (swift test exit $unit_status, end-to-end exit $e2e_status, python client exit $py_status)" >&2
    exit 1
fi
