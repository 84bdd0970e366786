#!/usr/bin/env python3
"""Prints scripts/bench.sh's final table from the JSON lines of one run.

usage: report.py RESULTS.jsonl CONNECTIONS [--only sweep|nats|python]
Each agentd figure sits beside its raw-Redis baseline with the ratio and the target of
issue 4 (send and cycle >= 50 % of the baseline; latency p50 <= 3x and p99 <= 4x the raw
XADD -> blocked XREADGROUP figures; 10 000 idle connections under 300 MiB RSS). Then the
heartbeat sweeper's cost per pass at each registry size (`sweep_N` rows of sweep_log.py,
`agents` rows of agentd-bench), no baseline, and whether its cost per agent stays flat.
Then (issue 16) agentd beside Redis and NATS JetStream (same load shape for all three), and
the Python client beside redis-py (python_client.py's median rows).
A scenario run several times (bench.sh --rounds) counts with its median run by rate.
"""
import json
import sys


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    row = json.loads(line)
                except ValueError:
                    continue
                if "round" in row:  # python_client.py's single rounds: its median rows follow
                    continue
                name = row.get("scenario")
                # One `agents` run per registry size: keep them apart.
                if name == "agents" and isinstance(row.get("agents"), (int, float)):
                    name = f"agents_{int(row['agents'])}"
                rows.setdefault(name, []).append(row)
    return {name: median_run(runs) for name, runs in rows.items()}


def median_run(runs):
    """The median run by rate (the upper one of an even count); the last run without rates.
    Latency runs (all at one rate) take the median of each percentile instead."""
    if len(runs) >= 2 and all(isinstance(r.get("p50_us"), (int, float)) for r in runs):
        chosen = dict(runs[-1])
        for field in chosen:
            if field.endswith("_us"):
                values = sorted(r[field] for r in runs if isinstance(r.get(field), (int, float)))
                chosen[field] = values[len(values) // 2]
        chosen["rounds"] = len(runs)
        chosen["all_p50_us"] = [r["p50_us"] for r in runs]
        return chosen
    rated = [r for r in runs if isinstance(r.get("rate"), (int, float)) and not isinstance(r.get("rate"), bool)]
    if len(runs) < 2 or len(rated) < len(runs):
        return runs[-1]
    chosen = dict(sorted(rated, key=lambda r: r["rate"])[len(rated) // 2])
    chosen["rounds"] = len(runs)
    chosen["all_rates"] = [r["rate"] for r in runs]
    return chosen


def main():
    args = sys.argv[1:]
    only = None
    if "--only" in args:
        i = args.index("--only"); only = args[i + 1]; del args[i:i + 2]
    runs = load(args[0])
    connections = int(args[1]) if len(args) > 1 else 10000
    rows = []
    if only == "sweep":
        notes = sweep_rows(runs, rows)
        print_table(rows)
        for note in notes:
            print(note)
        return
    if only == "nats":
        print_nats(runs)
        return
    if only == "python":
        print_python(runs)
        return
    if only == "latency":
        print_latency(runs)
        return

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

    throughput("send (acked sends)", "send", ("redis_benchmark_xadd", "rate"), "XADD c50 P16", 0.5)
    throughput("cycle (send>push>ack)", "cycle", ("redis_cycle", "rate"), "raw cycle", 0.5)
    throughput("fetch (send>fetch>ack)", "fetch", ("redis_cycle", "rate"), "raw cycle", None)
    throughput("cycle vs unpipelined", "cycle", ("redis_cycle_unpipelined", "rate"), "raw unpipelined", None)
    # (send -> push delivery and the send's reply: the latency comparison, printed below)

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

    notes = sweep_rows(runs, rows)
    print_table(rows)
    for note in notes:
        print(note)
    print()
    print_latency(runs)
    print()
    print_nats(runs)
    print()
    print_python(runs)


def rate_of(runs, scenario):
    value = runs.get(scenario, {}).get("rate")
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def rounds_note(runs, scenarios):
    counts = sorted({runs[s].get("rounds", 1) for s in scenarios if s in runs})
    return "" if counts in ([], [1]) else f" (median of {'/'.join(str(c) for c in counts)} rounds)"


def print_nats(runs):
    """agentd beside Redis (C, hiredis) and NATS JetStream (C, libnats, file storage), each
    with 4 producers keeping 64 messages in flight, 200-byte values."""
    lines = (
        ("publish with ack", "send", "redis_send", "nats_publish"),
        ("cycle: agentd push, others pull 100", "cycle", "redis_cycle", "nats_cycle"),
        ("cycle: all pull 100 > ack", "fetch", "redis_cycle", "nats_cycle"),
    )
    used = {s for line in lines for s in line[1:]}
    print("agentd beside Redis and NATS JetStream, messages/s" + rounds_note(runs, used))
    rows = []
    for label, a, r, n in lines:
        fa, fr, fn = rate_of(runs, a), rate_of(runs, r), rate_of(runs, n)
        ratio = lambda x, y: ratio_fine(x / y if x and y else None)
        rows.append((label, fmt(fa, "/s"), fmt(fr, "/s"), fmt(fn, "/s") if n in runs else "not run",
                     ratio(fa, fr), ratio(fa, fn), ratio(fn, fr)))
    print_table(rows, ("figure", "agentd", "Redis", "NATS JetStream", "agentd/Redis", "agentd/NATS", "NATS/Redis"))


def print_latency(runs):
    """agentd's send -> push delivery at 1000/s beside raw Redis' XADD -> blocked XREADGROUP
    paced the same (issue 16's bars: p50 <= 2x, p50 <= 3x, p99 <= 4x), with the default
    event-loop threads and with one."""
    raw = runs.get("redis_latency", {})
    if "latency" not in runs and "latency_1thread" not in runs:
        print("latency comparison: not run")
        return
    used = {s for s in ("latency", "latency_1thread", "redis_latency") if s in runs}
    counts = sorted({runs[s].get("rounds", 1) for s in used})
    note = "" if counts in ([], [1]) else f" (median of {'/'.join(str(c) for c in counts)} rounds)"
    print("send -> push delivery at 1000/s, agentd beside raw Redis XADD -> blocked XREADGROUP" + note)
    rows = []
    for name, label in (("latency", "agentd, threads = cores"), ("latency_1thread", "agentd, event_loop_threads = 1")):
        run = runs.get(name)
        if not run:
            continue
        for field, bar in (("p50_us", 2), ("p90_us", None), ("p99_us", 4)):
            a, b = run.get(field), raw.get(field)
            ratio = a / b if a and b else None
            met = "-" if bar is None or ratio is None else ("yes" if ratio <= bar else "NO")
            rows.append((f"{label}: {field[:3]}", fmt(a, " us"), f"{fmt(b, ' us')} raw", ratio_text(ratio),
                         f"<= {bar}x" if bar else "-", met))
        a, b = run.get("send_p50_us"), raw.get("xadd_p50_us")
        rows.append((f"{label}: send reply p50", fmt(a, " us"), f"{fmt(b, ' us')} raw XADD", ratio_text(a / b if a and b else None), "-", "-"))
    print_table(rows)


def print_python(runs):
    """The Python client (agentd_client.Client) beside redis-py, python_client.py's medians."""
    lines = (
        ("send, sequential", "send_sequential"),
        ("send, pipelined", "send_pipelined"),
        ("cycle: send > fetch 100 > ack", "cycle"),
    )
    used = {f"py_{side}_{name}" for _, name in lines for side in ("agentd", "redis")}
    if not used & runs.keys():
        print("Python clients: not run")
        return
    counts = sorted({runs[s].get("rounds", 1) for s in used if s in runs})
    note = "" if counts in ([], [1]) else f" (median of {'/'.join(str(c) for c in counts)} rounds)"
    print("Python clients: agentd_client beside redis-py, one thread" + note)
    rows = []
    for label, name in lines:
        a, r = runs.get(f"py_agentd_{name}", {}), runs.get(f"py_redis_{name}", {})
        fa, fr = rate_of(runs, f"py_agentd_{name}"), rate_of(runs, f"py_redis_{name}")
        cpu = lambda row: fmt(row.get("client_cpu_us_per_msg"), " us")
        rows.append((label, fmt(fa, "/s"), fmt(fr, "/s"), ratio_fine(fa / fr if fa and fr else None),
                     fmt(1e6 / fa if fa else None, " us"), fmt(1e6 / fr if fr else None, " us"),
                     f"{cpu(a)} / {cpu(r)}"))
    print_table(rows, ("figure", "agentd_client", "redis-py", "ratio", "agentd us/msg", "redis-py us/msg",
                       "client CPU/msg (agentd / redis-py)"))


def print_table(rows, header=("scenario", "agentd", "baseline", "ratio", "target", "met?")):
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: " | ".join(str(c).ljust(w) for c, w in zip(r, widths))
    print(line(header))
    print("-+-".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def size_label(n):
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def sweep_rows(runs, rows):
    """Rows `sweep, Nk agents expiring` (the sweeper's total µs to mark N agents offline,
    µs per agent) and the registrations/s of each size; returns the lines to print under
    the table. A pass reads only silent agents (up to 100), so the cost per agent should not
    grow with the registry."""
    sizes = sorted({int(r["agents"]) for name, r in runs.items()
                    if name.startswith("sweep_") and isinstance(r.get("agents"), int)})
    notes = []
    per_agent = []
    for n in sizes:
        sweep = runs.get(f"sweep_{n}", {})
        reg = runs.get(f"agents_{n}", {})
        label = size_label(n)
        per = sweep.get("us_per_agent")
        if per is not None:
            per_agent.append((n, per))
            figure = f"{sweep['total_us'] / 1000:.1f} ms ({per:.2f} us/agent)"
            met = "-" if sweep.get("complete") else "- (incomplete)"
        else:
            figure, met = "n/a (no sweep pass logged)", "-"
        rows.append((f"sweep, {label} agents expiring", figure, "-", "-", "-", met))
        rate = reg.get("rate")
        rows.append((f"register {label} agents", fmt(rate, "/s") if rate else "n/a", "-", "-", "-",
                     "-" if reg.get("complete", False) else "- (incomplete)"))
        if per is not None:
            rss = sweep.get("rss_mib")
            notes.append(
                f"sweeper, {n} agents expiring: {sweep.get('passes')} passes marked {sweep.get('offline_total')} offline "
                f"in {sweep['total_us'] / 1000:,.1f} ms of sweeper time (median pass {sweep.get('median_us', 0):,.0f} us, "
                f"max {sweep.get('max_us', 0):,.0f} us), {per:.2f} us/agent; agentd RSS {rss if rss is not None else 'n/a'} "
                f"MiB with them registered; registered at {fmt(rate, '/s') if rate else 'n/a'}")
    if len(per_agent) >= 2:
        (n0, p0), (n1, p1) = per_agent[0], per_agent[-1]
        growth = p1 / p0 if p0 else float("inf")
        verdict = ("flat: the cost follows the agents that expire, not the registry's size" if growth <= 1.5 else
                   "NOT flat: an expiring agent costs more in a larger registry")
        notes.append(f"sweeper cost per agent {size_label(n0)} -> {size_label(n1)}: "
                     f"{p0:.2f} -> {p1:.2f} us/agent (x{growth:.2f}), {verdict}")
    return notes


def fmt(value, unit):
    if value is None:
        return "n/a"
    return f"{value:,.0f}{unit}" if value >= 100 else f"{value:.1f}{unit}"


def ratio_text(ratio):
    return "n/a" if ratio is None else f"{ratio:.2f}x"


def ratio_fine(ratio):
    """As ratio_text, with a third decimal below 0.1x."""
    return "n/a" if ratio is None else f"{ratio:.3f}x" if ratio < 0.1 else f"{ratio:.2f}x"


if __name__ == "__main__":
    main()
