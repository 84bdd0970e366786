#!/usr/bin/env bash
# systemd/agentd.service passes `systemd-analyze verify` without a single warning (verify
# exits 0 on unknown keys and bad values, so any output fails the test), with ExecStart
# pointed at the built binary so the command is checked too; and it is the hardened
# Type=notify unit the docs describe. A deliberately broken copy must fail the same check.
source "$(dirname "$0")/../test_functions.sh"
command -v systemd-analyze >/dev/null || { echo "# SKIP: systemd-analyze not installed (Debian package systemd)"; exit 77; }
UNIT="$REPO_ROOT/systemd/agentd.service"

verify() {  # verify FILE -> prints everything systemd-analyze says; status 1 if it said anything
    local out rc=0
    out="$(systemd-analyze verify "$1" 2>&1)" || rc=$?
    [[ -z "$out" && $rc -eq 0 ]] || { echo "$out (exit $rc)"; return 1; }
}

mkdir -p "$TEST_TMP/units"
sed -E "s|^ExecStart=[^ ]+|ExecStart=$AGENTD_BIN|" "$UNIT" >"$TEST_TMP/units/agentd.service"
grep -q "^ExecStart=$AGENTD_BIN --config" "$TEST_TMP/units/agentd.service" || fail "ExecStart not rewritten"
verify "$TEST_TMP/units/agentd.service" || fail "systemd-analyze verify complained about the shipped unit"

for line in Type=notify NotifyAccess=main WatchdogSec=30s User=agentd NoNewPrivileges=true ProtectSystem=strict \
    PrivateTmp=true ReadWritePaths=/var/lib/agentd/audit EnvironmentFile=-/etc/agentd/agentd.env; do
    grep -qx "$line" "$UNIT" || fail "unit lacks $line"
done

# The check has teeth: a misspelt key, a bad Type and a missing binary each fail it.
sed 's/^Type=notify$/Type=notifyy/' "$TEST_TMP/units/agentd.service" >"$TEST_TMP/units/bad-type.service"
sed 's/^NoNewPrivileges=/NoNewPrivilege=/' "$TEST_TMP/units/agentd.service" >"$TEST_TMP/units/bad-key.service"
sed -E "s|^ExecStart=[^ ]+|ExecStart=$TEST_TMP/no-such-agentd|" "$UNIT" >"$TEST_TMP/units/bad-exec.service"
for broken in bad-type bad-key bad-exec; do
    if verify "$TEST_TMP/units/$broken.service" >/dev/null; then
        fail "systemd-analyze verify accepted $broken.service"
    fi
done
echo "# systemd-analyze verify: shipped unit clean; bad Type, misspelt key and missing binary all caught"
