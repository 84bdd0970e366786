#!/usr/bin/env bash
# Installs the Debian packages agentd needs to build and test, if any is missing:
# libhiredis-dev (the C client, via pkg-config), redis-server (+ redis-tools, and redis-sentinel
# for the failover tests), python3 with
# venv and pip (the Python client's tests install pytest into a virtualenv), openssl (the
# Python client's TLS test makes a certificate), chromium (the admin dashboard test loads the
# page headless), systemd (systemd-analyze verify checks the unit in tests_13_ops; installing
# the package does not make systemd PID 1).
# Swift itself must already be on PATH (this script does not download toolchains).
set -euo pipefail

packages=(libhiredis-dev pkg-config redis-server redis-sentinel redis-tools python3 python3-venv python3-pip openssl chromium systemd)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    sudo_cmd=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "install-deps: need root or sudo for apt-get" >&2; exit 1; }
        sudo_cmd=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -qq
    "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null; then
    echo "install-deps: swift is not on PATH; install a Swift 6 toolchain first" >&2
    exit 1
fi
