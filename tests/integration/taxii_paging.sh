#!/usr/bin/env bash
# TAXII 2.1 paging (issue #21): 10,000 objects, 1,000 sharing one date_added, walked with
# limit=7 while another writer adds 300: every object seen exactly once.
set -u
: "${MAMORI:?MAMORI must name the built binary}"
exec python3 "$(dirname "$0")/taxii.py" paging
