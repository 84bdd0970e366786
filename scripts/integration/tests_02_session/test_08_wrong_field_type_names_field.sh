#!/usr/bin/env bash
# Field types are strict ("limit": "10" is not coerced) and ranges are checked; the
# error message names the field.
source "$(dirname "$0")/../test_functions.sh"
start_agentd
py <<'PY'
from wire import *
c = Conn()
c.hello("strict")
expect_error(c.request("fetch", limit="10"), "bad_request", "limit")
expect_error(c.request("fetch", limit=0), "bad_request", "limit")
expect_error(c.request("fetch", limit=1001), "bad_request", "limit")
expect_error(c.request("fetch", limit=2.5), "bad_request", "limit")
expect_error(c.request("fetch", wait_ms="100"), "bad_request", "wait_ms")
expect_error(c.request("fetch", wait_ms=30001), "bad_request", "wait_ms")
expect_error(c.request("fetch", wait_ms=-1), "bad_request", "wait_ms")
expect_error(c.request("ack", message_ids="abc"), "bad_request", "message_ids")
expect_error(c.request("ack", message_ids=[1, 2]), "bad_request", "message_ids")
expect_error(c.request("subscribe", prefetch=0), "bad_request", "prefetch")
expect_error(c.request("subscribe", prefetch="5"), "bad_request", "prefetch")
expect_error(c.request("send", message="hi"), "bad_request", "message")
# Unknown fields are ignored.
r = c.request("fetch", limit=1000, wait_ms=0, colour="blue")
assert r["ok"] is True and r["messages"] == [], r
print("# 12 wrongly typed/out-of-range fields -> bad_request naming the field")
PY
