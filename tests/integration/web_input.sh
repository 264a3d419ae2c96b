#!/usr/bin/env bash
# Web console and API: bad input (sizes, JSON, UTF-8, traversal, SQL metacharacters, CSRF, expiry, throttling).
# Drives `mamori serve` on 127.0.0.1 with a random free port (tests/integration/webtest.py).
set -u
: "${MAMORI:?MAMORI must name the built binary}"
exec python3 "$(dirname "$0")/webtest.py" input
