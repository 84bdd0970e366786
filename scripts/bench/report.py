#!/usr/bin/env python3
"""Prints scripts/bench.sh's final table from the JSON lines of one run.

usage: report.py RESULTS.jsonl CONNECTIONS
Each agentd figure sits beside its raw-Redis baseline with the ratio and the target of
issue 4 (send and cycle >= 50 % of the baseline; latency p50 <= 3x and p99 <= 4x the raw
XADD -> blocked XREADGROUP figures; 10 000 idle connections under 300 MiB RSS).
"""
import json
import sys


def load(path):
    runs = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                runs[row.get("scenario")] = row
    return runs


def main():
    runs = load(sys.argv[1])
    connections = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    rows = []

    def get(scenario, field):
        value = runs.get(scenario, {}).get(field)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    def throughput(label, ours, base, base_label, target):
        a, b = get(ours, "rate"), get(*base)
        ratio = a / b if a and b else None
        met = "-" if target is None or ratio is None else ("yes" if ratio >= target else "NO")
        if ours in runs and runs[ours].get("complete") is False:
            met = "NO (incomplete)"
        rows.append((label, fmt(a, "/s"), f"{fmt(b, '/s')} {base_label}", ratio_text(ratio),
                     f">= {target:.2f}x" if target else "-", met))

    def latency(label, field, base_field, limit):
        a, b = get("latency", field), get("redis_latency", base_field)
        ratio = a / b if a and b else None
        met = "-" if limit is None or ratio is None else ("yes" if ratio <= limit else "NO")
        rows.append((label, fmt(a, " us"), f"{fmt(b, ' us')} raw", ratio_text(ratio),
                     f"<= {limit:.0f}x" if limit else "-", met))

    throughput("send (acked sends)", "send", ("redis_benchmark_xadd", "rate"), "XADD c50 P16", 0.5)
    throughput("cycle (send>push>ack)", "cycle", ("redis_cycle", "rate"), "raw cycle", 0.5)
    throughput("fetch (send>fetch>ack)", "fetch", ("redis_cycle", "rate"), "raw cycle", None)
    throughput("cycle vs unpipelined", "cycle", ("redis_cycle_unpipelined", "rate"), "raw unpipelined", None)
    latency("latency p50 (1000/s)", "p50_us", "p50_us", 3)
    latency("latency p99 (1000/s)", "p99_us", "p99_us", 4)
    latency("send reply p50", "send_p50_us", "xadd_p50_us", None)
    latency("send reply p99", "send_p99_us", "xadd_p99_us", None)

    conn = runs.get("connections", {})
    rss = conn.get("rss_mib")
    per = conn.get("per_connection_kib")
    before = conn.get("rss_before_mib")
    opened = conn.get("messages", 0)
    if rss is not None and per is not None and before is not None:
        projected = before + per * 10000 / 1024
        label = f"{opened} idle connections"
        figure = f"{rss:.0f} MiB ({per:.1f} KiB each)"
        if opened >= 10000:
            met = "yes" if rss < 300 else "NO"
            rows.append((label, figure, "-", "-", "< 300 MiB", met))
        else:
            met = "yes" if projected < 300 else "NO"
            rows.append((label, figure, f"10k projected {projected:.0f} MiB", "-", "< 300 MiB", met + " (projected)"))
    else:
        rows.append((f"{connections} idle connections", "n/a", "-", "-", "< 300 MiB", "NO (no figure)"))

    for name, label in (("fanout", "fanout (copies acked)"), ("assign", "assign (task round trips)")):
        run = runs.get(name, {})
        if get(name, "rate"):
            rows.append((label, fmt(get(name, "rate"), "/s"), "-", "-", "-", "-"))
        else:
            rows.append((label, run.get("note", "not run"), "-", "-", "-", "-"))

    header = ("scenario", "agentd", "baseline", "ratio", "target", "met?")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: " | ".join(str(c).ljust(w) for c, w in zip(r, widths))
    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def fmt(value, unit):
    if value is None:
        return "n/a"
    return f"{value:,.0f}{unit}" if value >= 100 else f"{value:.1f}{unit}"


def ratio_text(ratio):
    return "n/a" if ratio is None else f"{ratio:.2f}x"


if __name__ == "__main__":
    main()
