#!/usr/bin/env bash
# feeds_import.sh - `mamori feeds` end to end: import the shared data folder, idempotent
# re-import, kev-diff, sync from a local HTTP server on 127.0.0.1 (ETag, Range resume, .meta
# check), and kill -9 in the middle of an import followed by --resume.
set -u
SECONDS=0
step() { echo "[$SECONDS s] $*"; }

M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?}
DATA=${MAMORI_DATA_DIR:?}
T=$(mktemp -d /tmp/mamori-feeds-XXXXXX)
SERVER_PID=""
IMPORT_PID=""
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	[ -n "$IMPORT_PID" ] && kill -9 "$IMPORT_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

pass=0
fail=0
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $1: expected '$2', got '$3'"
	fi
}
q() { sqlite3 "$1" "$2"; }
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# Expected counts, computed from the files themselves.
read -r NVD_IDS CVE_IDS <<<"$(python3 - "$DATA" <<'EOF'
import gzip, json, lzma, sys
d = sys.argv[1]
nvd = set()
for f, op in (("nvd/nvdcve-2.0-subset.json.xz", lzma.open), ("nvd/nvdcve-2016.json.gz", gzip.open),
              ("nvd/nvdcve-2.0-kev-edge-2017plus.json.xz", lzma.open)):
    nvd |= {v["cve"]["id"] for v in json.load(op(f"{d}/{f}"))["vulnerabilities"]}
cve5 = {json.loads(l)["cveMetadata"]["cveId"] for l in lzma.open(f"{d}/cve5/vulnrichment-subset.jsonl.xz") if l.strip()}
print(len(nvd), len(nvd | cve5))
EOF
)"

# 1. the whole shared data folder
DB=$T/all.db
"$M" --db "$DB" -q init
"$M" --db "$DB" feeds import --from "$DATA" --json >"$T/imp1.json" 2>"$T/imp1.err"
check "import exit status (4 malformed JVN samples fail as files)" 3 $?
check "cves" "$CVE_IDS" "$(q "$DB" 'SELECT COUNT(*) FROM cves')"
check "cves with NVD data" "$NVD_IDS" "$(q "$DB" "SELECT COUNT(*) FROM cves WHERE source LIKE 'nvd%'")"
check "kev" 1674 "$(q "$DB" 'SELECT COUNT(*) FROM kev')"
check "kev first seen in the new catalog" 270 "$(q "$DB" "SELECT COUNT(*) FROM kev WHERE first_catalog = '2026.08.21'")"
check "epss" 360142 "$(q "$DB" 'SELECT COUNT(*) FROM epss')"
check "jvn errors (malformed samples)" 4 "$(q "$DB" "SELECT COUNT(*) FROM feed_errors WHERE feed = 'jvn'")"
check "other errors" 0 "$(q "$DB" "SELECT COUNT(*) FROM feed_errors WHERE feed <> 'jvn'")"
check "jvn rows" 1 "$(q "$DB" "SELECT COUNT(*) FROM jvn WHERE id = 'JVNDB-2022-000097' AND title_ja = '電子入札コアシステムにおける複数の脆弱性'")"
check "heartbleed" "7.5|CWE-125|HIGH" "$(q "$DB" "SELECT cvss3_score, cwe, severity FROM cves WHERE id = 'CVE-2014-0160'")"
check "rss error names file and line" 1 "$(jget "$T/imp1.json" "sum(1 for f in d['files'] for e in f['first_errors'] if 'dataFeed_jvndb_rss_hnd.xml:116:' in e)")"
COUNTS1=$(for t in cves cve_refs cve_products kev kev_catalogs epss jvn jvn_cves feed_errors; do q "$DB" "SELECT COUNT(*) FROM $t"; done | tr '\n' ' ')

step import done
# 2. idempotent
"$M" --db "$DB" feeds import --from "$DATA" --json >"$T/imp2.json" 2>/dev/null
check "second import stores nothing" 0 "$(jget "$T/imp2.json" "sum(f['stored'] for f in d['files'])")"
COUNTS2=$(for t in cves cve_refs cve_products kev kev_catalogs epss jvn jvn_cves feed_errors; do q "$DB" "SELECT COUNT(*) FROM $t"; done | tr '\n' ' ')
check "table counts after re-import" "$COUNTS1" "$COUNTS2"
"$M" --db "$DB" feeds status >"$T/status.txt"
check "status lists files" 1 "$(grep -c 'nvd/nvdcve-2016.json.gz' "$T/status.txt")"

step reimport done
# 3. kev-diff
OLD=$DATA/kev/known_exploited_vulnerabilities-2025.08.25.json
NEW=$DATA/kev/known_exploited_vulnerabilities.json
"$M" feeds kev-diff --json "$OLD" "$NEW" >"$T/diff.json"
check "kev-diff added" 270 "$(jget "$T/diff.json" "d['n_added']")"
check "kev-diff removed" 0 "$(jget "$T/diff.json" "d['n_removed']")"
check "kev-diff text" "追加 added: 270, 削除 removed: 0" "$("$M" feeds kev-diff "$OLD" "$NEW" | tail -1)"

step kev-diff done
# 4. sync from a local server (127.0.0.1 only)
WWW=$T/www
mkdir -p "$WWW/kev" "$WWW/epss" "$WWW/nvd"
cp "$NEW" "$WWW/kev/known_exploited_vulnerabilities.json"
xz -dc "$DATA/epss/epss-scores-2026-08-16-emba.csv.xz" | gzip -c >"$WWW/epss/epss_scores-current.csv.gz"
cp "$DATA/nvd/nvdcve-2016.json.gz" "$WWW/nvd/nvdcve-2.0-modified.json.gz"
cp "$DATA/nvd/nvdcve-2016.meta" "$WWW/nvd/nvdcve-2.0-modified.meta"
python3 "$SRC/tests/integration/feeds_http_server.py" "$WWW" "$T/port" "$T/http.log" &
SERVER_PID=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
URL="http://127.0.0.1:$(cat "$T/port")/"
SDB=$T/sync.db
"$M" --db "$SDB" -q init
"$M" --db "$SDB" feeds sync --dest "$T/dest" --base-url "$URL" --json >"$T/sync1.json" 2>"$T/sync1.err"
check "sync exit" 0 $?
check "sync downloads" 3 "$(jget "$T/sync1.json" "sum(1 for r in d['downloads'] if r.get('downloaded'))")"
check "synced kev identical" "$(sha256sum <"$NEW")" "$(sha256sum <"$T/dest/kev/known_exploited_vulnerabilities.json")"
check "synced kev imported" 1674 "$(q "$SDB" 'SELECT COUNT(*) FROM kev')"
check "synced epss imported" 360142 "$(q "$SDB" 'SELECT COUNT(*) FROM epss')"
check "synced nvd imported" 6517 "$(q "$SDB" 'SELECT COUNT(*) FROM cves')"
"$M" --db "$SDB" feeds sync --dest "$T/dest" --base-url "$URL" --json >"$T/sync2.json" 2>/dev/null
check "second sync: all not modified" 3 "$(jget "$T/sync2.json" "sum(1 for r in d['downloads'] if r.get('not_modified'))")"
check "second sync used If-None-Match (304)" 2 "$(grep -c ' 304 ' "$T/http.log")"
# a partial download is resumed with Range
rm "$T/dest/kev/known_exploited_vulnerabilities.json"
head -c 100000 "$NEW" >"$T/dest/kev/known_exploited_vulnerabilities.json.part"
"$M" --db "$SDB" feeds sync --dest "$T/dest" --base-url "$URL" --no-import --json >"$T/sync3.json" 2>/dev/null
check "resumed download" True "$(jget "$T/sync3.json" "[r['resumed'] for r in d['downloads'] if r['name']=='kev'][0]")"
check "resumed file identical" "$(sha256sum <"$NEW")" "$(sha256sum <"$T/dest/kev/known_exploited_vulnerabilities.json")"
check "server saw the Range request" 1 "$(grep -c 'known_exploited_vulnerabilities.json 206 bytes=100000-' "$T/http.log")"
# a .meta that does not match is refused and nothing replaces the good file
sed -i 's/^sha256:.*/sha256:0000000000000000000000000000000000000000000000000000000000000000/; s/^lastModifiedDate:.*/lastModifiedDate:2099-01-01T00:00:00.000Z/' "$WWW/nvd/nvdcve-2.0-modified.meta"
"$M" --db "$SDB" feeds sync --dest "$T/dest" --base-url "$URL" --json >"$T/sync4.json" 2>/dev/null
check "bad sha256 is an error" 1 "$(jget "$T/sync4.json" "sum(1 for r in d['downloads'] if 'does not match .meta' in r.get('error',''))")"
check "no partial left after a bad hash" 0 "$(ls "$T/dest/nvd/" | grep -c part)"
kill "$SERVER_PID" 2>/dev/null
wait "$SERVER_PID" 2>/dev/null
SERVER_PID=""

step sync done
# 5. kill -9 in the middle of an import, then --resume
BIG=$T/nvd-x4.json.gz
python3 "$SRC/bench/make_nvd_multi.py" "$DATA/nvd/nvdcve-2016.json.gz" "$BIG" 4 >/dev/null
KDB=$T/kill.db
"$M" --db "$KDB" init >/dev/null
"$M" --db "$KDB" feeds import --batch 500 "$BIG" >/dev/null 2>&1 &
IMPORT_PID=$!
killed=0
for _ in $(seq 600); do
	n=$(q "$KDB" "SELECT COALESCE(MAX(records), 0) FROM feed_state" 2>/dev/null || echo 0)
	if [ "${n:-0}" -ge 3000 ]; then
		kill -9 "$IMPORT_PID" 2>/dev/null && killed=1
		break
	fi
	kill -0 "$IMPORT_PID" 2>/dev/null || break
	sleep 0.05
done
wait "$IMPORT_PID" 2>/dev/null
IMPORT_PID=""
check "import was killed mid-file" 1 "$killed"
partial=$(q "$KDB" 'SELECT COUNT(*) FROM cves')
check "store consistent after kill (no half records)" 0 "$(q "$KDB" "SELECT COUNT(*) FROM cves c WHERE configurations IS NOT NULL AND NOT EXISTS (SELECT 1 FROM cve_products p WHERE p.cve_id = c.id)")"
"$M" --db "$KDB" feeds import --resume --json "$BIG" >"$T/resume.json" 2>/dev/null
check "resume exit" 0 $?
check "resume continued (resumed flag)" True "$(jget "$T/resume.json" "d['files'][0]['resumed']")"
check "resume did not redo the committed part" 1 "$(jget "$T/resume.json" "int(d['files'][0]['stored'] <= 26068 - $partial + 500)")"
CDB=$T/clean.db
"$M" --db "$CDB" -q init
"$M" --db "$CDB" feeds import "$BIG" >/dev/null 2>&1
for t in cves cve_refs cve_products; do
	check "resumed $t equals clean import" "$(q "$CDB" "SELECT COUNT(*) FROM $t")" "$(q "$KDB" "SELECT COUNT(*) FROM $t")"
done
check "clean import holds every record" 26068 "$(q "$CDB" 'SELECT COUNT(*) FROM cves')"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
