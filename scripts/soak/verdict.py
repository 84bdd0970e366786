"""The soak's memory verdict: is agentd's RSS flat once warmed up?

The samples are split in thirds; the first third is warm-up and skipped. The median RSS
of the last third is compared with the median of the second third: FLAT when it grew by
less than `max_pct` per cent and less than `max_mib` MiB (a drop is flat too).

    python3 verdict.py samples.csv      # the soak's --csv file; column rss_mib
"""

import csv
import statistics
import sys

MAX_PCT = 10.0
MAX_MIB = 20.0
MIN_SAMPLES = 3


def rss_verdict(rss_mib, max_pct=MAX_PCT, max_mib=MAX_MIB):
    """dict(flat=bool|None, n, middle, last, growth_mib, growth_pct, text)."""
    n = len(rss_mib)
    if n < MIN_SAMPLES:
        return {"flat": None, "n": n, "middle": None, "last": None, "growth_mib": None, "growth_pct": None,
                "text": "not enough samples (%d < %d) for a verdict" % (n, MIN_SAMPLES)}
    a, b = n // 3, (2 * n) // 3
    middle = statistics.median(rss_mib[a:b])
    last = statistics.median(rss_mib[b:])
    growth = last - middle
    pct = 100.0 * growth / middle if middle > 0 else 0.0
    flat = pct < max_pct and growth < max_mib
    text = ("%d samples, first %d skipped (warm-up); median RSS %.1f MiB (samples %d-%d) -> %.1f MiB "
            "(samples %d-%d): %+.1f MiB (%+.1f %%); limit < %g %% and < %g MiB: %s"
            % (n, a, middle, a + 1, b, last, b + 1, n, growth, pct, max_pct, max_mib,
               "FLAT" if flat else "GROWING"))
    return {"flat": flat, "n": n, "middle": middle, "last": last, "growth_mib": growth, "growth_pct": pct,
            "text": text}


def slope_mib_per_min(times_s, rss_mib):
    """Least-squares slope of RSS over time (MiB per minute), or None with < 2 points."""
    n = len(times_s)
    if n < 2:
        return None
    mt = sum(times_s) / n
    mr = sum(rss_mib) / n
    var = sum((t - mt) ** 2 for t in times_s)
    if var == 0:
        return None
    return 60.0 * sum((t - mt) * (r - mr) for t, r in zip(times_s, rss_mib)) / var


def main(argv):
    if len(argv) != 1:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    with open(argv[0], newline="") as f:
        rows = list(csv.DictReader(f))
    rss = [float(r["rss_mib"]) for r in rows]
    v = rss_verdict(rss)
    print(v["text"])
    return 0 if v["flat"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
