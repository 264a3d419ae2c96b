#!/usr/bin/env bash
# TAXII POST of a large envelope (issue #21): N indicators (100,000 by default, about 80 MB;
# bench/make_envelope.py) POSTed to `mamori serve` (spooled to a file, streamed into the store):
# time to the 202 with a complete status, as a ratio to `jq -c '.objects[]'` over the same file
# in the same run (goal <= 3x), and the server's peak RSS (VmHWM, goal < 128 MB), then the CLI
# import of the same file (peak RSS). Usage: bench/taxii_post.sh [--smoke] [--small] [MAMORI] [N]
# (--smoke: 5,000 objects; --small: ~340-byte objects, e.g. 300,000 of them, to show the memory
# is flat in the object count too: the status names at most 10,000 successes and failures).
set -u
SMOKE=0 SMALL=
[ "${1:-}" = --smoke ] && { SMOKE=1; shift; }
[ "${1:-}" = --small ] && { SMALL=--small; shift; }
M=${1:-${MAMORI:-build/release/mamori}}
N=${2:-100000}
[ "$SMOKE" = 1 ] && N=5000
T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
pass=0 fail=0
res() { if [ "$1" = 0 ]; then pass=$((pass + 1)); echo "ok - $2"; else fail=$((fail + 1)); echo "FAIL - $2"; fi; }
python3 "$(dirname "$0")/make_envelope.py" "$N" "$T/env.json" $SMALL
echo "envelope: $N objects, $(stat -c %s "$T/env.json") bytes; load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$M" --db "$T/s.db" init >/dev/null
MAMORI_PASSWORD='correct horse battery' "$M" --db "$T/s.db" user add ana --role analyst >/dev/null
"$M" --db "$T/s.db" share collection add isac --title bench >/dev/null
TOKEN=$("$M" --db "$T/s.db" user token ana)
"$M" --db "$T/s.db" serve --listen 127.0.0.1:0 --threads 2 --port-file "$T/port" >"$T/serve.log" 2>&1 &
PID=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
s0=$(date +%s.%N)
code=$(curl -s -o "$T/st.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
	-H 'Content-Type: application/taxii+json;version=2.1' -H 'Accept: application/taxii+json;version=2.1' \
	--data-binary @"$T/env.json" "http://127.0.0.1:$(cat "$T/port")/taxii2/root/collections/isac/objects/")
s1=$(date +%s.%N)
hwm=$(awk '/VmHWM/{print $2}' /proc/$PID/status)
j0=$(date +%s.%N)
jq -c '.objects[]' "$T/env.json" >/dev/null
j1=$(date +%s.%N)
post=$(python3 -c "print(round($s1 - $s0, 2))")
jqs=$(python3 -c "print(round($j1 - $j0, 2))")
ratio=$(python3 -c "print(round(($s1 - $s0) / max($j1 - $j0, 0.001), 2))")
echo "POST to complete: $post s; jq -c '.objects[]': $jqs s; ratio ${ratio}x; server peak RSS $((hwm / 1024)) MB"
python3 -c "import json,sys; d=json.load(open('$T/st.json')); sys.exit(0 if d['status']=='complete' and d['success_count']==$N else 1)" 2>/dev/null
res $? "POST: HTTP $code, status complete with $N successes"
if [ "$SMOKE" = 1 ]; then
	res 0 "time ${ratio}x jq (smoke run: the 3x goal is for 100,000 objects)"
else
	python3 -c "import sys; sys.exit(0 if $ratio <= 3 else 1)"; res $? "time <= 3x jq (${ratio}x)"
fi
[ "$hwm" -lt $((128 * 1024)) ]; res $? "server peak RSS < 128 MB ($((hwm / 1024)) MB)"
"$M" --db "$T/c.db" init >/dev/null
"$M" --db "$T/c.db" share collection add isac --title bench >/dev/null
/usr/bin/time -f '%M' -o "$T/cli.rss" "$M" --db "$T/c.db" share import "$T/env.json" --collection isac >/dev/null
crss=$(tail -1 "$T/cli.rss")
[ "$crss" -lt $((128 * 1024)) ]; res $? "CLI import peak RSS < 128 MB ($((crss / 1024)) MB)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
