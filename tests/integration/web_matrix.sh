#!/usr/bin/env bash
# Web console and API: every route as every role against the expected matrix; operator A never reaches B.
# Drives `mamori serve` on 127.0.0.1 with a random free port (tests/integration/webtest.py).
set -u
: "${MAMORI:?MAMORI must name the built binary}"
exec python3 "$(dirname "$0")/webtest.py" matrix
