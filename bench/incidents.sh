#!/usr/bin/env bash
# incidents.sh - the incident lists under load: 500 operators, 10,000 incidents (levels, states,
# reporting clocks) and 50,000 case messages; wrk with 64 connections on 127.0.0.1 against the
# incidents list with filters (analyst, bureau, operator) and the page. Target: p99 < 50 ms,
# 0 errors, for the filtered API list. Each line also gives the server's CPU time per request
# (utime+stime of the serve process over the run / requests: what the load of the shared
# machine changes least) and the CPU per request and p99 next to nginx's, serving a static copy
# of the 200-row page (60 KB; the API lists are ~42 KB) in the same run (the reference ceiling). Usage: bench/incidents.sh [--smoke] [MAMORI]
# [SECONDS]. Prints "N passed, M failed" last.
set -u
SMOKE=0
[ "${1:-}" = --smoke ] && { SMOKE=1; shift; }
M=${1:-${MAMORI:-build/release/mamori}}
DUR=${2:-${BENCH_SECONDS:-10}}
[ "$SMOKE" = 1 ] && DUR=2
CONNS=${BENCH_CONNS:-64}
P99_MS=${BENCH_P99_MS:-50}
command -v wrk >/dev/null || { echo "bench: wrk is not installed"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
PID= NGX=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; [ -n "$NGX" ] && kill "$NGX" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/lib.sh"

python3 - "$T/inv.yaml" <<'PY'
import sys
sectors = [("railways", "railway"), ("water", "water_utility"), ("aviation", "airline"),
           ("airports", "airport"), ("logistics", "logistics"), ("ports", "port")]
with open(sys.argv[1], "w") as f:
    f.write("version: 1\norganisations:\n")
    for i in range(500):
        s, b = sectors[i % 6]
        f.write(f"  - id: bench-{i:03d}\n    name: {{ ja: ベンチ事業者{i:03d} }}\n"
                f"    sector: {s}\n    business_type: {b}\n    critical: false\n")
PY
"$M" -q init && "$M" -q inventory import "$T/inv.yaml" >/dev/null || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
MAMORI_PASSWORD=bench-password-1 "$M" -q user add bench --role analyst
MAMORI_PASSWORD=bench-password-1 "$M" -q user add op --role operator --org bench-250
MAMORI_PASSWORD=bench-password-1 "$M" -q user add bur --role bureau --sector railways
python3 - "$MAMORI_DB" <<'PY'
import sqlite3, sys, time, json
c = sqlite3.connect(sys.argv[1])
now = int(time.time())
orgs = [r[0] for r in c.execute("SELECT id FROM orgs ORDER BY id")]
types = ["ddos", "ransomware", "unauthorized_access", "data_leak", "defacement", "malware",
         "outage_unknown", "other"]
for i in range(10000):
    aware = now - i * 600
    iid = c.execute("INSERT INTO incidents (org_id, title, type, state, occurred_at, aware_at,"
                    " versions, last_kind, level, level_kind, next_due, created_at, updated_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, 1, 'initial', ?, 'predicted', ?, ?, ?) RETURNING id",
                    (orgs[i % len(orgs)], "ベンチ インシデント %d" % i, types[i % 8],
                     "open" if i % 3 else "closed", aware - 3600, aware,
                     None if i % 7 == 0 else i % 5, aware + 86400 if i % 3 else None,
                     aware, aware)).fetchone()[0]
    c.execute("INSERT INTO incident_versions (incident_id, seq, kind, filed_at, filed_by, body)"
              " VALUES (?, 1, 'initial', ?, 'bench', ?)", (iid, aware, json.dumps({"title": "x"})))
for k in range(2000):
    cid = c.execute("INSERT INTO cases (org_id, kind, title, opened_at, opened_by,"
                    " first_response_due, resolution_due, updated_at) VALUES (?, ?, ?, ?, 'bench',"
                    " ?, ?, ?) RETURNING id", (orgs[k % len(orgs)], "rush" if k % 2 else "consult",
                                               "case %d" % k, now, now + 7200, now + 86400, now)
                    ).fetchone()[0]
    for m in range(25):
        c.execute("INSERT INTO incident_events (case_id, at, actor, kind, visibility, detail,"
                  " prev_hash, hash) VALUES (?, ?, 'bench', 'message', 'shared', ?, '-', '-')",
                  (cid, now, json.dumps({"text": "message %d" % m})))
c.commit()
PY
bench_serve "$T/port" "$T/serve.log" "$M" serve --threads 4 ||
	{ echo "bench: the server did not start"; echo "0 passed, 1 failed"; exit 1; }
PID=$BENCH_PID
B="http://127.0.0.1:$BENCH_PORT"
session() { echo "Cookie: mamori_session=$(bench_session "$B" "$T/jar-$1" "$1")"; }
ANA=$(session bench)
OP=$(session op)
BUR=$(session bur)
# the reference: nginx (2 workers) serving a static copy of the 200-row page, same connections
curl -s -H "$ANA" "$B/incidents?state=open" >"$T/page.html"
NPORT=
if bench_nginx_page "$T" "$T/page.html"; then
	NGX=$BENCH_NGX_PID NPORT=$BENCH_NGX_PORT
fi
echo "bench: 500 operators, 10000 incidents, 50000 case messages, $CONNS connections, $DUR s each, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), page $(wc -c <"$T/page.html") bytes"
pass=0 fail=0 NGX_P99= NGX_CPU=
cpu() { bench_ticks "$PID"; } # serve's utime + stime, clock ticks
# nginx's: its master and workers (the reference's CPU per request, same bytes class)
ngx_cpu() { bench_nginx_ticks; }
run() { # run NAME HEADER URL GATE (GATE ref: the nginx reference)
	local out rps p99 non2xx errs c0 c1 n cpu_ms ratio="" cratio=""
	if [ "$4" = ref ]; then c0=$(ngx_cpu); else c0=$(cpu); fi
	out=$(wrk -t2 -c"$CONNS" -d"${DUR}s" --latency -H "$2" "$3" 2>&1)
	if [ "$4" = ref ]; then c1=$(ngx_cpu); else c1=$(cpu); fi
	bench_wrk_parse "$out"
	rps=$WRK_RPS p99=$WRK_P99 n=$WRK_REQS non2xx=$WRK_NON2XX errs=$WRK_ERRS
	cpu_ms=$(python3 -c "import sys,os; print('%.3f' % ((int(sys.argv[2]) - int(sys.argv[1])) * 1000.0 / os.sysconf('SC_CLK_TCK') / max(int(sys.argv[3] or 0), 1)))" "$c0" "$c1" "${n:-0}")
	if [ "$4" = ref ]; then
		NGX_P99=$(bench_ms "$p99") NGX_CPU=$cpu_ms
		printf 'bench: %-44s %10s req/s  p99 %8s  CPU %s ms/req  (load %s)\n' "$1" "$rps" "$p99" "$cpu_ms" "$(cut -d' ' -f1 /proc/loadavg)"
		return 0
	fi
	[ -n "$NGX_P99" ] && ratio=$(python3 -c "import sys; print('%.1fx nginx p99' % (float(sys.argv[1]) / max(float(sys.argv[2]), 0.5)))" "$(bench_ms "$p99")" "$NGX_P99")
	[ -n "$NGX_CPU" ] && cratio=$(python3 -c "import sys; print('%.1fx nginx CPU' % (float(sys.argv[1]) / max(float(sys.argv[2]), 0.001)))" "$cpu_ms" "$NGX_CPU")
	printf 'bench: %-44s %10s req/s  p99 %8s  CPU %s ms/req  %s  %s  non-2xx %s  socket errors %s  (load %s)\n' "$1" "$rps" "$p99" "$cpu_ms" "$cratio" "$ratio" "${non2xx:-0}" "${errs:-0}" "$(cut -d' ' -f1 /proc/loadavg)"
	if [ "${non2xx:-0}" = 0 ] && [ "${errs:-0}" = 0 ] && [ -n "$rps" ] &&
		{ [ "$4" = 0 ] || [ "$SMOKE" = 1 ] || awk -v a="$(bench_ms "$p99")" -v b="$P99_MS" 'BEGIN { exit !(a < b) }'; }; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL - $1"
	fi
}
[ -n "$NPORT" ] && run "nginx static 200-row page (reference)" "X-Bench: 1" "http://127.0.0.1:$NPORT/" ref
run "GET /api/v1/incidents?state=open&level=2" "$ANA" "$B/api/v1/incidents?state=open&level=2" 1
run "GET /api/v1/incidents?overdue=1" "$ANA" "$B/api/v1/incidents?overdue=1" 1
run "GET /api/v1/incidents (bureau, sector)" "$BUR" "$B/api/v1/incidents?state=open" 1
run "GET /api/v1/incidents (operator)" "$OP" "$B/api/v1/incidents" 1
run "GET /incidents?state=open (page, 200 rows)" "$ANA" "$B/incidents?state=open" 0
run "GET /api/v1/cases (analyst)" "$ANA" "$B/api/v1/cases" 0
[ -n "${BENCH_KEEP_DB:-}" ] && cp "$MAMORI_DB" "$BENCH_KEEP_DB"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
