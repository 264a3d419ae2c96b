#!/usr/bin/env bash
# findings_search_pg.sh - the findings free-text search (issue 14, migration 0535) on both
# engines: SQLite answers through the FTS5 trigram table, PostgreSQL through pg_trgm GIN
# indices under ILIKE; the same rows (Japanese substrings, ASCII case, LIKE metacharacters,
# short queries) give the same `findings list --search --json` on both, and PostgreSQL's plan
# uses the trigram index when it may not scan.
set -uo pipefail
M=${MAMORI:?MAMORI must name the built binary}
SRC=${MAMORI_SOURCE_DIR:?}
. "$SRC/tests/support/check.sh"
. "$SRC/tests/support/pg_cluster.sh"
export MAMORI_NOW=2026-11-23T03:00:00Z
pg_test_start
PGDB=$(pg_new_db search)
LITE=$T/m.db

ROWS="INSERT INTO findings (org_slug, asset, issue_key, kind, source, state, severity, title, first_seen, last_seen) VALUES
 ('kanto-rail', '192.0.2.1:80/tcp', 'risky:bench-12', 'risky_service', 'network', 'open', 'high', 'ベンチ所見十二 / bench finding 12', 1, 1),
 ('kanto-rail', '192.0.2.1:3389/tcp', 'risky:rdp', 'risky_service', 'network', 'open', 'high', 'リモートデスクトップの公開 / RDP exposed', 1, 1),
 ('kanto-rail', '192.0.2.2:80/tcp', 'vuln:CVE-2021-41773', 'vulnerability', 'network', 'open', 'critical', 'Apache HTTP Server 2.4.49 のパス・トラバーサル', 1, 1),
 ('kansai-rail', 'kansai.test', 'mail:dmarc-p-none', 'email', 'email', 'open', 'low', '50%_off \"quoted\" title', 1, 1),
 ('kansai-rail', '192.0.2.3:443/tcp', 'tls:expired', 'tls', 'network', 'fixed', 'medium', '証明書の期限切れ / certificate expired', 1, 1);"
for db in "$LITE" "$PGDB"; do
	MAMORI_DB=$db "$M" init >"$T/init.out" 2>&1 &&
		MAMORI_DB=$db "$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null 2>&1 ||
		{ echo "FAIL - init $db"; cat "$T/init.out"; exit 1; }
done
sqlite3 "$LITE" "$ROWS" || { echo "FAIL - rows into SQLite"; exit 1; }
pg_psql search -c "$ROWS" >/dev/null || { echo "FAIL - rows into PostgreSQL"; exit 1; }

check "SQLite: the trigram FTS5 table holds the rows" \
	"[ \"\$(sqlite3 $LITE \"SELECT count(*) FROM findings_fts WHERE findings_fts MATCH '\\\"デスクトップ\\\"'\")\" = 1 ]"
check "PostgreSQL: pg_trgm GIN indices on the four searched columns" \
	"[ \"\$(pg_psql search -tAc \"SELECT count(*) FROM pg_indexes WHERE tablename = 'findings' AND indexname LIKE '%_trgm' AND indexdef LIKE '%gin_trgm_ops%'\")\" = 4 ]"
plan=$(pg_psql search -tAc "SET enable_seqscan = off; EXPLAIN SELECT id FROM findings f WHERE f.title ILIKE '%デスクトップ%' ESCAPE '\\'")
check "PostgreSQL: the search's ILIKE can use the trigram index" "grep -q 'findings_title_trgm' <<<\"\$plan\""

for q in 所見 ベンチ所見 デスクトップ rdp 'RdP exp' 'apache http' 2.4.4 %_o '"quo' kansai.test risky: rail \
	トラバーサル xyzzy '期限切れ / cert' % _ "' OR 1=1 --" 'パス・ト'; do
	MAMORI_DB=$LITE "$M" findings list --search "$q" --sort id --json >"$T/lite.json" 2>"$T/lite.err"
	MAMORI_DB=$PGDB "$M" findings list --search "$q" --sort id --json >"$T/pg.json" 2>"$T/pg.err"
	n=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/lite.json" 2>/dev/null)
	check "search '$q': same $n rows on SQLite and PostgreSQL" "[ -n '$n' ] && cmp -s $T/lite.json $T/pg.json"
done
check "search 'RdP exp' finds the RDP row on both (ASCII case folded)" \
	"grep -q 'RDP exposed' $T/lite.json || MAMORI_DB=$PGDB '$M' findings list --search 'RdP exp' --json | grep -q 'RDP exposed'"
check "search 'デスクトップ' finds a Japanese substring inside a title without spaces" \
	"MAMORI_DB=$PGDB '$M' findings list --search 'デスクトップ' --json | grep -q 'リモートデスクトップ' && MAMORI_DB=$LITE '$M' findings list --search 'デスクトップ' --json | grep -q 'リモートデスクトップ'"
check "search '%' is literal (one row, not all)" \
	"[ \"\$(MAMORI_DB=$PGDB '$M' findings list --search '%' --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')\" = 1 ]"

check "no statement failed its first prepare on PostgreSQL (parameter types)" "! pg_log_untyped"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
