#!/usr/bin/env bash
# web_load.sh - `mamori serve` under load on 127.0.0.1: wrk on the dashboard (a 1 s dashboard
# cache, so it is rebuilt while read), the findings and organisations API and the alerts API at
# once, while a console scan runs as a job on the job worker and its progress is polled. Every
# request answers 2xx, no socket error, and the server stops cleanly on SIGTERM (exit 0). Built
# for the tsan preset (TSAN_OPTIONS halt_on_error=1: a race stops the server, which fails the
# checks); in other builds it is a short load test. WEB_LOAD_SECONDS (default 4) per wrk run.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
SECS=${WEB_LOAD_SECONDS:-4}
command -v wrk >/dev/null || { echo "FAIL - wrk is not installed (scripts/install-deps)"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
SRV=
trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"

"$M" -q init && "$M" -q inventory import "$SRC/examples/inventory.yaml" >/dev/null || { echo "FAIL - setup"; exit 1; }
MAMORI_PASSWORD=load-test-password "$M" -q user add analyst --role analyst
TOKEN=$("$M" user token analyst)
NOW=$(date +%s)
# some findings and an alert to list
sqlite3 "$MAMORI_DB" "
WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < 499)
INSERT INTO findings (org_slug, asset, issue_key, kind, source, ip, port, proto, state, severity,
  title, first_seen, last_seen)
SELECT 'kanto-rail', '192.0.2.' || (x % 200) || ':443/tcp', 'risky:load-' || x, 'risky_service', 'network',
  '192.0.2.' || (x % 200), 443, 'tcp', 'open', CASE x % 4 WHEN 0 THEN 'critical' ELSE 'medium' END,
  'load finding ' || x, $NOW - 3600, $NOW FROM n;
INSERT INTO alerts (org_slug, issue_key, subject, body, created_at, urgent)
  VALUES ('kanto-rail', 'risky:load-0', '[mamori] load', 'load', $NOW, 1);" || no "seed"

"$M" serve --listen 127.0.0.1:0 --threads 4 --max-conns-per-ip 0 --dashboard-cache 1 \
	--scan-rate 2000 --port-file "$T/port" >"$T/serve.log" 2>&1 &
SRV=$!
for _ in $(seq 300); do [ -s "$T/port" ] && break; sleep 0.1; done
B="http://127.0.0.1:$(cat "$T/port")"
LT=$(curl -s -c "$T/jar" "$B/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
curl -s -b "$T/jar" -c "$T/jar" --data "csrf=$LT&name=analyst&password=load-test-password" "$B/login" >/dev/null
SESSION=$(awk '$6=="mamori_session"{print $7}' "$T/jar")
code=$(curl -s -o "$T/dash.html" -w '%{http_code}' -b "mamori_session=$SESSION" "$B/")
check "logged in: the dashboard answers 200 with its panels (not a redirect to /login)" "[ -n '$SESSION' ] && [ '$code' = 200 ] && grep -q 'by-sector' '$T/dash.html'"

# a console scan (a job on the worker thread) started as the load begins; its progress polled
python3 - "$B" "$TOKEN" "$SECS" >"$T/scan.out" 2>&1 <<'PY' &
import http.client, json, sys, time, urllib.parse
base, token, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
u = urllib.parse.urlparse(base)
def req(m, p, body=None):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    c.request(m, p, body, {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = c.getresponse(); d = json.loads(r.read()); c.close(); return r.status, d
st, o = req("POST", "/api/v1/scans", json.dumps({"org": "tohoku-freight", "ports": "30001-30020"}))
assert st == 202, (st, o)
end, polls = time.time() + secs + 2, 0
while time.time() < end:
    st, s = req("GET", "/api/v1/scans/%d" % o["id"])
    assert st == 200, (st, s)
    polls += 1
    time.sleep(0.05)
print("scan", o["id"], "polls", polls, "state", s["state"])
PY
POLL=$!
wrk -t1 -c8 -d"${SECS}s" -H "Cookie: mamori_session=$SESSION" "$B/" >"$T/w1" 2>&1 &
W1=$!
wrk -t1 -c8 -d"${SECS}s" -H "Authorization: Bearer $TOKEN" "$B/api/v1/findings?severity=critical&limit=50" >"$T/w2" 2>&1 &
W2=$!
wrk -t1 -c8 -d"${SECS}s" -H "Authorization: Bearer $TOKEN" "$B/api/v1/orgs?limit=100" >"$T/w3" 2>&1 &
W3=$!
wrk -t1 -c4 -d"${SECS}s" -H "Authorization: Bearer $TOKEN" "$B/api/v1/alerts" >"$T/w4" 2>&1
wait $W1 $W2 $W3
wait $POLL
prc=$?
check "the scan job ran under load, its progress polled (HTTP 200)" "[ $prc -eq 0 ] && grep -q '^scan .* polls [1-9]' '$T/scan.out'" || cat "$T/scan.out"
for w in w1 w2 w3 w4; do
	n=$(awk '/requests in/{print $1}' "$T/$w")
	check "$w: $(sed -n 's/^Running .* test @ //p' "$T/$w" | cut -c1-60): $n requests, all 2xx, no socket error" \
		"[ -n '$n' ] && [ '$n' -gt 0 ] && ! grep -q 'Non-2xx' '$T/$w' && ! grep -q 'Socket errors' '$T/$w'" || cat "$T/$w"
done
kill -TERM "$SRV"
wait "$SRV"
rc=$?
SRV=
check "server stopped on SIGTERM with exit 0 (got $rc)" "[ $rc -eq 0 ] && grep -q 'mamori serve: stopped' '$T/serve.log'"
check "no ThreadSanitizer report" "! grep -q 'ThreadSanitizer' '$T/serve.log'" || grep -A30 'ThreadSanitizer' "$T/serve.log" | head -80

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
