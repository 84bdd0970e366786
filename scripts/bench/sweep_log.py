#!/usr/bin/env python3
"""Reads the heartbeat sweeper's cost from agentd's debug log (scripts/bench.sh, issue 4).

usage: sweep_log.py LOG AGENTS [--wait SECONDS] [--pid PID]

At log level `debug` agentd logs one line per sweep pass, swift-log's StreamLogHandler
format with the metadata before the message:
    ... debug agentd: agentd.sweep.offline=100 agentd.sweep.us=4210 [agentd] sweep pass
A pass reads only the agents whose last sign of life is older than the timeout (up to 100
at a time, the sorted set `alive`), so its cost follows the agents that expire, not the
registry's size. Waits (at most --wait seconds, default 20) until the passes have marked
all AGENTS agents offline, then prints one JSON line: the passes that marked any (count,
median and max µs), the sweeper's total µs, µs per agent marked, and agentd's VmRSS (from
/proc/PID/status) with the AGENTS agents still registered.
"""
import json
import re
import statistics
import sys
import time

FIELD = re.compile(r"agentd\.sweep\.(offline|us)=(\d+)")


def passes(path):
    found = []
    try:
        with open(path, "rb") as f:
            for raw in f:
                line = raw.decode("utf-8", "replace")
                if "sweep pass" not in line:
                    continue
                fields = {key: int(value) for key, value in FIELD.findall(line)}
                if len(fields) == 2:
                    found.append(fields)
    except FileNotFoundError:
        pass
    return found


def resident_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def main():
    args = sys.argv[1:]
    wait, pid = 20.0, None
    while "--wait" in args:
        i = args.index("--wait"); wait = float(args[i + 1]); del args[i:i + 2]
    while "--pid" in args:
        i = args.index("--pid"); pid = int(args[i + 1]); del args[i:i + 2]
    if len(args) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        sys.exit(2)
    path, agents = args[0], int(args[1])

    started = time.monotonic()
    while True:
        found = passes(path)
        offline = sum(p["offline"] for p in found)
        full = [p for p in found if p["offline"] > 0]
        if offline >= agents or time.monotonic() - started >= wait:
            break
        time.sleep(0.2)
    waited = time.monotonic() - started

    row = {
        "scenario": f"sweep_{agents}",
        "agents": agents,
        "passes_total": len(found),
        "offline_total": offline,
        "passes": len(full),
        "complete": offline >= agents,
        "waited_s": round(waited, 1),
    }
    if full:
        micros = [p["us"] for p in full]
        row["median_us"] = statistics.median(micros)
        row["max_us"] = max(micros)
        row["min_us"] = min(micros)
        row["total_us"] = sum(micros)
        row["us_per_agent"] = round(row["total_us"] / max(1, offline), 4)
    rss = resident_mib(pid) if pid else None
    if rss is not None:
        row["rss_mib"] = round(rss, 1)
    print(json.dumps(row))


if __name__ == "__main__":
    main()
