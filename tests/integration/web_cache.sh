#!/usr/bin/env bash
# web_cache.sh - the response cache of GET reads (issue 20 item 3, src/web/cache.c): an answer
# is reused only for the same caller scope, never across operators, roles or sessions (a page
# carries its session's CSRF token); a write by the CLI in another process, and one through the
# API, is seen by the next read (also when the audit queue commits read rows in between), while
# the audit queue's own commits keep the cached answers; a denied read is still refused and
# audited on every request; a common free-text term shows a capped count ("1,000+",
# total_capped in the API).
set -uo pipefail
M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
. "$SRC/tests/support/check.sh"
. "$SRC/tests/support/bench_store.sh"
T=$(mktemp -d)
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export MAMORI_DB=$T/m.db
bench_store "$M" "$T" 3000 || { echo "FAIL - generating the store"; exit 1; }
MAMORI_PASSWORD=cache-test-password-1 "$M" -q user add ana --role analyst >/dev/null || exit 1
MAMORI_PASSWORD=cache-test-password-2 "$M" -q user add op1 --role operator --org bench-001 >/dev/null || exit 1
MAMORI_PASSWORD=cache-test-password-3 "$M" -q user add op2 --role operator --org bench-002 >/dev/null || exit 1
TA=$("$M" user token ana) T1=$("$M" user token op1) T2=$("$M" user token op2)
# one worker thread: which request runs where is fixed (any write on its handle starts a new
# generation, a commit by another connection too unless it was the audit queue's: cache.c)
"$M" serve --listen 127.0.0.1:0 --port-file "$T/port" --threads 1 --response-cache 60 >"$T/serve.log" 2>&1 &
SRV=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
B="http://127.0.0.1:$(cat "$T/port")"
# get NAME TOKEN PATH: body in $T/NAME, headers in $T/NAME.h
get() { curl -s -m 30 -D "$T/$1.h" -o "$T/$1" -H "Authorization: Bearer $2" "$B$3"; }
xc() { tr -d '\r' <"$T/$1.h" | awk -F': ' 'tolower($1)=="x-cache"{print $2}'; }
orgs() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(" ".join(sorted({i["org"] for i in d["items"]})), d["total"])' "$T/$1"; }

U="/api/v1/findings?limit=20&sort=id"
# each token's first use records it (api_tokens.last_used_at: a write, once a minute)
for t in "$TA" "$T1" "$T2"; do get me "$t" /api/v1/me; done
get o1a "$T1" "$U"
get o1b "$T1" "$U"
check "operator: first read computed, second from the cache" "[ '$(xc o1a)' = miss ] && [ '$(xc o1b)' = hit ]"
check "operator: the cached answer is the same bytes" "cmp -s $T/o1a $T/o1b"
check "operator sees only its organisation (6 of 3,000)" "[ '$(orgs o1b)' = 'bench-001 6' ]"
get an "$TA" "$U"
check "analyst after the operator on the same URL: its own answer, every org" \
	"[ '$(xc an)' = miss ] && [ \"\$(orgs an | awk '{print \$NF}')\" = 3000 ]"
get o2 "$T2" "$U"
check "another operator on the same URL: its own organisation only" \
	"[ '$(xc o2)' = miss ] && [ '$(orgs o2)' = 'bench-002 6' ]"
get o1c "$T1" "$U"
check "the first operator again: its own cached answer, not the analyst's" \
	"[ '$(xc o1c)' = hit ] && [ '$(orgs o1c)' = 'bench-001 6' ] && cmp -s $T/o1a $T/o1c"
get an2 "$TA" "$U"
check "the analyst again: its cached answer" "[ '$(xc an2)' = hit ] && cmp -s $T/an $T/an2"

# a write by the CLI (another process) is seen by the next read
ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["items"][0]["id"])' "$T/o1a")
get f1 "$T1" "/api/v1/findings/$ID"
get f2 "$T1" "/api/v1/findings/$ID"
check "one finding: cached on the second read" "[ '$(xc f2)' = hit ] && ! grep -q cli-person $T/f2"
"$M" -q findings triage --assignee cli-person "$ID" >/dev/null
get f3 "$T1" "/api/v1/findings/$ID"
check "after the CLI's write the read is computed again and shows it" \
	"[ '$(xc f3)' = miss ] && grep -q '\"assignee\":\"cli-person\"' $T/f3"
get l3 "$T1" "$U"
check "the list cached before the write is not served after it" "[ '$(xc l3)' = miss ]"
# a write through the API (this server's own connection)
curl -s -o "$T/tri" -H "Authorization: Bearer $TA" -H 'Content-Type: application/json' \
	--data "{\"ids\":[$ID],\"assignee\":\"api-person\"}" "$B/api/v1/findings/triage"
get f4 "$T1" "/api/v1/findings/$ID"
check "after the API's write the read shows it" "grep -q '\"assignee\":\"api-person\"' $T/f4 && [ '$(xc f4)' = miss ]"

# a denied read is refused (404) and audited every time, cached or not
sleep 0.5 # the queued read rows written: no audit commit between the next two reads (a worker
# that sees one while the flush still holds its mutex > 5 ms counts it as a write: cache.c)
get org1 "$T1" "/api/v1/orgs/bench-001"
get org1b "$T1" "/api/v1/orgs/bench-001"
check "the operator's own org: cached" "[ '$(xc org1b)' = hit ] && grep -q bench-001 $T/org1b"
for i in 1 2 3; do get den$i "$T1" "/api/v1/orgs/bench-002"; done
check "another org's object: 404 each time, never from the cache" \
	"grep -q ' 404' $T/den3.h && [ -z '$(xc den3)' ] && ! grep -q bench-002 $T/den3"
sleep 1 # the audit queue writes within ~200 ms
n_den=$(sqlite3 "$MAMORI_DB" "SELECT count(*) FROM audit_log WHERE actor='op1' AND action='read.denied'")
n_read=$(sqlite3 "$MAMORI_DB" "SELECT count(*) FROM audit_log WHERE actor='op1' AND action='org.read'")
check "each denied read audited (3), each cached read too (2 org.read)" "[ '$n_den' = 3 ] && [ '$n_read' = 2 ]"

# The audited reads' rows are written in batches on the audit queue's own connection
# (audit_queue.c): such a commit is not a write of data and keeps the cached answers (issue 20:
# otherwise each batch rebuilt them), while every other commit still drops them (cache.c).
n_audit() { sqlite3 "$MAMORI_DB" "SELECT count(*) FROM audit_log WHERE actor='op1' AND action='org.read'"; }
get ka "$T1" "/api/v1/orgs/bench-001"
sleep 0.5 # the queue commits ka's org.read row
na=$(n_audit)
get kb "$T1" "/api/v1/orgs/bench-001"
sleep 0.5
get kc "$T1" "/api/v1/orgs/bench-001"
check "the audit queue's commits (org.read rows $n_read -> $na) keep the cached answer: hit, hit" \
	"[ '$na' -gt '$n_read' ] && [ '$(xc kb)' = hit ] && [ '$(xc kc)' = hit ] && cmp -s $T/ka $T/kc"
# a CLI write (another process) while read rows wait in the queue, committed before them:
# the queue's flush sees it and drops the cache before anyone can read
inv() { # inv NAME_EN: bench-001 under another English name
	printf 'version: 1\norganisations:\n- id: bench-001\n  name: {ja: ベンチ事業者001株式会社, en: %s}\n  sector: water\n  business_type: water_utility\n  critical: false\n  assets:\n  - domain: bench-001.test\n  - hostname: www.bench-001.test\n' "$1" >"$T/inv1.yaml"
	"$M" -q inventory import "$T/inv1.yaml" >/dev/null
}
get kd "$T1" "/api/v1/orgs/bench-001" # queues a row
inv "Renamed By CLI"
sleep 0.5 # the queue's flush commits after the CLI's import
get ke "$T1" "/api/v1/orgs/bench-001"
check "a CLI import, then the audit queue's commit: the next read is computed and shows it" \
	"[ '$(xc kd)' = hit ] && [ '$(xc ke)' = miss ] && grep -q '\"name_en\":\"Renamed By CLI\"' $T/ke"
# the same with nothing queued: the worker's own look sees the import
get kf "$T1" "/api/v1/orgs/bench-001"
sleep 0.5 # kf's row written: the queue is empty
inv "Renamed Again"
get kg "$T1" "/api/v1/orgs/bench-001"
check "a CLI import with the queue empty: the very next read is computed and shows it" \
	"[ '$(xc kf)' = hit ] && [ '$(xc kg)' = miss ] && grep -q '\"name_en\":\"Renamed Again\"' $T/kg"
get kh "$T1" "/api/v1/orgs/bench-001"
check "and is kept again after it" "[ '$(xc kh)' = hit ] && cmp -s $T/kg $T/kh"

# pages: one session's page (with its CSRF token) is never another session's
login() { # login JAR USER PASSWORD
	local lt
	lt=$(curl -s -c "$T/$1" "$B/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
	curl -s -b "$T/$1" -c "$T/$1" --data "csrf=$lt&name=$2&password=$3" "$B/login" >/dev/null
}
login jar1 ana cache-test-password-1
login jar2 ana cache-test-password-1
page() { curl -s -D "$T/$1.h" -o "$T/$1" -b "$T/$2" "$B/findings?sort=-deadline"; }
page p1a jar1
page p1b jar1
page p2 jar2
csrf() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$T/$1" | sort -u; }
check "session 1's page: computed, then from the cache with the same token" \
	"[ '$(xc p1a)' = miss ] && [ '$(xc p1b)' = hit ] && [ -n '$(csrf p1a)' ] && [ '$(csrf p1a)' = '$(csrf p1b)' ]"
check "session 2 (same user): its own page and token, not session 1's" \
	"[ '$(xc p2)' = miss ] && [ -n '$(csrf p2)' ] && [ '$(csrf p2)' != '$(csrf p1a)' ]"

# a common term: 3,000 titles hold "bench finding": the count stops at 1,000
get common "$TA" "/api/v1/findings?q=bench%20finding&sort=-deadline&limit=50"
check "a common term: 50 rows, total 1000 and total_capped" \
	"python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len(d[\"items\"]) == 50 and d[\"total\"] == 1000 and d.get(\"total_capped\") else 1)' $T/common"
curl -s -o "$T/commonp" -b "$T/jar1" "$B/findings?q=bench%20finding&sort=-deadline"
check "the page says 1,000+" "grep -q '<span id=\"total\">1,000+</span>' $T/commonp || grep -q '<span id=\"total\">1000+</span>' $T/commonp"
get rare "$TA" "/api/v1/findings?q=bench%20finding%20123&sort=-deadline&limit=50"
check "a selective term: exact (123, 1230-1239: 11), not capped" \
	"python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d[\"total\"] == 11 and \"total_capped\" not in d else 1)' $T/rare"
# off: every read computed
kill "$SRV" && wait "$SRV" 2>/dev/null
"$M" serve --listen 127.0.0.1:0 --port-file "$T/port2" --threads 2 --response-cache 0 >"$T/serve2.log" 2>&1 &
SRV=$!
for _ in $(seq 100); do [ -s "$T/port2" ] && break; sleep 0.1; done
B="http://127.0.0.1:$(cat "$T/port2")"
get off1 "$T1" "$U"
get off2 "$T1" "$U"
check "--response-cache 0: no X-Cache, the same answer twice" "[ -z '$(xc off2)' ] && cmp -s $T/off1 $T/off2 && [ \"\$(orgs off2)\" = 'bench-001 6' ]"
check "server alive" "kill -0 $SRV"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
