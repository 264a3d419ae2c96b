#!/usr/bin/env bash
# incident_remind_serve.sh - the server schedules the reminder pass itself (issue 15): two
# `mamori serve` processes on one store, "now" pinned (MAMORI_NOW) 4 h before a NIS2 early
# warning is due, an SMTP receiver on 127.0.0.1 (one file per recipient and message): the
# recurring job incident.remind runs once for the period and the operator's mailbox gets the
# reminder exactly once; `mamori jobs run --remind-every` (the cron worker) adds nothing for
# the same period; --remind-every 0 turns the pass off.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
T=$(mktemp -d)
SPID= A= B= C=
trap 'for p in $SPID $A $B $C; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }

. "$(dirname "$0")/../support/smtp_sink.sh"
smtp_sink_start --maildir "$T/mail" || exit 1
export MAMORI_SMTP_URL="$SMTP"
# reminder mails (NIS2 early warning of incident 1) in the operator's mailbox
reminders() {
	python3 - "$T/mail/csirt@kanto-rail.test" <<'PY'
import email, email.header, glob, os, sys
n = 0
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.eml"))):
    m = email.message_from_bytes(open(f, "rb").read())
    body = (m.get_payload(decode=True) or b"").decode("utf-8", "replace")
    text = str(email.header.make_header(email.header.decode_header(m["Subject"]))) + body
    n += "インシデント #1「" in text and "報告期限が近づいています" in text and "早期警告" in text
print(n)
PY
}

"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "inventory import failed"; exit 1; }
MAMORI_NOW=2026-12-01T00:30:00Z "$M" incident report kanto-rail "$SRC/examples/incident-initial.yaml" >/dev/null
check "incident 1 filed, no reminder yet" "[ \"\$(reminders)\" = 0 ]"

# 4 h before the early warning (due 2026-12-02T00:00Z, remind_before 6 h)
export MAMORI_NOW=2026-12-01T20:00:00Z
serve() { "$M" serve --listen 127.0.0.1:0 --port-file "$T/port-$1" --remind-every "$2" >"$T/serve-$1.log" 2>&1 & }
serve a 60
A=$!
serve b 60
B=$!
for _ in $(seq 200); do [ "$(reminders)" -ge 1 ] && break; sleep 0.1; done
check "the server sent the reminder on its own" "[ \"\$(reminders)\" -ge 1 ]"
sleep 5 # more than two job polls of both servers
check "exactly once, with two servers on the store" "[ \"\$(reminders)\" = 1 ]"
check "one incident.remind job for the period, done" \
	"[ \"\$(q \"SELECT count(*) || ' ' || group_concat(state) FROM jobs WHERE kind = 'incident.remind'\")\" = '1 done' ]"
check "its note counts the reminder" \
	"q \"SELECT note FROM jobs WHERE kind = 'incident.remind'\" | grep -q 'delivered'"
kill "$A" "$B"
wait "$A" "$B" 2>/dev/null
A= B=
check "the cron worker adds no job for the same period" \
	"'$M' jobs run --remind-every 60 --json | grep -q '\"ran\":[[:space:]]*0' && [ \"\$(q \"SELECT count(*) FROM jobs WHERE kind = 'incident.remind'\")\" = 1 ]"
check "still exactly one reminder" "[ \"\$(reminders)\" = 1 ]"

# the next period: the overdue alert after the due time, by the cron worker
export MAMORI_NOW=2026-12-02T00:30:00Z
check "the worker runs the next period's pass" \
	"'$M' jobs run --remind-every 60 --json | grep -q '\"ran\":[[:space:]]*1'"
check "two periods, two jobs" "[ \"\$(q \"SELECT count(*) FROM jobs WHERE kind = 'incident.remind' AND state = 'done'\")\" = 2 ]"
check "overdue alert delivered" "grep -rlq '' '$T/mail/csirt@kanto-rail.test' && [ \$(ls '$T/mail/csirt@kanto-rail.test' | wc -l) -ge 2 ]"

# --remind-every 0: no pass
export MAMORI_NOW=2026-12-03T00:30:00Z
serve c 0
C=$!
for _ in $(seq 100); do [ -s "$T/port-c" ] && break; sleep 0.1; done
sleep 3
check "--remind-every 0 queues nothing" "[ \"\$(q \"SELECT count(*) FROM jobs WHERE kind = 'incident.remind'\")\" = 2 ]"
check "bad --remind-every refused" "! '$M' serve --remind-every x >/dev/null 2>&1"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
