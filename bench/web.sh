#!/usr/bin/env bash
# Web console benchmark: wrk against the dashboard and GET /api/v1/orgs with a store of 500
# generated operators (no findings exist yet: this measures what exists). 64 connections,
# 127.0.0.1 only. Goal: p99 < 50 ms, 0 errors. Usage: bench/web.sh [MAMORI] [SECONDS]
# Prints one line per target and "N passed, M failed" last; results go in docs/PERFORMANCE.md.
set -u
M=${1:-${MAMORI:-build/release/mamori}}
DUR=${2:-${BENCH_SECONDS:-10}}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-4}
GOAL_MS=50
command -v wrk >/dev/null || { echo "bench: wrk is not installed (scripts/install-deps)"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
trap 'kill $SRV 2>/dev/null; wait $SRV 2>/dev/null; rm -rf "$T"' EXIT
export MAMORI_DB="$T/bench.db"

# 500 operators across the six sectors, each with a domain and a host.
python3 - "$T/inv.yaml" <<'PY'
import sys
sectors = [("railways", "railway"), ("water", "water_utility"), ("aviation", "airline"),
           ("airports", "airport"), ("logistics", "logistics"), ("ports", "port")]
with open(sys.argv[1], "w") as f:
    f.write("version: 1\norganisations:\n")
    for i in range(500):
        s, b = sectors[i % len(sectors)]
        f.write(f"  - id: bench-{i:03d}\n    name: {{ ja: ベンチ事業者{i:03d}株式会社, en: Bench Operator {i:03d} }}\n")
        f.write(f"    sector: {s}\n    business_type: {b}\n    critical: {'true' if i % 3 == 0 else 'false'}\n")
        f.write(f"    assets:\n      - domain: bench-{i:03d}.test\n      - hostname: www.bench-{i:03d}.test\n")
PY
"$M" -q init && "$M" -q inventory import "$T/inv.yaml" >/dev/null || { echo "bench: import failed"; echo "0 passed, 1 failed"; exit 1; }
MAMORI_PASSWORD=bench-password-1 "$M" -q user add bench --role analyst
TOKEN=$("$M" user token bench)
"$M" serve --listen 127.0.0.1:0 --port-file "$T/port" --threads "$THREADS" >"$T/serve.log" 2>&1 &
SRV=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
PORT=$(cat "$T/port")
B="http://127.0.0.1:$PORT"
# a browser session for the dashboard, through the real login form
LT=$(curl -s -c "$T/jar" "$B/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
curl -s -b "$T/jar" -c "$T/jar" --data "csrf=$LT&name=bench&password=bench-password-1" "$B/login" >/dev/null
SESSION=$(awk '$6=="mamori_session"{print $7}' "$T/jar")
ORGS=$(curl -s -H "Authorization: Bearer $TOKEN" "$B/api/v1/orgs?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "bench: $ORGS operators, $CONNS connections, $DUR s each, $THREADS server threads, $(nproc) cores"
pass=0 fail=0
run() { # run NAME HEADER URL
	local name=$1 hdr=$2 url=$3 out rps p99 non2xx errs p99ms
	out=$(wrk -t"$([ "$CONNS" -ge 2 ] && echo 2 || echo 1)" -c"$CONNS" -d"${DUR}s" --latency -H "$hdr" "$url" 2>&1)
	rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
	p99=$(awk '$1=="99%"{print $2}' <<<"$out")
	non2xx=$(awk '/Non-2xx/{print $NF}' <<<"$out")
	errs=$(awk '/Socket errors/{gsub(",","");print $4+$6+$8+$10}' <<<"$out")
	p99ms=$(python3 -c "import sys; v=sys.argv[1]; u={'us':0.001,'ms':1,'s':1000}; n=v.rstrip('usm'); print(float(n)*u[v[len(n):]])" "$p99")
	printf 'bench: %-22s %10s req/s  p99 %8s  non-2xx %s  socket errors %s\n' "$name" "$rps" "$p99" "${non2xx:-0}" "${errs:-0}"
	if [ "${non2xx:-0}" = 0 ] && [ "${errs:-0}" = 0 ] && python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < $GOAL_MS else 1)" "$p99ms"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "bench: $name missed the goal (p99 < ${GOAL_MS} ms, no errors)"
	fi
}
run "GET / (dashboard)" "Cookie: mamori_session=$SESSION" "$B/"
run "GET /api/v1/orgs" "Authorization: Bearer $TOKEN" "$B/api/v1/orgs?limit=100"
run "GET /api/v1/orgs/{org}" "Authorization: Bearer $TOKEN" "$B/api/v1/orgs/bench-250"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
