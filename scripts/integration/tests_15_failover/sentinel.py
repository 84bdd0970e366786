"""Helpers for the failover tests' Python parts (sentinel.sh sets the environment).

    from sentinel import *
    master = sentinel_master()                 # "127.0.0.1:PORT" the sentinels name now
    new = wait_failover(master)                # the next master, once it answers ROLE master
    restart_as_replica(old_port, new)          # the killed master back, as a replica of `new`
"""

import os
import subprocess
import time


def _cli(port, *args):
    out = subprocess.run(["redis-cli", "-p", str(port)] + list(args), capture_output=True, text=True, timeout=5)
    return out.stdout.split()


def sentinel_master():
    for s in os.environ["AGENTD_REDIS_SENTINELS"].split(","):
        try:
            reply = _cli(s.rsplit(":", 1)[1], "sentinel", "get-master-addr-by-name", os.environ["AGENTD_REDIS_MASTER_NAME"])
        except subprocess.TimeoutExpired:
            continue
        if len(reply) == 2:
            return "%s:%s" % (reply[0], reply[1])
    return None


def wait_failover(old, timeout=30.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        now = sentinel_master()
        if now and now != old:
            try:
                if _cli(now.rsplit(":", 1)[1], "role")[:1] == ["master"]:
                    return now
            except subprocess.TimeoutExpired:
                pass
        time.sleep(0.1)
    raise AssertionError("no failover away from %s within %.0f s" % (old, timeout))


def restart_as_replica(port, master):
    """Starts redis-server on `port` as a replica of `master` (never as an empty master, which
    the sentinels could take back for the old one). The test's cleanup kills it."""
    host, mport = master.rsplit(":", 1)
    d = os.path.join(os.environ["TEST_TMP"], "redis-%s-again" % port)
    os.makedirs(d, exist_ok=True)
    log = open(os.path.join(d, "redis.log"), "ab")
    p = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--repl-diskless-sync-delay", "0", "--dir", d,
                          "--replicaof", host, mport],
                         stdout=log, stderr=log)
    with open(os.path.join(os.environ["TEST_TMP"], "extra.pids"), "a") as f:
        f.write("%d\n" % p.pid)
    # Bounded generously: on a loaded 2-core machine the sentinels may first point the node at
    # the new master themselves, which restarts its sync.
    end = time.monotonic() + 60
    info = ""
    while time.monotonic() < end:
        try:
            info = subprocess.run(["redis-cli", "-p", str(port), "info", "replication"],
                                  capture_output=True, text=True, timeout=5).stdout
            if "master_link_status:up" in info:
                return p
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.1)
    with open(os.path.join(d, "redis.log"), errors="replace") as f:
        tail = f.read()[-1500:]
    raise AssertionError("the restarted node on %s never synced with %s within 60 s\n%s\n--- its log ---\n%s"
                         % (port, master, info, tail))
