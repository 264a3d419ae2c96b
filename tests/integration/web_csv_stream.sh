#!/usr/bin/env bash
# web_csv_stream.sh - the console's CSV exports (issue 14) on a store of 100,000 findings
# (tests/support/bench_store.sh): findings.csv streamed with the server's RSS staying flat (the
# file is 20 MB; built in memory it was +54 MB), its row count equal to the list's total, formula
# cells escaped; alerts, assets and audit CSV for the roles allowed (operators their own org,
# bureau users their sector, the audit log analysts and admins only); a client that hangs up
# half-way does not stop the server; HEAD answers without a body.
set -uo pipefail
M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
NFIND=${CSV_FINDINGS:-100000}
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

bench_store "$M" "$T" "$NFIND" || { echo "FAIL - generating the store"; exit 1; }
# formula-looking cells: a title, an asset note and an audit detail an attacker could plant
sqlite3 "$MAMORI_DB" "UPDATE findings SET title = '=HYPERLINK(\"http://x\")' WHERE id = 1;
  UPDATE findings SET title = '+1+2', asset = '@SUM(A1)' WHERE id = 2;
  UPDATE findings SET title = '-3 \"quoted\"' WHERE id = 3;
  UPDATE assets SET note = '=cmd|'' /C calc''!A0' WHERE value = 'bench-007.test';
  INSERT INTO alerts (org_slug, issue_key, subject, body, urgent, created_at)
    VALUES ('bench-007', 'vuln:CVE-2024-1', '=1+1 緊急', 'b', 1, 1763800000),
           ('bench-008', 'vuln:CVE-2024-2', 'other org', 'b', 1, 1763800000);" ||
	{ echo "FAIL - planting rows"; exit 1; }
for u in analyst:analyst:: op:operator:bench-007: bu:bureau::water adm:admin::; do
	IFS=: read -r name role org sector <<<"$u"
	MAMORI_PASSWORD=csv-test-password-1 "$M" -q user add "$name" --role "$role" \
		${org:+--org "$org"} ${sector:+--sector "$sector"} >/dev/null ||
		{ echo "FAIL - user add $name"; exit 1; }
	eval "TOK_$name=\$(\"\$M\" user token \"\$name\")"
done
"$M" serve --listen 127.0.0.1:0 --port-file "$T/port" --threads 2 >"$T/serve.log" 2>&1 &
SRV=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
B="http://127.0.0.1:$(cat "$T/port")"
get() { # TOKEN PATH OUT -> HTTP status
	curl -s -m 60 -o "$3" -D "$T/headers" -w '%{http_code}' -H "Authorization: Bearer $1" "$B$2"
}
rss() { awk '/VmRSS/{print $2}' "/proc/$SRV/status"; }
rows() { python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], encoding='utf-8-sig', newline=''))) - 1)" "$1"; }

# warm the worker threads (their store handles and caches) before measuring
for _ in 1 2 3 4; do get "$TOK_analyst" "/findings.csv?severity=critical" /dev/null >/dev/null; done
rss0=$(rss)
t0=$(date +%s.%N)
code=$(get "$TOK_analyst" /findings.csv "$T/all.csv")
t1=$(date +%s.%N)
rss1=$(rss)
n=$(rows "$T/all.csv")
echo "# findings.csv: $n rows, $(wc -c <"$T/all.csv") bytes in $(python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$t0" "$t1") s; server RSS $rss0 -> $rss1 kB"
check "findings.csv answers 200 as text/csv" "[ $code = 200 ] && grep -qi '^content-type: text/csv' $T/headers"
check "findings.csv is sent chunked (streamed, no Content-Length)" \
	"grep -qi '^transfer-encoding: chunked' $T/headers && ! grep -qi '^content-length' $T/headers"
check "findings.csv has every one of the $NFIND findings" "[ '$n' = $NFIND ]"
check "server RSS grew less than 16 MB over a 20 MB export (was +54 MB)" "[ \$(( $rss1 - $rss0 )) -lt 16384 ]"
# "bench" is in every title: the list's count stops at 1,000 ("1,000+", total_capped); the CSV
# has every matching row, as many as the CLI lists (uncapped)
read -r total capped < <(curl -s -H "Authorization: Bearer $TOK_analyst" "$B/api/v1/findings?state=open&severity=high&q=bench&limit=1" |
	python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["total"], d.get("total_capped", False))')
all=$("$M" findings list --state open --severity high --search bench --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
code=$(get "$TOK_analyst" "/findings.csv?state=open&severity=high&q=bench" "$T/f.csv")
check "the list's count of a common term is capped ($total, $capped) below the $all rows" "[ '$total' = 1000 ] && [ '$capped' = True ] && [ '$all' -gt 1000 ]"
check "a filtered CSV has every matching row ($all)" "[ $code = 200 ] && [ \"\$(rows $T/f.csv)\" = '$all' ]"
total=$(curl -s -H "Authorization: Bearer $TOK_analyst" "$B/api/v1/findings?state=open&severity=high&q=bench%20finding%20123&limit=1" |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
code=$(get "$TOK_analyst" "/findings.csv?state=open&severity=high&q=bench%20finding%20123" "$T/g.csv")
check "a selective term: the CSV has as many rows as the list's exact total ($total)" "[ $code = 200 ] && [ \"\$(rows $T/g.csv)\" = '$total' ] && [ '$total' -gt 0 ]"
check "formula cells escaped: = + @ - get an apostrophe" \
	"grep -qF '\"'\''=HYPERLINK(\"\"http://x\"\")\"' $T/all.csv && grep -qF '\"'\''+1+2\"' $T/all.csv && grep -qF '\"'\''@SUM(A1)\"' $T/all.csv && grep -qF '\"'\''-3 \"\"quoted\"\"\"' $T/all.csv"
check "no cell starts with a bare formula character" "! grep -qE '(^|,)\"[=+@-]' $T/all.csv"

# the operator: its own 200 findings only, even when it asks for another org
code=$(get "$TOK_op" /findings.csv "$T/op.csv")
check "operator's findings.csv: its own org only" \
	"[ $code = 200 ] && [ \"\$(rows $T/op.csv)\" = $((NFIND / 500)) ] && ! grep -q 'bench-008' $T/op.csv"
code=$(get "$TOK_op" "/findings.csv?org=bench-008" "$T/op2.csv")
check "operator asking for another org's findings gets none of them" "! grep -q 'bench-008' $T/op2.csv"

# alerts
code=$(get "$TOK_op" /alerts.csv "$T/al.csv")
check "alerts.csv for the operator: its alert, formula escaped, not the other org's" \
	"[ $code = 200 ] && grep -qF \"'=1+1 緊急\" $T/al.csv && ! grep -q 'other org' $T/al.csv"
code=$(get "$TOK_analyst" /alerts.csv "$T/al2.csv")
check "alerts.csv for an analyst: both" "[ $code = 200 ] && [ \"\$(rows $T/al2.csv)\" = 2 ]"

# assets: 2 per org (domain and hostname)
code=$(get "$TOK_analyst" /assets.csv "$T/as.csv")
check "assets.csv for an analyst: every asset (1000)" "[ $code = 200 ] && [ \"\$(rows $T/as.csv)\" = 1000 ]"
check "assets.csv escapes a formula in a note" "grep -qF \"\\\"'=cmd|\" $T/as.csv"
code=$(get "$TOK_op" /assets.csv "$T/as_op.csv")
check "assets.csv for the operator: its own 2 assets" \
	"[ $code = 200 ] && [ \"\$(rows $T/as_op.csv)\" = 2 ] && grep -q bench-007.test $T/as_op.csv"
code=$(get "$TOK_op" "/assets.csv?org=bench-008" "$T/as_op2.csv")
check "operator asking for another org's assets gets an empty file" \
	"[ $code = 200 ] && [ \"\$(rows $T/as_op2.csv)\" = 0 ]"
code=$(get "$TOK_bu" /assets.csv "$T/as_bu.csv")
nwater=$(sqlite3 "$MAMORI_DB" "SELECT count(*) FROM assets a JOIN orgs o ON o.id = a.org_id WHERE o.sector = 'water'")
check "assets.csv for a bureau user: its sector's ($nwater)" "[ $code = 200 ] && [ \"\$(rows $T/as_bu.csv)\" = $nwater ]"

# audit: analysts and admins; operators and bureau users refused
code=$(get "$TOK_analyst" /audit.csv "$T/au.csv")
nau=$(sqlite3 "$MAMORI_DB" "SELECT count(*) FROM audit_log")
check "audit.csv for an analyst: every audit row ($nau)" "[ $code = 200 ] && [ \"\$(rows $T/au.csv)\" -ge $nau ] && grep -q 'finding.export' $T/au.csv"
code=$(get "$TOK_adm" /audit.csv /dev/null)
check "audit.csv for an admin" "[ $code = 200 ]"
code=$(get "$TOK_op" /audit.csv /dev/null)
check "audit.csv refused to an operator (403)" "[ $code = 403 ]"
code=$(get "$TOK_bu" /audit.csv /dev/null)
check "audit.csv refused to a bureau user (403)" "[ $code = 403 ]"
code=$(curl -s -o /dev/null -w '%{http_code}' "$B/audit.csv")
check "audit.csv anonymous: sent to the login page" "[ $code = 302 ] || [ $code = 303 ]"

# a client that reads 100 kB and hangs up, twenty times; HEAD; the server still answers
for _ in $(seq 20); do
	curl -s -m 10 -H "Authorization: Bearer $TOK_analyst" "$B/findings.csv" 2>/dev/null | head -c 100000 >/dev/null
done
code=$(curl -s -m 20 -I -o "$T/head" -w '%{http_code}' -H "Authorization: Bearer $TOK_analyst" "$B/findings.csv")
check "HEAD /findings.csv: 200, no body" "[ $code = 200 ]"
sleep 1
code=$(get "$TOK_analyst" "/findings.csv?org=bench-001" "$T/again.csv")
check "after 20 hung-up exports the server still streams" "[ $code = 200 ] && [ \"\$(rows $T/again.csv)\" = $((NFIND / 500)) ]"
check "server alive" "kill -0 $SRV"
threads=$(awk '/Threads/{print $2}' "/proc/$SRV/status")
check "no export thread left behind ($threads threads)" "[ $threads -lt 12 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
