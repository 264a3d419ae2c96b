#!/usr/bin/env bash
# Web and auth hardening (issue #19 items 14-21): slow-loris and per-address limits, request
# time bounds, org/sector report namespaces, the login throttle, relative language links,
# strict JSON bodies, TLS versions and suites, audited denied reads, API token revocation.
# Drives `mamori serve` on 127.0.0.0/8 with random free ports (tests/integration/harden_web.py).
set -u
: "${MAMORI:?MAMORI must name the built binary}"
exec python3 "$(dirname "$0")/harden_web.py" "$@"
