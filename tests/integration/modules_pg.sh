#!/usr/bin/env bash
# modules_pg.sh - every module on PostgreSQL (issue #18): the same commands on a throwaway
# PostgreSQL cluster (tests/support/pg_cluster.sh) and on SQLite give the same output where it
# is deterministic, and no error on PostgreSQL:
#  - share: collection add, import, export; the TAXII server's objects through `serve`; a pull
#    between two serves (PostgreSQL store B pulls from A's server, a third store pulls from B's);
#  - checklist answer / score / history; exercise start, a scripted run, status, report;
#  - feeds sync (NVD API, CVE 5, MyJVN) against a local server, JVN files by `feeds import`;
#  - incident report / show / assess / remind, case open / update / show; audit verify (and
#    a row edited by hand named on PostgreSQL too).
set -uo pipefail
M=${MAMORI:?MAMORI must name the built binary}
SRC=${MAMORI_SOURCE_DIR:?}
DATA=${MAMORI_DATA_DIR:?}
# the exercise report's PDF leaves cairo/fontconfig caches at exit (asan builds): the project's
# suppressions, without the table LeakSanitizer would print into the error files compared below
export LSAN_OPTIONS="suppressions=$SRC/tests/support/lsan-cairo.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
. "$SRC/tests/support/check.sh"
. "$SRC/tests/support/pg_cluster.sh"
PIDS=()
pg_test_cleanup() {
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
export MAMORI_NOW=2026-12-07T03:00:00Z
export MAMORI_EXERCISES=$SRC/data/exercises
pg_test_start
jq_() { python3 -c "import json,sys; o=json.load(sys.stdin); print($1)"; }
EX=$DATA/stix/cti-stix2-json-schemas/examples

# the feeds server (NVD API 2.0, cvelistV5 delta, MyJVN) both engines sync from
mkdir -p "$T/srv"
printf 'nvd_per=300\ncve5_tag=2026-11-23_0600Z\njvn_per=3\n' >"$T/srv/mode"
python3 "$SRC/tests/integration/feeds_sync_server.py" "$DATA" "$T/srv" &
PIDS+=($!)
for _ in $(seq 1 100); do [ -f "$T/srv/port" ] && break; sleep 0.2; done
FEEDS_URL="http://127.0.0.1:$(cat "$T/srv/port")"

mk_answers() { # ORG BUSINESS SIZE ANSWER OUT
	"$M" checklist items --business-type "$2" --size "$3" --json | python3 -c "
import json,sys
o=json.load(sys.stdin)
print('catalogue: \"%s\"' % o[0]['catalogue'])
print('answers:')
for x in o:
    print('  %s: %s' % (x['id'], '$4' if x['id'] != 'NET-04' else '{ answer: 該当しない, comment: 車内 Wi-Fi はありません }'))
" >"$5"
}

flow() { # LABEL DB: every module's commands, outputs in $T/LABEL, errors in $T/LABEL/err
	local o=$T/$1
	mkdir -p "$o"
	export MAMORI_DB=$2
	"$M" init >/dev/null 2>>"$o/err"
	"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null 2>>"$o/err"
	# share
	"$M" share collection add isac --title '交通ISAC' --tlp green --read 'role:member,org:kanto-rail' \
		--write role:member >"$o/coll-add.txt" 2>>"$o/err"
	"$M" share collection add reports --title reports >/dev/null 2>>"$o/err"
	"$M" share import "$EX/threat-reports/poisonivy.json" --collection isac --json >"$o/share-import1.json" 2>>"$o/err"
	"$M" share import "$EX/threat-reports/apt1.json" --collection reports --json >"$o/share-import2.json" 2>>"$o/err"
	"$M" share import "$EX/threat-reports/apt1.json" --collection reports --json >"$o/share-import3.json" 2>>"$o/err"
	"$M" share collection list --json >"$o/coll-list.json" 2>>"$o/err"
	"$M" share export --collection isac >"$o/share-export.json" 2>>"$o/err"
	"$M" share export --collection reports --since 2015-01-01 >"$o/share-export2.json" 2>>"$o/err"
	"$M" share export --collection isac --format misp >"$o/share-misp.json" 2>>"$o/err"
	"$M" share match --json >"$o/share-match.json" 2>>"$o/err"
	# checklist
	mk_answers kanto-rail railway large 実施している "$o/answers.yaml"
	"$M" checklist answer kanto-rail "$o/answers.yaml" >"$o/cl-answer.txt" 2>>"$o/err"
	mk_answers kansai-rail railway medium 一部実施 "$o/answers2.yaml"
	"$M" checklist answer kansai-rail "$o/answers2.yaml" --draft >"$o/cl-draft.txt" 2>>"$o/err"
	"$M" checklist submit kansai-rail >"$o/cl-submit.txt" 2>>"$o/err"
	"$M" checklist score kanto-rail --json >"$o/cl-score.json" 2>>"$o/err"
	"$M" checklist score kansai-rail --json >"$o/cl-score2.json" 2>>"$o/err"
	"$M" checklist history kanto-rail --json >"$o/cl-history.json" 2>>"$o/err"
	"$M" checklist export kansai-rail --csv >"$o/cl-export.csv" 2>>"$o/err"
	"$M" checklist sector --json >"$o/cl-sector.json" 2>>"$o/err"
	"$M" checklist remind --interval-days 90 --dry-run >"$o/cl-remind.txt" 2>>"$o/err"
	# incident and case
	MAMORI_NOW=2026-12-01T00:30:00Z "$M" incident report kanto-rail "$SRC/examples/incident-initial.yaml" >"$o/inc-report.txt" 2>>"$o/err"
	MAMORI_NOW=2026-12-02T10:00:00Z "$M" incident report kanto-rail "$SRC/examples/incident-followup.json" >"$o/inc-followup.txt" 2>>"$o/err"
	MAMORI_NOW=2026-12-02T11:00:00Z "$M" incident aware 1 2026-12-01T12:00:00+09:00 >"$o/inc-aware.txt" 2>>"$o/err"
	MAMORI_NOW=2026-12-03T00:00:00Z "$M" incident assess 1 --continuity 3 --safety 1 --trust 2 --final \
		--nciss cross_sector=transportation_systems >"$o/inc-assess.txt" 2>>"$o/err"
	MAMORI_NOW=2026-12-03T01:00:00Z "$M" incident remind --json >"$o/inc-remind.json" 2>>"$o/err"
	"$M" incident show 1 --json >"$o/inc-show.json" 2>>"$o/err"
	"$M" incident list --json >"$o/inc-list.json" 2>>"$o/err"
	"$M" incident list --overdue --json >"$o/inc-overdue.json" 2>>"$o/err"
	"$M" incident export 1 --collection isac --tlp green >"$o/inc-export.txt" 2>>"$o/err"
	MAMORI_NOW=2026-12-01T01:00:00Z "$M" case open kanto-rail --kind rush --title '初動対応の支援' \
		--message '現地支援を希望' >"$o/case-open.txt" 2>>"$o/err"
	MAMORI_NOW=2026-12-01T02:00:00Z "$M" case update 1 --state in_progress --assignee analyst1 \
		--note '内部: 要注意' --message '14時に伺います' --link incident:1 >"$o/case-update.txt" 2>>"$o/err"
	MAMORI_NOW=2026-12-01T01:00:00Z "$M" case open kanto-rail --kind consult --title '放置された相談' >/dev/null 2>>"$o/err"
	MAMORI_NOW=2026-12-02T02:00:00Z "$M" incident remind --json >"$o/case-remind.json" 2>>"$o/err"
	MAMORI_NOW=2026-12-01T03:00:00Z "$M" case show 1 --json >"$o/case-show.json" 2>>"$o/err"
	"$M" case list --json >"$o/case-list.json" 2>>"$o/err"
	"$M" alert run --dry-run --json >"$o/alerts.json" 2>>"$o/err"
	# exercise: a scripted participant runs the metro scenario at speed 60
	python3 "$SRC/tests/integration/exercise_drive.py" "$M" metro-ddos-hacktivist kanto-rail,kansai-rail \
		"$SRC/examples/incident-initial.yaml" "$o/ex.json" >"$o/ex.out" 2>&1
	"$M" exercise list --json >"$o/ex-list.json" 2>>"$o/err"
	"$M" exercise status 1 --json >"$o/ex-status.json" 2>>"$o/err"
	"$M" exercise report 1 --out "$o/aar" >"$o/ex-report.txt" 2>>"$o/err"
	# feeds: sync from the local server, then the JVN sample files
	MAMORI_NOW=2026-11-23T06:30:00Z "$M" feeds sync --base-url "$FEEDS_URL" --since 2008-01-01 --page-delay 0 --json \
		--dest "$o/sync" --sources nvd-api,cve5,jvn >"$o/sync.json" 2>>"$o/err"
	"$M" feeds import "$DATA"/jvn/examples/hnd/getVulnDetailInfo_hnd_*.xml \
		"$DATA"/jvn/examples/hnd/dataFeed_jvndb_detail_hnd.xml --json >"$o/jvn.json" 2>>"$o/err"
	"$M" feeds status --json >"$o/feeds-status.json" 2>>"$o/err"
	# audit
	"$M" audit seal >"$o/audit-seal.txt" 2>>"$o/err"
	"$M" audit verify --json >"$o/audit.json" 2>>"$o/err"
	echo "exit $?" >>"$o/audit.json"
	unset MAMORI_DB
}
flow sqlite "$T/m.db"
flow pg "$(pg_new_db mods)"

check "share: 155 objects imported on PostgreSQL" \
	"[ \"\$(jq_ 'o[\"success_count\"], o[\"failure_count\"]' <$T/pg/share-import1.json)\" = '155 0' ]"
check "checklist: the answers were stored (score has items)" "grep -q '\"items\"' $T/pg/cl-score.json"
check "exercise: the scripted run passed every check on PostgreSQL" \
	"grep -q '^CHECK' $T/pg/ex.out && ! grep -q '^CHECK	0' $T/pg/ex.out || { grep -v '^CHECK	1' $T/pg/ex.out | head; false; }"
check "exercise: the after-action PDF written on PostgreSQL" "head -c 5 $T/pg/aar/exercise-1.pdf | grep -q '%PDF-'"
check "feeds sync: CVEs and JVN stored on PostgreSQL" \
	"[ \$(pg_psql mods -tAc 'SELECT count(*) FROM cves') -gt 100 ] && [ \$(pg_psql mods -tAc 'SELECT count(*) FROM jvn') -gt 0 ]"
check "incident: filed and shown on PostgreSQL" "grep -q 'incident 1' $T/pg/inc-report.txt && grep -q '\"clocks\"' $T/pg/inc-show.json"
check "case: opened on PostgreSQL" "grep -q 'case 1 opened' $T/pg/case-open.txt"
check "audit verify passes on PostgreSQL" "tail -1 $T/pg/audit.json | grep -qx 'exit 0'"
# What differs by nature is masked: the output folder in a message, the seconds an import
# took and a downloaded file's mtime, the collections' random UUIDs (STIX ids are kept). The
# number of a checklist set submitted from a draft is compared too (on both engines the largest
# so far plus one, read before the draft is removed).
norm() {
	python3 - "$T/$1" "$2" <<'PY'
import json, re, sys
d, f = sys.argv[1], sys.argv[2]
t = open(d + "/" + f, encoding="utf-8").read().replace(d + "/", "OUT/")
t = "\n".join(l for l in t.split("\n") if '"seconds":' not in l and '"mtime":' not in l)
for i, c in enumerate(json.load(open(d + "/coll-list.json"))):
    t = t.replace(c["id"], "COLLECTION-%d" % i)
sys.stdout.write(t)
PY
}
for f in coll-add.txt share-import1.json share-import2.json share-import3.json coll-list.json \
	share-export.json share-export2.json share-misp.json share-match.json cl-answer.txt cl-draft.txt \
	cl-submit.txt cl-score.json cl-score2.json cl-history.json cl-export.csv cl-sector.json cl-remind.txt \
	ex-list.json ex-status.json ex-report.txt sync.json jvn.json feeds-status.json \
	inc-report.txt inc-followup.txt inc-aware.txt inc-assess.txt inc-remind.json inc-show.json \
	inc-list.json inc-overdue.json inc-export.txt case-open.txt case-update.txt case-remind.json \
	case-show.json case-list.json alerts.json audit-seal.txt audit.json; do
	check "$f: the same on PostgreSQL and SQLite" \
		"[ -s $T/sqlite/$f ] && cmp -s <(norm sqlite $f) <(norm pg $f) || { diff <(norm sqlite $f) <(norm pg $f) | head -8; false; }"
done
check "exercise: the scripted run's outcome the same on both engines" "cmp -s $T/sqlite/ex.out $T/pg/ex.out"
check "no errors on PostgreSQL" "[ ! -s $T/pg/err ] || { head -20 $T/pg/err; false; }"
check "no errors on SQLite" "[ ! -s $T/sqlite/err ] || { head -20 $T/sqlite/err; false; }"

# ---- TAXII: serve on PostgreSQL answers the objects SQLite's serve answers; a pull between
# two serves: store B (PostgreSQL) pulls from A's server into a collection B serves, store C
# (SQLite) pulls that from B's server; every object arrives byte for byte, once.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	-keyout "$T/key.pem" -out "$T/cert.pem" -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" 2>/dev/null || { echo "openssl failed"; exit 1; }
export ISAC_PW='correct horse battery'
serve() { # LABEL DB: a TLS server with the member isacbot; its port in $T/LABEL.port
	MAMORI_PASSWORD=$ISAC_PW "$M" --db "$2" user add isacbot --role member >/dev/null
	"$M" --db "$2" serve --listen 127.0.0.1:0 --threads 2 --port-file "$T/$1.port" \
		--tls-cert "$T/cert.pem" --tls-key "$T/key.pem" >"$T/$1.serve.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 1 100); do [ -s "$T/$1.port" ] && break; sleep 0.1; done
}
taxii() { # LABEL COLLECTION-ALIAS DB: the collection's objects as the TAXII server gives them
	local id
	id=$("$M" --db "$3" share collection list --json | python3 -c "import json,sys; print([c['id'] for c in json.load(sys.stdin) if c['alias']=='$2'][0])")
	curl -s --cacert "$T/cert.pem" -u "isacbot:$ISAC_PW" -H 'Accept: application/taxii+json;version=2.1' \
		"https://127.0.0.1:$(cat "$T/$1.port")/taxii2/root/collections/$id/objects/?limit=1000" |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d.get("objects", []))); print("\n".join(sorted(json.dumps(o, sort_keys=True) for o in d.get("objects", []))))'
}
PGA="postgres://mamori:$PG_PASS@127.0.0.1:$PG_PORT/mods"
serve sqa "$T/m.db"
serve pga "$PGA"
taxii sqa isac "$T/m.db" >"$T/taxii-sqlite.txt"
taxii pga isac "$PGA" >"$T/taxii-pg.txt"
check "TAXII objects from serve on PostgreSQL: 155 or more, the same as SQLite's serve" \
	"[ \$(head -1 $T/taxii-pg.txt) -ge 155 ] && cmp -s $T/taxii-sqlite.txt $T/taxii-pg.txt"
PGB=$(pg_new_db pullb)
"$M" --db "$PGB" init >/dev/null
"$M" --db "$PGB" share collection add relay --title relay --read role:member >/dev/null
AID=$("$M" --db "$PGA" share collection list --json | python3 -c "import json,sys; print([c['id'] for c in json.load(sys.stdin) if c['alias']=='isac'][0])")
"$M" --db "$PGB" share remote add a "https://127.0.0.1:$(cat "$T/pga.port")/taxii2/root/" --collection "$AID" \
	--into relay --user isacbot --password-env ISAC_PW --cacert "$T/cert.pem" >/dev/null
"$M" --db "$PGB" share pull a --json >"$T/pull1.json" 2>"$T/pull1.err"
check "pull A -> B (both PostgreSQL): every object stored, none refused" \
	"python3 -c 'import json; r=json.load(open(\"$T/pull1.json\")); assert r[\"stored\"]==$(head -1 "$T/taxii-pg.txt") and r[\"refused\"]==0, r' || cat $T/pull1.err"
"$M" --db "$PGB" share pull a --json >"$T/pull2.json" 2>>"$T/pull1.err"
check "a second pull fetches nothing" "python3 -c 'import json; r=json.load(open(\"$T/pull2.json\")); assert r[\"objects\"]==0, r'"
serve pgb "$PGB"
"$M" --db "$T/c.db" init >/dev/null
BID=$("$M" --db "$PGB" share collection list --json | python3 -c "import json,sys; print([c['id'] for c in json.load(sys.stdin) if c['alias']=='relay'][0])")
"$M" --db "$T/c.db" share remote add b "https://127.0.0.1:$(cat "$T/pgb.port")/taxii2/root/" --collection "$BID" \
	--user isacbot --password-env ISAC_PW --cacert "$T/cert.pem" >/dev/null
"$M" --db "$T/c.db" share pull b --json >"$T/pull3.json" 2>>"$T/pull1.err"
check "pull B -> C (PostgreSQL server to SQLite): every object stored" \
	"python3 -c 'import json; r=json.load(open(\"$T/pull3.json\")); assert r[\"stored\"]==$(head -1 "$T/taxii-pg.txt") and r[\"refused\"]==0, r'"
rawsum() { # the objects' raw bytes, in id order
	if [ "$1" = sqlite ]; then
		sqlite3 "$2" "SELECT hex(raw) FROM share_objects ORDER BY stix_id, version" | tr -d '\n' | sha256sum
	else
		pg_psql "$2" -tAc "SELECT upper(encode(convert_to(raw, 'UTF8'), 'hex')) FROM share_objects s JOIN share_collections c ON c.id = s.collection_id WHERE c.alias = '$3' ORDER BY stix_id, version" | tr -d '\n' | sha256sum
	fi
}
check "the objects arrive byte for byte at C (the same as A holds)" \
	"[ \"\$(rawsum pg mods isac)\" = \"\$(rawsum sqlite $T/c.db)\" ] && [ \"\$(rawsum pg pullb relay)\" = \"\$(rawsum sqlite $T/c.db)\" ]"

# a wrong password is counted by the login throttle (an upsert), then refused with 401; the
# right one still works (every password login failed on PostgreSQL before the throttle's SQL
# named its columns)
code() { curl -s -o /dev/null -w '%{http_code}' --cacert "$T/cert.pem" -u "isacbot:$1" \
	-H 'Accept: application/taxii+json;version=2.1' "https://127.0.0.1:$(cat "$T/pga.port")/taxii2/root/"; }
check "serve on PostgreSQL: a wrong password is 401 and counted by the throttle" \
	"[ \$(code 'wrong password!!') = 401 ] && [ \$(pg_psql mods -tAc \"SELECT count(*) FROM login_throttle WHERE failures > 0\") -ge 1 ]"
check "serve on PostgreSQL: the right password answers 200" "[ \$(code \"\$ISAC_PW\") = 200 ]"

# ---- audit verify on PostgreSQL names a row edited by hand, as on SQLite
pg_psql mods -c "UPDATE audit_log SET actor = 'mallory' WHERE id = 3" >/dev/null
check "audit verify on PostgreSQL names the edited audit row" \
	"! '$M' --db '$PGA' audit verify >'$T/v' && grep -q 'audit_log: .*BROKEN at row 3' '$T/v'"

# ---- every statement prepared on its first try: a parameter PostgreSQL cannot type ("?2 IS
# NULL OR col = ?2") is retried by the dialect layer as ?::text after the server logged the
# error; the modules give such parameters their type (CAST(? AS TEXT)), so none is logged
check "no statement failed its first prepare on PostgreSQL (parameter types)" \
	"! pg_log_untyped"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
