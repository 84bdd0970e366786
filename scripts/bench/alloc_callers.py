"""Which functions of agentd allocate, per message, from `perf script -F ip,sym,dso` of
malloc uprobe samples (read on stdin). A sample is charged to its first frame in the agentd
binary that is not a standard-library generic (`$ss…`/`$sS…`: array growth, string storage),
so `Array.append` inside `RedisCommand.append` counts for the latter.
Usage: alloc_callers.py BINARY_NAME MESSAGES TOP"""
import collections
import subprocess
import sys

binary, messages, top = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
counts = collections.Counter()
total = 0
frames = []


def charge():
    global total
    if not frames:
        return
    total += 1
    pick = next((sym for sym, dso in frames[1:] if binary in dso and not sym.startswith(("$ss", "$sS"))), None)
    counts[pick or (frames[1][0] if len(frames) > 1 else "?")] += 1


for line in sys.stdin:
    line = line.strip()
    if not line:
        charge()
        frames.clear()
        continue
    parts = line.split(None, 1)
    if len(parts) == 2:
        symbol, _, dso = parts[1].rpartition(" (")
        frames.append((symbol, dso))
charge()
for symbol, count in counts.most_common(top):
    name = subprocess.run(["swift", "demangle", "--compact", "--simplified", symbol], capture_output=True, text=True).stdout.strip()
    print(f"{count / messages:6.2f}  {(name or symbol)[:150]}")
print(f"{total / messages:6.2f}  (all)")
