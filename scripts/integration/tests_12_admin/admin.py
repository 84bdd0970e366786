"""An HTTP client for agentd's admin port, for the tests_12_admin scripts (standard library).

    from admin import *
    status, headers, body = get("/healthz")          # 127.0.0.1:$ADMIN_PORT
    stats = get_json("/api/stats", token="t")       # asserts 200, returns the JSON
    m = scrape()                                     # {("name", (("label", "v"), ...)): value}
    total(m, "agentd_messages_sent_total", priority="high")
"""

import http.client
import json
import os
import re


def port():
    return int(os.environ["ADMIN_PORT"])


def request(method, path, token=None, headers=None, timeout=10):
    """One request on a fresh connection: (status, {lower-case header: value}, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port(), timeout=timeout)
    try:
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        conn.request(method, path, headers=h)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def get(path, token=None, headers=None):
    return request("GET", path, token=token, headers=headers)


def get_json(path, token=None, status=200):
    got, headers, body = get(path, token=token)
    assert got == status, "%s: status %d, expected %d: %r" % (path, got, status, body[:300])
    assert headers.get("content-type", "").startswith("application/json"), (path, headers)
    return json.loads(body)


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text format -> {(name, ((label, value), ...sorted)): float}; also checks
    that every sample's family has a # TYPE line before it."""
    samples, typed = {}, set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "not a Prometheus sample line: %r" % line
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        family = re.sub(r"_(bucket|sum|count)$", "", name)
        assert name in typed or family in typed, "sample before its # TYPE line: %r" % line
        key = (name, tuple(sorted(LABEL.findall(labels))))
        samples[key] = float(value)
    return samples


def scrape(token=None):
    status, headers, body = get("/metrics", token=token)
    assert status == 200, "/metrics: %d %r" % (status, body[:200])
    assert headers.get("content-type", "").startswith("text/plain"), headers
    return parse_metrics(body.decode())


def total(samples, name, **labels):
    """Sum of the samples of `name` whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= set(ls))


def has(samples, name):
    return any(n == name for (n, _) in samples)
