#!/usr/bin/env bash
# Alerts in the console: wrk against the dashboard (with its alerts-awaiting panel), the alerts
# page and GET /api/v1/alerts?unacked=1 with 500 operators and 20,000 alerts (30% acknowledged),
# 64 connections on 127.0.0.1. BASELINE=<older mamori> interleaves its dashboard (no panel) for
# a ratio. Usage: bench/alerts.sh [--smoke] [MAMORI] [SECONDS]. Prints "N passed, M failed" last.
set -u
SMOKE=0
[ "${1:-}" = --smoke ] && { SMOKE=1; shift; }
M=${1:-${MAMORI:-build/release/mamori}}
DUR=${2:-${BENCH_SECONDS:-10}}
[ "$SMOKE" = 1 ] && DUR=2
CONNS=${BENCH_CONNS:-64}
command -v wrk >/dev/null || { echo "bench: wrk is not installed"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
PIDS=()
. "$(dirname "$0")/lib.sh"
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

python3 - "$T/inv.yaml" <<'PY'
import sys
sectors = [("railways", "railway"), ("water", "water_utility"), ("aviation", "airline"),
           ("airports", "airport"), ("logistics", "logistics"), ("ports", "port")]
with open(sys.argv[1], "w") as f:
    f.write("version: 1\norganisations:\n")
    for i in range(500):
        f.write(f"  - id: bench-{i:03d}\n    name: {{ ja: ベンチ事業者{i:03d}, en: Bench {i:03d} }}\n")
        s, b = sectors[i % 6]
        f.write(f"    sector: {s}\n    business_type: {b}\n    critical: false\n")
PY
# One store per binary (an older binary may not know the newer migrations).
setup() { # setup MAMORI DB -> prints PORT
	local m=$1 db=$2
	MAMORI_DB=$db "$m" -q init && MAMORI_DB=$db "$m" -q inventory import "$T/inv.yaml" >/dev/null || return 1
	MAMORI_DB=$db MAMORI_PASSWORD=bench-password-1 "$m" -q user add bench --role analyst || return 1
	MAMORI_DB=$db MAMORI_PASSWORD=bench-password-1 "$m" -q user add op --role operator --org bench-250 || return 1
	if sqlite3 "$db" "SELECT acked_at FROM alerts LIMIT 0" 2>/dev/null; then
		python3 - "$db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
now = int(time.time())
for i in range(20000):
    org = "bench-%03d" % (i % 500)
    aid = c.execute("INSERT INTO alerts (org_slug, issue_key, subject, body, created_at, urgent,"
                    " ack_token_sha256, acked_at, acked_by) VALUES (?, ?, ?, 'body', ?, ?, ?, ?, ?)"
                    " RETURNING id", (org, "vuln:CVE-2026-%05d" % i, "[mamori] 緊急 %d" % i,
                                      now - i * 60, 1 if i % 4 else 0, "%064x" % i,
                                      now if i % 10 < 3 else None,
                                      "op" if i % 10 < 3 else None)).fetchone()[0]
    c.execute("INSERT INTO alert_targets (alert_id, channel, target, state, attempts) VALUES"
              " (?, 'email', ?, 'delivered', 1)", (aid, "soc@%s.test" % org))
c.commit()
PY
	fi
	bench_serve "$db.port" "$db.log" env MAMORI_DB="$db" "$m" serve --threads 4 || return 1
	PIDS+=("$BENCH_PID")
}
session() { echo "Cookie: mamori_session=$(bench_session "$1" "$T/jar-$RANDOM" "$2")"; } # BASE NAME
setup "$M" "$T/m.db" || { echo "bench: setup failed"; echo "0 passed, 1 failed"; exit 1; }
B="http://127.0.0.1:$(cat "$T/m.db.port")"
ANA=$(session "$B" bench)
OP=$(session "$B" op)
if [ -n "${BASELINE:-}" ]; then
	setup "$BASELINE" "$T/base.db" || { echo "bench: baseline setup failed"; exit 1; }
	BB="http://127.0.0.1:$(cat "$T/base.db.port")"
	BANA=$(session "$BB" bench)
fi
echo "bench: 500 operators, 20000 alerts, $CONNS connections, $DUR s each, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
pass=0 fail=0
run() { # run NAME HEADER URL
	local out rps p99 non2xx errs
	out=$(wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -H "$2" "$3" 2>&1)
	bench_wrk_parse "$out"
	rps=$WRK_RPS p99=$WRK_P99 non2xx=$WRK_NON2XX errs=$WRK_ERRS
	printf 'bench: %-34s %10s req/s  p99 %8s  non-2xx %s  socket errors %s\n' "$1" "$rps" "$p99" "${non2xx:-0}" "${errs:-0}"
	if [ "${non2xx:-0}" = 0 ] && [ "${errs:-0}" = 0 ] && [ -n "$rps" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
}
for round in 1 2; do
	[ -n "${BASELINE:-}" ] && run "baseline GET / (no alerts panel)" "$BANA" "$BB/"
	run "GET / analyst (alerts panel)" "$ANA" "$B/"
	[ "$SMOKE" = 1 ] && break
done
run "GET / operator (alerts panel)" "$OP" "$B/"
run "GET /alerts analyst (50 rows)" "$ANA" "$B/alerts"
run "GET /api/v1/alerts?unacked=1" "$ANA" "$B/api/v1/alerts?unacked=1"
run "GET /api/v1/alerts operator" "$OP" "$B/api/v1/alerts"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
