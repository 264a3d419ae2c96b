#!/usr/bin/env bash
# jobs_cli.sh - the job module from the CLI: a console scan (POST /api/v1/scans) interrupted by
# the server's SIGTERM goes back to the queue; `mamori jobs list` shows it, `mamori jobs run`
# continues it in the CLI's process (the same "scan" job kind the server runs); bad options.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
T=$(mktemp -d)
SRV=
trap '[ -n "$SRV" ] && kill "$SRV" 2>/dev/null; rm -rf "$T"' EXIT
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
q() { sqlite3 "$MAMORI_DB" "$1"; }

"$M" init >/dev/null && "$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null
MAMORI_PASSWORD=jobs-test-password "$M" user add analyst --role analyst >/dev/null
TOKEN=$("$M" user token analyst)
check "no jobs yet" "[ \"\$('$M' jobs list --json)\" = '[]' ]"

"$M" serve --listen 127.0.0.1:0 --threads 2 --port-file "$T/port" --scan-rate 200 --remind-every 0 >"$T/serve.log" 2>&1 &
SRV=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
# tohoku-freight: 127.0.20.0/24 x 200 ports at 200/s would take minutes
python3 - "$(cat "$T/port")" "$TOKEN" >"$T/scan.json" <<'PY'
import http.client, json, sys, time
port, token = int(sys.argv[1]), sys.argv[2]
def req(m, p, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    c.request(m, p, body, {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = c.getresponse(); d = json.loads(r.read()); c.close(); return r.status, d
st, o = req("POST", "/api/v1/scans", json.dumps({"org": "tohoku-freight", "ports": "30001-30200"}))
assert st == 202, (st, o)
for _ in range(100):
    st, s = req("GET", "/api/v1/scans/%d" % o["id"])
    if s["state"] == "running" and (s["percent"] or 0) > 0:
        break
    time.sleep(0.1)
print(json.dumps({"id": o["id"], "state": s["state"]}))
PY
SID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/scan.json")
check "the console scan ran as a job" "grep -q '\"state\": \"running\"' '$T/scan.json'"
kill "$SRV"; wait "$SRV"; SRV=
check "server stopped cleanly" "grep -q 'mamori serve: stopped' '$T/serve.log'"

"$M" jobs list --json >"$T/list.json"
check "the interrupted job is back in the queue" "python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert len(j)==1 and j[0][\"kind\"]==\"scan\" and j[0][\"state\"]==\"queued\" and j[0][\"attempts\"]==1 and j[0][\"subject\"]==\"scan:$SID\" and j[0][\"finished_at\"] is None, j' '$T/list.json'"
check "list --state done is empty" "[ \"\$('$M' jobs list --state done --json)\" = '[]' ]"
"$M" jobs list >"$T/list.txt"
check "text list names the job" "grep -q 'scan:$SID' '$T/list.txt' && grep -q queued '$T/list.txt'"
cp0=$(q "SELECT checkpoint FROM scans WHERE id = $SID")

"$M" jobs run --max-runtime 1 --json >"$T/run.json" 2>"$T/run.err"
check "jobs run: one job, not interrupted" "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d==dict(ran=1, interrupted=False), d' '$T/run.json'"
check "the job is done after its second attempt" "[ \"\$(q \"SELECT state || ' ' || attempts FROM jobs\")\" = 'done 2' ]"
check "the scan went on from its checkpoint ($cp0)" "[ \$(q \"SELECT checkpoint FROM scans WHERE id = $SID\") -gt $cp0 ] && [ \"\$(q \"SELECT state FROM scans WHERE id = $SID\")\" = interrupted ]"
"$M" jobs run --json >"$T/run2.json"
check "nothing left to run" "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"ran\"]==0, d' '$T/run2.json'"

# prune: finished jobs older than the retention go, queued and running ones stay
NOW=$(date +%s)
q "INSERT INTO jobs (kind, state, created_at, finished_at) VALUES
 ('scan', 'done', $NOW - 50*86400, $NOW - 40*86400), ('scan', 'failed', $NOW - 50*86400, $NOW - 10*86400),
 ('scan', 'dead', $NOW - 50*86400, $NOW - 31*86400), ('scan', 'queued', $NOW - 50*86400, NULL),
 ('scan', 'running', $NOW - 50*86400, NULL)"
"$M" jobs prune --json >"$T/prune.json"
check "jobs prune: the two past 30 days removed" "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d==dict(removed=2, older_than_days=30), d' '$T/prune.json'"
check "queued, running and recent ones kept" "[ \"\$(q \"SELECT group_concat(state, ',') FROM (SELECT state FROM jobs ORDER BY id)\")\" = 'done,failed,queued,running' ]"
"$M" jobs prune --older-than 5 >"$T/prune.txt"
check "jobs prune --older-than 5: the failed one (10 days)" "grep -q '1 finished job' '$T/prune.txt' && [ \$(q 'SELECT COUNT(*) FROM jobs') -eq 3 ]"
# the worker (`jobs run`) prunes with its --retention before it runs anything
q "UPDATE jobs SET finished_at = $NOW - 3*86400 WHERE state = 'done'"
q "DELETE FROM jobs WHERE state IN ('queued', 'running')"
"$M" jobs run --retention 2 --json >/dev/null
check "jobs run --retention 2 pruned the job done 3 days ago" "[ \$(q 'SELECT COUNT(*) FROM jobs') -eq 0 ]"

# bad input: the option's name in the message, usage exit status
for bad in "list --limit 0" "list --limit 1x" "run --max -3" "run --max-runtime abc" "list --bogus" "list extra" "prune --older-than x" "prune --older-than -1" "run --retention 0" "prune --nope"; do
	# shellcheck disable=SC2086
	"$M" jobs $bad >/dev/null 2>"$T/bad.err"
	rc=$?
	opt=$(echo "$bad" | awk '{print $2}')
	check "jobs $bad refused (exit $rc)" "[ $rc -eq 2 ] && grep -q -- '${opt#--}' '$T/bad.err'"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
