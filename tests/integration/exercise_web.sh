#!/usr/bin/env bash
# Tabletop exercises in the console and API (issue 17): named participants only (404 alike for
# others), the exercise incident form (CSRF, bilingual errors, marked with the run, kept out of
# real lists, timed on the inject clock), attachment bytes (download only, nosniff, bad input),
# and 【訓練】 mails kept out of the live alert list and counts but shown in the run's view.
# Drives `mamori serve` on 127.0.0.1 (tests/integration/exercise_web.py).
set -u
: "${MAMORI:?MAMORI must name the built binary}"
exec python3 "$(dirname "$0")/exercise_web.py"
