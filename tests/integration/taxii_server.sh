#!/usr/bin/env bash
# TAXII 2.1 server conformance (issue #21): a Python client written from the spec drives every
# endpoint of `mamori serve` on 127.0.0.1, success and error codes, auth, TLP per audience.
set -u
: "${MAMORI:?MAMORI must name the built binary}"
exec python3 "$(dirname "$0")/taxii.py" conformance
