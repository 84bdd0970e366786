#!/usr/bin/env python3
"""Adds up the pass/fail counts of every suite scripts/test.sh runs and prints them, the
last line being the grand total "N passed, N failed".

    scripts/test-totals.py [--swift STATUS LOG] [--e2e STATUS LOG] [--pytest STATUS LOG]
                           [--step-failed WHAT]...
    scripts/test-totals.py --self-test

STATUS is the suite's exit status, LOG a file holding its output. What is parsed:
  --swift   `swift test`: Swift Testing's closing line
              ✔ Test run with 458 tests in 70 suites passed after 61.2 seconds.
              ✘ Test run with 458 tests in 70 suites failed after 60.1 seconds with 3 issues.
            (failing tests counted from the `✘ Test NAME failed after ...` lines, else from
            the `✘ Test NAME recorded an issue ...` lines, else the issue count), plus
            XCTest's last `Executed N tests, with M failures ...` line (failing tests
            counted from `Test Case '...' failed` lines, else M).
  --e2e     scripts/integration/run-tests.sh: its last `N passed, N failed` line.
  --pytest  pytest's summary, e.g. `3 failed, 40 passed, 2 skipped in 12.34s`
            (errors count as failed).
A suite that printed no count it can be judged by, or that exited non-zero while no
failure was counted (a crash, a build or install step that failed), counts as 1 failed,
so the total can never look green by accident. --step-failed adds 1 failed for a step
that is not a test suite (e.g. the build). Exits 1 when anything failed, else 0.
"""

import argparse
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

ST_RUN = re.compile(
    r"Test run with (\d+) tests?(?: in \d+ suites?)? (passed|failed) after [\d.]+ seconds"
    r"(?: with (\d+) issues?)?")
ST_TEST_FAILED = re.compile(r"^\S*\s*Test (?!run with )(.+?) (?:with .*? )?failed after ")
ST_TEST_ISSUE = re.compile(r"^\S*\s*Test (?!run with )(.+?) recorded an(?: known)? issue\b")
XC_EXECUTED = re.compile(r"Executed (\d+) tests?, with (\d+) failures?")
XC_CASE_FAILED = re.compile(r"Test Case '([^']+)' failed")
E2E_LINE = re.compile(r"^(\d+) passed, (\d+) failed$")
PYTEST_LINE = re.compile(r"^=*\s*((?:\d+ [a-z]+(?:, )?)+|no tests ran) in [\d.]+s\b")
PYTEST_PART = re.compile(r"(\d+) ([a-z]+)")


def clean_lines(text):
    return [ANSI.sub("", line).rstrip("\r") for line in text.splitlines()]


def parse_swift(text):
    """(passed, failed, note) or None when no summary line is there."""
    lines = clean_lines(text)
    found = False
    passed = failed = 0
    notes = []
    runs = [m for m in (ST_RUN.search(l) for l in lines) if m]
    if runs:
        found = True
        m = runs[-1]
        total, verdict, issues = int(m.group(1)), m.group(2), int(m.group(3) or 0)
        failing = {m.group(1) for m in (ST_TEST_FAILED.match(l.strip()) for l in lines) if m}
        if not failing:
            failing = {m.group(1) for m in (ST_TEST_ISSUE.match(l.strip()) for l in lines
                                            if "recorded a known issue" not in l) if m}
        bad = len(failing)
        if verdict == "failed" and bad == 0:
            bad = max(1, min(issues, total) if total else 1)
        bad = min(bad, total) if total else bad
        if verdict == "failed" and bad == 0:
            bad = 1
        passed += total - bad
        failed += bad
        notes.append("Swift Testing %d tests, %d failed" % (total, bad))
    executed = [m for m in (XC_EXECUTED.search(l) for l in lines) if m]
    if executed:
        found = True
        total, failures = int(executed[-1].group(1)), int(executed[-1].group(2))
        cases = {m.group(1) for m in (XC_CASE_FAILED.search(l) for l in lines) if m}
        bad = len(cases) or min(failures, total)
        if failures and not bad:
            bad = 1
        passed += max(total - bad, 0)
        failed += bad
        notes.append("XCTest %d tests, %d failed" % (total, bad))
    return (passed, failed, "; ".join(notes)) if found else None


def parse_e2e(text):
    for line in reversed(clean_lines(text)):
        m = E2E_LINE.match(line.strip())
        if m:
            return int(m.group(1)), int(m.group(2)), ""
    return None


def parse_pytest(text):
    for line in reversed(clean_lines(text)):
        m = PYTEST_LINE.match(line.strip())
        if not m:
            continue
        counts = {}
        for n, word in PYTEST_PART.findall(m.group(1)):
            counts[word] = counts.get(word, 0) + int(n)
        passed = counts.get("passed", 0)
        failed = counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0)
        extra = ", ".join("%d %s" % (counts[k], k) for k in
                          ("skipped", "xfailed", "xpassed", "deselected") if counts.get(k))
        return passed, failed, extra
    return None


PARSERS = {"swift": ("swift test", parse_swift),
           "e2e": ("end-to-end", parse_e2e),
           "pytest": ("python client", parse_pytest),
           # scripts/chaos.sh ends with the same "N passed, N failed" line: one run, one test.
           "chaos": ("chaos run", parse_e2e)}


def judge(kind, status, text):
    """(label, passed, failed, note) for one suite's exit status and output."""
    label, parse = PARSERS[kind]
    got = parse(text)
    if got is None:
        return label, 0, 1, "no test count in its output (exit status %d): counted as 1 failed" % status
    passed, failed, note = got
    if status != 0 and failed == 0:
        failed = 1
        note = (note + "; " if note else "") + "exit status %d with no failure counted: counted as 1 failed" % status
    return label, passed, failed, note


def totals(results, failed_steps=()):
    """The printed lines; the last one is the grand total."""
    out = []
    passed = failed = 0
    for label, p, f, note in results:
        passed += p
        failed += f
        out.append("  %-14s %d passed, %d failed%s" % (label + ":", p, f, " (%s)" % note if note else ""))
    for step in failed_steps:
        failed += 1
        out.append("  %-14s 0 passed, 1 failed (did not succeed; later suites did not run)" % (step + ":"))
    out.append("%d passed, %d failed" % (passed, failed))
    return out, failed


SAMPLES = [
    # (kind, status, text, passed, failed)
    ("swift", 0, "Test Suite 'All tests' started at 2026-01-01 10:00:00.000\n"
                 "Test Suite 'All tests' passed at 2026-01-01 10:00:00.001\n"
                 "\t Executed 0 tests, with 0 failures (0 unexpected) in 0.0 (0.0) seconds\n"
                 "\u25c7 Test run started.\n\u2714 Test foo() passed after 0.001 seconds.\n"
                 "\u2714 Test run with 458 tests in 70 suites passed after 61.2 seconds.\n", 458, 0),
    ("swift", 1, "\u2718 Test bar() recorded an issue at BarTests.swift:12:9: Expectation failed: a == 2\n"
                 "\u2718 Test bar() failed after 0.010 seconds with 1 issue.\n"
                 "\u2718 Test \"baz with spaces\" recorded an issue at B.swift:3:1: Expectation failed\n"
                 "\u2718 Test \"baz with spaces\" recorded an issue at B.swift:4:1: Expectation failed\n"
                 "\u2718 Test \"baz with spaces\" failed after 0.020 seconds with 2 issues.\n"
                 "\u2718 Test qux(x:) with 3 test cases failed after 0.020 seconds with 1 issue.\n"
                 "\u2718 Suite BarTests failed after 0.030 seconds with 4 issues.\n"
                 "\u2718 Test run with 458 tests in 70 suites failed after 60.1 seconds with 4 issues.\n", 455, 3),
    # Only "recorded an issue" lines (e.g. output cut short): distinct tests.
    ("swift", 1, "\u2718 Test a() recorded an issue at A.swift:1:1: x\n"
                 "\u2718 Test a() recorded an issue at A.swift:2:1: y\n"
                 "\u2718 Test b() recorded an issue at A.swift:3:1: z\n"
                 "\u2718 Test run with 10 tests failed after 1.0 seconds with 3 issues.\n", 8, 2),
    # Neither kind of per-test line: fall back to the issue count.
    ("swift", 1, "\x1b[91m\u2718\x1b[0m Test run with 10 tests in 2 suites failed after 1.0 seconds with 3 issues.\n", 7, 3),
    # Known issues do not fail a run.
    ("swift", 0, "\u2714 Test run with 1 test passed after 0.5 seconds with 1 known issue.\n", 1, 0),
    # XCTest only.
    ("swift", 1, "Test Case 'FooTests.testA' failed (0.001 seconds).\n"
                 "\t Executed 12 tests, with 2 failures (0 unexpected) in 0.1 (0.1) seconds\n"
                 "Test Suite 'All tests' failed at ...\n"
                 "\t Executed 12 tests, with 2 failures (0 unexpected) in 0.1 (0.1) seconds\n", 11, 1),
    ("swift", 0, "\t Executed 12 tests, with 0 failures (0 unexpected) in 0.1 (0.1) seconds\n", 12, 0),
    # Crashed mid-run: no closing line.
    ("swift", 134, "\u25c7 Test run started.\n\u2714 Test a() passed after 0.1 seconds.\n"
                   "error: Exited with unexpected signal code 6\n", 0, 1),
    # Summary says passed, yet swift test exited non-zero (e.g. the XCTest half crashed).
    ("swift", 1, "\u2714 Test run with 5 tests passed after 1.0 seconds.\n", 5, 1),
    ("e2e", 0, "PASS x (1.0s)\n    # 0 passed, 1 failed in a figure\n(3 skipped)\n(301s wall, TEST_JOBS=4)\n148 passed, 0 failed\n", 148, 0),
    ("e2e", 1, "FAIL y (2.0s)\nfailed: y\n147 passed, 1 failed\n", 147, 1),
    ("e2e", 1, "agentd: /x\nredis: ...\nwith-redis: redis-server exited early:\n", 0, 1),
    ("pytest", 0, "........ [100%]\n40 passed in 12.34s\n", 40, 0),
    ("pytest", 1, "FAILED tests/test_a.py::test_x - assert 1 == 2\n"
                  "3 failed, 40 passed, 2 skipped, 1 warning in 12.34s\n", 40, 3),
    ("pytest", 1, "==== 1 failed, 39 passed, 1 error in 62.00s (0:01:02) ====\n", 39, 2),
    ("pytest", 1, "no tests ran in 0.01s\nrun-tests.sh: pytest collected no tests: that is a failure\n", 0, 1),
    ("pytest", 1, "== virtualenv: /tmp/v\nERROR: Could not install packages\n", 0, 1),
    # pytest -q -q prints no summary line at all, even when everything passed.
    ("pytest", 0, "..........  [ 85%]\n....        [100%]\n", 0, 1),
]


def self_test():
    bad = 0
    for i, (kind, status, text, want_p, want_f) in enumerate(SAMPLES):
        _, p, f, note = judge(kind, status, text)
        ok = (p, f) == (want_p, want_f)
        bad += not ok
        print("%s sample %d (%s, exit %d): %d passed, %d failed%s" % (
            "ok  " if ok else "FAIL", i, kind, status, p, f,
            "" if ok else " -- expected %d passed, %d failed (%s)" % (want_p, want_f, note)))
    lines, failed = totals([judge("swift", 0, SAMPLES[0][2]), judge("e2e", 1, SAMPLES[10][2]),
                            judge("pytest", 0, SAMPLES[12][2])], ["build"])
    want = "645 passed, 2 failed"   # 458 + 147 + 40; the e2e failure and the build
    if lines[-1] != want or failed != 2:
        bad += 1
        print("FAIL total line: %r, expected %r" % (lines[-1], want))
    print("self-test: %s" % ("ok" if not bad else "%d failed" % bad))
    return 1 if bad else 0


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for kind in PARSERS:
        ap.add_argument("--" + kind, nargs=2, metavar=("STATUS", "LOG"))
    ap.add_argument("--step-failed", action="append", default=[], metavar="WHAT")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args(argv)
    if args.self_test:
        return self_test()
    results = []
    for kind in PARSERS:
        given = getattr(args, kind)
        if not given:
            continue
        status, path = int(given[0]), given[1]
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
        except OSError as e:
            text = ""
            print("test-totals: cannot read %s: %s" % (path, e), file=sys.stderr)
        results.append(judge(kind, status, text))
    lines, failed = totals(results, args.step_failed)
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
