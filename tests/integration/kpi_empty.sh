#!/usr/bin/env bash
# The KPI panel of a sector page says "no findings yet" in one line (ja/en) instead of drawing
# empty charts (issue 14). Drives `mamori serve` on 127.0.0.1 (tests/integration/kpi_empty.py).
set -u
: "${MAMORI:?MAMORI must name the built binary}"
exec python3 "$(dirname "$0")/kpi_empty.py"
