#!/usr/bin/env bash
# store_pg.sh - the PostgreSQL store end to end on a throwaway cluster (tests/support/
# pg_cluster.sh): `mamori init` runs every migration, bad URLs / passwords / servers and a
# newer schema are refused by name, a failing migration leaves nothing behind, and the
# same commands on PostgreSQL and on SQLite print the same JSON (inventory, feeds, rating).
set -uo pipefail
M=${MAMORI:?MAMORI must name the built binary}
SRC=${MAMORI_SOURCE_DIR:?}
DATA=${MAMORI_DATA_DIR:?}
. "$SRC/tests/support/check.sh"
. "$SRC/tests/support/pg_cluster.sh"
export MAMORI_NOW=2026-11-23T03:00:00Z
pg_test_start

N_MIG=$(ls "$SRC"/src/store/migrations/*.sql | grep -vc '\.pg\.sql$')
LAST=$(ls "$SRC"/src/store/migrations/*.sql | grep -v '\.pg\.sql$' | sort | tail -1 | xargs basename | sed 's/_.*//; s/^0*//')

# 1. init on a fresh database runs every migration; again runs none; the socket URL works.
"$M" --db "$PG_URL" init --json >"$T/init.json" 2>"$T/init.err"
check "init applies all $N_MIG migrations" \
	"python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[\"backend\"]==\"postgres\" and d[\"migrations_applied\"]==$N_MIG and d[\"schema_version\"]==$LAST, d' $T/init.json"
check "init output hides the password" "! grep -qF '$PG_PASS' $T/init.json $T/init.err"
check "init again applies none (Unix socket URL)" \
	"MAMORI_DB='$PG_SOCK_URL' '$M' init | grep -q '(0 migrations applied)'"
check "tables exist" "[ \"\$(pg_psql mamori -tAc \"SELECT count(*) FROM information_schema.tables WHERE table_name IN ('orgs','cves','findings','jobs')\")\" = 4 ]"

# 2. bad input: a clear error naming what, the password never echoed.
bad() { # NAME URL EXPECTED-TEXT
	"$M" --db "$2" init >"$T/out" 2>"$T/err"
	local rc=$?
	check "$1: refused (exit $rc)" "[ $rc -ne 0 ]"
	check "$1: says '$3'" "grep -qF -- '$3' $T/err"
	check "$1: no password in the message" "! grep -qE 'wrongpass|$PG_PASS' $T/err"
}
bad "wrong password" "postgres://mamori:wrongpass@127.0.0.1:$PG_PORT/mamori" "password authentication failed"
bad "unreachable server" "postgres://mamori:wrongpass@127.0.0.1:1/mamori" "cannot connect to PostgreSQL"
bad "no such database" "postgres://mamori:$PG_PASS@127.0.0.1:$PG_PORT/nosuchdb" 'database "nosuchdb" does not exist'
bad "malformed URL" "postgres://mamori:wrongpass@[::1/x" "cannot connect to PostgreSQL"
pg_psql mamori -c "INSERT INTO schema_migrations VALUES (9999, 'future', 0)"
bad "newer schema" "$PG_URL" "the store has migration 9999, which this mamori"
pg_psql mamori -c "DELETE FROM schema_migrations WHERE version = 9999"

U3=$(pg_new_db foreign)
pg_psql foreign -c "CREATE TABLE customers (id int)"
bad "a database that is not mamori's" "$U3" "not a mamori store (a database with 1 other table)"
check "the foreign database left as it was" \
	"[ \"\$(pg_psql foreign -tAc \"SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'\")\" = 1 ]"

# 3. no partial migration: a table in the way makes 0100 fail; 0001 stays, nothing of 0100.
U2=$(pg_new_db partial)
pg_psql partial -c "CREATE TABLE schema_migrations (version bigint PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL); CREATE TABLE orgs (x int)"
"$M" --db "$U2" init >"$T/out" 2>"$T/err"
check "failing migration is named" "grep -q 'migration 0100_inventory failed (rolled back)' $T/err"
check "earlier migration kept, failed one not recorded" \
	"[ \"\$(pg_psql partial -tAc 'SELECT count(*), max(version) FROM schema_migrations')\" = '1|1' ]"
check "no table of the failed migration left" \
	"[ \"\$(pg_psql partial -tAc \"SELECT count(*) FROM information_schema.tables WHERE table_name IN ('sectors','scopes','assets')\")\" = 0 ]"

# 4. the same flow on both engines gives the same JSON.
xz -dc "$DATA/epss/epss-scores-2026-08-16-emba.csv.xz" | head -2001 >"$T/epss.csv"
flow() { # ENGINE-LABEL DB
	local o=$T/$1
	mkdir -p "$o"
	export MAMORI_DB=$2
	"$M" init >/dev/null 2>&1
	"$M" inventory import "$SRC/examples/inventory.yaml" --json >"$o/import.json" 2>"$o/import.err"
	"$M" inventory list --json >"$o/list.json" 2>>"$o/err"
	"$M" scope list >"$o/scope.txt" 2>>"$o/err"
	"$M" feeds import "$DATA/kev/known_exploited_vulnerabilities.json" "$T/epss.csv" --json 2>>"$o/err" |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps([(f["feed"], f["stored"], f["errors"]) for f in d["files"]]))' >"$o/feeds.json"
	"$M" findings list --json >"$o/findings.json" 2>>"$o/err"
	"$M" rating compute --all --json >"$o/rating.json" 2>>"$o/err"
	unset MAMORI_DB
}
flow sqlite "$T/m.db"
flow pg "$(pg_new_db flow)"
check "inventory import on PostgreSQL" "grep -q '\"orgs_added\"' $T/pg/import.json"
check "feeds stored KEV 1674 and EPSS 2000" "grep -qF '[[\"kev\", 1674, 0], [\"epss\", 2000, 0]]' $T/pg/feeds.json"
for f in import.json list.json scope.txt feeds.json findings.json rating.json; do
	check "$f equal on PostgreSQL and SQLite" "[ -s $T/sqlite/$f ] && cmp -s $T/sqlite/$f $T/pg/$f"
done
check "no errors on PostgreSQL" "[ ! -s $T/pg/err ] || { cat $T/pg/err; false; }"

# 5. EPSS by COPY (the default on PostgreSQL) and row by row store the same rows; a second
# import counts every row unchanged; a changed score is stored again.
U4=$(pg_new_db copyrows)
ep() { "$M" --db "$1" feeds import "$T/epss.csv" --json | python3 -c 'import json,sys; f=json.load(sys.stdin)["files"][0]; print(f["stored"], f["unchanged"], f["errors"])'; }
rows() { pg_psql "$1" -tAc "SELECT md5(string_agg(cve_id || epss || percentile || coalesce(model_version, '') || coalesce(score_date, ''), ',' ORDER BY cve_id)) FROM epss"; }
"$M" --db "$U4" init >/dev/null
check "EPSS by COPY: 2000 stored" "[ \"\$(ep $U4)\" = '2000 0 0' ]"
check "EPSS by COPY again: 2000 unchanged" "[ \"\$(ep $U4)\" = '0 2000 0' ]"
sed '3s/,0\.[0-9]*,/,0.5,/' "$T/epss.csv" >"$T/epss2.csv"
check "EPSS by COPY: one changed score stored" \
	"[ \"\$('$M' --db $U4 feeds import $T/epss2.csv --json | python3 -c 'import json,sys; f=json.load(sys.stdin)[\"files\"][0]; print(f[\"stored\"], f[\"unchanged\"])')\" = '1 1999' ]"
"$M" --db "$U4" feeds import "$T/epss.csv" >/dev/null
U5=$(pg_new_db rowbyrow)
"$M" --db "$U5" init >/dev/null
check "EPSS row by row (MAMORI_FEEDS_COPY=0): 2000 stored" "[ \"\$(MAMORI_FEEDS_COPY=0 ep $U5)\" = '2000 0 0' ]"
check "COPY and row by row store the same rows" "[ -n \"\$(rows copyrows)\" ] && [ \"\$(rows copyrows)\" = \"\$(rows rowbyrow)\" ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
