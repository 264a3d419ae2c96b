#!/usr/bin/env bash
# feeds_sync.sh - `mamori feeds sync --sources nvd-api,cve5,jvn` against a local server on
# 127.0.0.1 that plays the NVD CVE API 2.0 (paged), a cvelistV5 delta zip and the MyJVN API
# from the shared data: counts, no-op second run, a server dying mid-page, a lying
# totalResults, a malformed page.
set -u
M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?}
DATA=${MAMORI_DATA_DIR:?}
T=$(mktemp -d /tmp/mamori-feeds-sync-XXXXXX)
SERVER_PID=""
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
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

export MAMORI_NOW=2026-11-23T06:30:00Z # the cvelistV5 release is 2026-11-23_0600Z
mkdir -p "$T/srv"
printf 'nvd_per=300\ncve5_tag=2026-11-23_0600Z\njvn_per=3\n' >"$T/srv/mode"
python3 "$SRC/tests/integration/feeds_sync_server.py" "$DATA" "$T/srv" &
SERVER_PID=$!
for _ in $(seq 1 100); do [ -f "$T/srv/port" ] && break; sleep 0.2; done
URL="http://127.0.0.1:$(cat "$T/srv/port")"
SYNC=(feeds sync --base-url "$URL" --since 2008-01-01 --page-delay 0 --json)

# What the server serves, computed from the files themselves.
read -r NVD_N CVE_N CVE5_N JVN_N <<<"$(python3 - "$DATA" <<'PY'
import glob, json, lzma, re, sys
d = sys.argv[1]
nvd = {v["cve"]["id"] for v in json.load(lzma.open(d + "/nvd/nvdcve-2.0-subset.json.xz"))["vulnerabilities"]}
cve5 = [json.loads(l)["cveMetadata"]["cveId"] for l in lzma.open(d + "/cve5/vulnrichment-subset.jsonl.xz") if l.strip()][:40]
jvn = set()
for f in glob.glob(d + "/jvn/examples/hnd/*.xml"):
    for m in re.finditer(r"<Vulinfo>\s*<VulinfoID>([^<]*)<", open(f, encoding="utf-8").read()):
        jvn.add(m.group(1))
print(len(nvd), len(nvd | set(cve5)), len(cve5), len(jvn))
PY
)"

# 1. first run: every source imported, counts equal to what was served
DB=$T/a.db; "$M" --db "$DB" -q init
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/a" --sources nvd-api,cve5,jvn >"$T/a1.json" 2>"$T/a1.err"
check "first sync exit" 0 $?
check "cves (NVD API + CVE 5 delta)" "$CVE_N" "$(q "$DB" 'SELECT COUNT(*) FROM cves')"
check "cves with NVD data" "$NVD_N" "$(q "$DB" "SELECT COUNT(*) FROM cves WHERE source LIKE 'nvd%'")"
check "cve5 records imported" "$CVE5_N" "$(jget "$T/a1.json" "sum(r['stored']+r['unchanged'] for r in d['imports'] if r['feed']=='cve5')")"
check "jvn rows" "$JVN_N" "$(q "$DB" 'SELECT COUNT(*) FROM jvn')"
check "jvn rows are details" "$JVN_N" "$(q "$DB" "SELECT COUNT(*) FROM jvn WHERE kind = 'detail'")"
check "jvn Japanese title" 1 "$(q "$DB" "SELECT COUNT(*) FROM jvn WHERE id = 'JVNDB-2022-000097' AND title_ja = '電子入札コアシステムにおける複数の脆弱性'")"
check "feed errors" 0 "$(q "$DB" 'SELECT COUNT(*) FROM feed_errors')"
check "nvd cursor" "2026-11-23T06:30:00Z" "$(q "$DB" "SELECT last_modified FROM feed_state WHERE feed = 'sync:nvd-api'")"
check "cve5 cursor" "2026-11-23_0600Z" "$(q "$DB" "SELECT last_modified FROM feed_state WHERE feed = 'sync:cve5'")"
check "jvn cursor (JST date)" "2026-11-23" "$(q "$DB" "SELECT last_modified FROM feed_state WHERE feed = 'sync:jvn'")"
check "NVD pages asked for 2000 records" 0 "$(grep -c 'cves/2.0' "$T/srv/log" | xargs -I{} sh -c "grep 'cves/2.0' '$T/srv/log' | grep -vc 'resultsPerPage=2000'")"
check "JVN details asked 10 ids at most" 1 "$(grep -c 'getVulnDetailInfo' "$T/srv/log")"

check "imported pages removed from disk" 0 "$(find "$T/a/nvd-api" "$T/a/jvn-api" -type f | wc -l)"
check "imported pages removed from feed_state" 0 "$(q "$DB" "SELECT COUNT(*) FROM feed_state WHERE feed LIKE 'nvd/nvdapi-%' OR feed LIKE 'jvn/jvn-%'")"

# 2. second run: nothing new downloaded, nothing changed
SUM1=$(q "$DB" "SELECT COUNT(*), SUM(last_modified), SUM(LENGTH(description)) FROM cves; SELECT COUNT(*), SUM(modified) FROM jvn")
: >"$T/srv/log"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/a" --sources nvd-api,cve5,jvn >"$T/a2.json" 2>"$T/a2.err"
check "second sync exit" 0 $?
check "second sync: no NVD request (cursor = now)" 0 "$(grep -c 'cves/2.0' "$T/srv/log")"
check "second sync: no zip download" 0 "$(grep -c '/cve5/' "$T/srv/log")"
check "second sync: cve5 not modified" True "$(jget "$T/a2.json" "[r['not_modified'] for r in d['downloads'] if r['name']=='cve5'][0]")"
check "second sync: no JVN detail" 0 "$(grep -c 'getVulnDetailInfo' "$T/srv/log")"
check "second sync: nothing imported" 0 "$(jget "$T/a2.json" "sum(r['stored'] for r in d['imports'])")"
check "second sync: store unchanged" "$SUM1" "$(q "$DB" "SELECT COUNT(*), SUM(last_modified), SUM(LENGTH(description)) FROM cves; SELECT COUNT(*), SUM(modified) FROM jvn")"

# 3. the server dies half way through a page: cursor unchanged, the rerun completes
DB=$T/b.db; "$M" --db "$DB" -q init
printf 'nvd_per=300\nnvd_die_at=300\n' >"$T/srv/mode"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/b" --sources nvd-api --retries 0 >"$T/b1.json" 2>"$T/b1.err"
check "dead server: exit non-zero" 1 "$([ $? -ne 0 ] && echo 1 || echo 0)"
check "dead server: error names the URL" 1 "$(jget "$T/b1.json" "sum(1 for r in d['downloads'] if 'startIndex=300' in r['url'] and r.get('error'))")"
CUR=$(q "$DB" "SELECT last_modified FROM feed_state WHERE feed = 'sync:nvd-api'")
check "dead server: cursor before the failed window" 1 "$([[ "$CUR" < "2026" ]] && echo 1 || echo 0)"
check "dead server: fewer cves" 1 "$([ "$(q "$DB" 'SELECT COUNT(*) FROM cves')" -lt "$NVD_N" ] && echo 1 || echo 0)"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/b" --sources nvd-api >"$T/b2.json" 2>"$T/b2.err"
check "rerun exit" 0 $?
check "rerun: all NVD records" "$NVD_N" "$(q "$DB" 'SELECT COUNT(*) FROM cves')"
check "rerun: cursor at now" "2026-11-23T06:30:00Z" "$(q "$DB" "SELECT last_modified FROM feed_state WHERE feed = 'sync:nvd-api'")"

# ... with retries (the default: 2) the cut page is fetched again in the same run
DB=$T/b2.db; "$M" --db "$DB" -q init
printf 'nvd_per=300\nnvd_die_at=300\n' >"$T/srv/mode"
: >"$T/srv/log"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/b2" --sources nvd-api >"$T/b3.json" 2>"$T/b3.err"
check "retry: exit" 0 $?
CUT_URL=$(grep ' CUT' "$T/srv/log" | cut -d' ' -f1)
check "retry: the cut page was asked twice" 2 "$(grep -cF "$CUT_URL " "$T/srv/log")"
check "retry: all NVD records" "$NVD_N" "$(q "$DB" 'SELECT COUNT(*) FROM cves')"
# totalResults changes between pages: the window is paged again from startIndex 0
DB=$T/b4.db; "$M" --db "$DB" -q init
printf 'nvd_per=100\nnvd_grow_at=100\n' >"$T/srv/mode"
: >"$T/srv/log"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/b4" --sources nvd-api >"$T/b5.json" 2>"$T/b5.err"
check "changing total: exit" 0 $?
GROW_WIN=$(grep 'startIndex=100&' "$T/srv/log" | head -1 | sed 's/&startIndex.*//')
check "changing total: window paged again" 2 "$(grep -cF "$GROW_WIN&startIndex=0&" "$T/srv/log")"
check "changing total: all NVD records" "$NVD_N" "$(q "$DB" 'SELECT COUNT(*) FROM cves')"
# --no-import downloads pages but leaves the cursor (the store has not caught up)
DB=$T/b3.db; "$M" --db "$DB" -q init
: >"$T/srv/mode"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/b3" --sources nvd-api --no-import >"$T/b4.json" 2>"$T/b4.err"
check "no-import: exit" 0 $?
check "no-import: pages on disk" 1 "$([ "$(ls "$T"/b3/nvd-api/nvdapi-*-0000000.json 2>/dev/null | wc -l)" -gt 0 ] && echo 1 || echo 0)"
check "no-import: no cursor" "" "$(q "$DB" "SELECT last_modified FROM feed_state WHERE feed = 'sync:nvd-api'")"
check "no-import: no cves" 0 "$(q "$DB" 'SELECT COUNT(*) FROM cves')"

# 4. a lying totalResults is bounded: empty pages past the real end stop the window
DB=$T/c.db; "$M" --db "$DB" -q init
printf 'nvd_per=300\nnvd_lie_total=100000000\n' >"$T/srv/mode"
: >"$T/srv/log"
timeout 60 "$M" --db "$DB" "${SYNC[@]}" --dest "$T/c" --sources nvd-api >"$T/c1.json" 2>"$T/c1.err"
check "lying total: exit non-zero" 1 "$([ $? -ne 0 ] && echo 1 || echo 0)"
check "lying total: said why" 1 "$(grep -c 'totalResults' "$T/c1.err")"
check "lying total: few requests" 1 "$([ "$(wc -l <"$T/srv/log")" -le 3 ] && echo 1 || echo 0)"
# ... and a server that ignores startIndex hits the page cap
DB=$T/d.db; "$M" --db "$DB" -q init
printf 'nvd_per=5\nnvd_repeat=1\n' >"$T/srv/mode"
: >"$T/srv/log"
timeout 60 "$M" --db "$DB" "${SYNC[@]}" --dest "$T/d" --sources nvd-api --max-pages 4 >"$T/d1.json" 2>"$T/d1.err"
check "repeating server: exit non-zero" 1 "$([ $? -ne 0 ] && echo 1 || echo 0)"
check "repeating server: startIndex checked" 1 "$(grep -c 'startIndex' "$T/d1.err")"
check "repeating server: at most 4 requests" 1 "$([ "$(wc -l <"$T/srv/log")" -le 4 ] && echo 1 || echo 0)"
CUR=$(q "$DB" "SELECT last_modified FROM feed_state WHERE feed = 'sync:nvd-api'")
check "repeating server: cursor before the capped window" 1 "$([[ "$CUR" < "2026" ]] && echo 1 || echo 0)"

# 5. a malformed page: FILE/URL + offset error, the other pages still import
DB=$T/e.db; "$M" --db "$DB" -q init
printf 'nvd_per=50\nnvd_bad_at=100\n' >"$T/srv/mode"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/e" --sources nvd-api >"$T/e1.json" 2>"$T/e1.err"
check "malformed page: exit non-zero" 1 "$([ $? -ne 0 ] && echo 1 || echo 0)"
check "malformed page: error has URL and offset" 1 "$(grep -c 'startIndex=100.*nvdapi-[0-9T]*-0000100.json:1:@[0-9]' "$T/e1.err")"
check "malformed page: logged in feed_errors" 1 "$(q "$DB" "SELECT COUNT(*) > 0 FROM feed_errors WHERE file GLOB '*nvdapi-[0-9]*T*-0000100.json' AND byte_offset > 0")"
check "malformed page: the next page imported" 1 "$(jget "$T/e1.json" "sum(1 for r in d['imports'] if r['file'].endswith('-0000150.json') and r['stored'] > 0)")"
check "malformed page: kept on disk" 1 "$(ls "$T"/e/nvd-api/nvdapi-*-0000100.json | wc -l)"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/e" --sources nvd-api >"$T/e2.json" 2>"$T/e2.err"
check "malformed page: rerun completes" "$NVD_N" "$(q "$DB" 'SELECT COUNT(*) FROM cves')"
check "malformed page: its error cleared by the good reimport" 0 "$(q "$DB" "SELECT COUNT(*) FROM feed_errors")"

# 6. MyJVN status and paging, checked against what was served
DB=$T/f.db; "$M" --db "$DB" -q init
printf 'jvn_per=2\n' >"$T/srv/mode"
: >"$T/srv/log"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/f" --sources jvn >"$T/f1.json" 2>"$T/f1.err"
check "jvn pages of 2" $(((JVN_N + 1) / 2)) "$(grep -c 'getVulnOverviewList' "$T/srv/log")"
check "jvn rows with 2 per page" "$JVN_N" "$(q "$DB" 'SELECT COUNT(*) FROM jvn')"

# 7. a MyJVN status that is not a count: error with URL and line, no cursor
DB=$T/g.db; "$M" --db "$DB" -q init
printf 'jvn_bad_status=1\n' >"$T/srv/mode"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/g" --sources jvn >"$T/g1.json" 2>"$T/g1.err"
check "bad jvn status: exit non-zero" 1 "$([ $? -ne 0 ] && echo 1 || echo 0)"
check "bad jvn status: URL, file:line and field" 1 "$(grep -c 'myjvn?method=getVulnOverviewList.*jvn-2008-01-01-overview-000001.xml:[0-9]*: totalRes: ' "$T/g1.err")"
check "bad jvn status: no cursor" "" "$(q "$DB" "SELECT last_modified FROM feed_state WHERE feed = 'sync:jvn'")"

# 8. cvelistV5: member names outside the folder are refused, the records still import;
#    the midnight baseline (a zip holding cves.zip) is read through the nested zip
DB=$T/h.db; "$M" --db "$DB" -q init
printf 'cve5_tag=2026-11-23_0600Z\ncve5_kind=evil\n' >"$T/srv/mode"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/h" --sources cve5 >"$T/h1.json" 2>"$T/h1.err"
check "evil zip: exit non-zero" 1 "$([ $? -ne 0 ] && echo 1 || echo 0)"
check "evil zip: names refused" 1 "$(grep -c '2 member names refused (first: ../../evil/CVE-2024-0001.json)' "$T/h1.err")"
check "evil zip: nothing written outside" 0 "$(find "$T" -path '*evil*' | wc -l)"
check "evil zip: good records imported" "$CVE5_N" "$(q "$DB" 'SELECT COUNT(*) FROM cves')"
DB=$T/i.db; "$M" --db "$DB" -q init
printf 'cve5_tag=2026-11-23_0600Z\ncve5_kind=baseline\n' >"$T/srv/mode"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/i" --sources cve5 >"$T/i1.json" 2>"$T/i1.err"
check "baseline zip: exit" 0 $?
check "baseline zip: records via nested cves.zip" "$CVE5_N" "$(q "$DB" 'SELECT COUNT(*) FROM cves')"
# no release in the last hours: a clear error, no cursor
DB=$T/j.db; "$M" --db "$DB" -q init
printf 'cve5_tag=2020-01-01_0000Z\n' >"$T/srv/mode"
: >"$T/srv/log"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/j" --sources cve5 >"$T/j1.json" 2>"$T/j1.err"
check "no release: exit non-zero" 1 "$([ $? -ne 0 ] && echo 1 || echo 0)"
check "no release: tried 4 hours back" 4 "$(grep -c '/cve5/.* 404' "$T/srv/log")"

# last run yesterday: yesterday's newest delta, then today's
DB=$T/l.db; "$M" --db "$DB" -q init
printf 'cve5_tag=2026-11-22_2200Z,2026-11-23_0600Z\n' >"$T/srv/mode"
"$M" --db "$DB" feeds status >/dev/null 2>&1 # creates the store
q "$DB" "INSERT INTO feed_state (feed, last_modified) VALUES ('sync:cve5', '2026-11-22_1500Z')"
: >"$T/srv/log"
"$M" --db "$DB" "${SYNC[@]}" --dest "$T/l" --sources cve5 >"$T/l1.json" 2>"$T/l1.err"
check "catch-up: exit" 0 $?
check "catch-up: yesterday's newest, then today's" "2026-11-22_2300Z 404,2026-11-22_2200Z 200,2026-11-23_0600Z 200" "$(sed -n 's#^/cve5/cve_\([^/]*\)/[^ ]* \([0-9]*\).*#\1 \2#p' "$T/srv/log" | paste -sd,)"
check "catch-up: cursor" "2026-11-23_0600Z" "$(q "$DB" "SELECT last_modified FROM feed_state WHERE feed = 'sync:cve5'")"

# 9. the NVD API key goes in the apiKey header
DB=$T/k.db; "$M" --db "$DB" -q init
: >"$T/srv/mode"
: >"$T/srv/log"
NVD_API_KEY=test-key-123 "$M" --db "$DB" "${SYNC[@]}" --dest "$T/k" --sources nvd-api >"$T/k1.json" 2>"$T/k1.err"
check "api key: exit" 0 $?
check "api key: every request carries it" "$(grep -c 'cves/2.0' "$T/srv/log")" "$(grep -c 'cves/2.0.* KEY=test-key-123$' "$T/srv/log")"
check "api key: not in the URL" 0 "$(grep -c 'test-key-123' "$T/k1.json")"
# a key saved in the store (read from stdin) is used when $NVD_API_KEY is not set
DB=$T/m.db; "$M" --db "$DB" -q init
echo "saved-key-456" | "$M" --db "$DB" feeds sync --save-nvd-api-key >/dev/null
check "saved key: stored" "saved-key-456" "$(q "$DB" "SELECT value FROM settings WHERE key = 'feeds.nvd_api_key'")"
: >"$T/srv/log"
env -u NVD_API_KEY "$M" --db "$DB" "${SYNC[@]}" --dest "$T/m" --sources nvd-api >/dev/null 2>&1
check "saved key: sent" "$(grep -c 'cves/2.0' "$T/srv/log")" "$(grep -c 'cves/2.0.* KEY=saved-key-456$' "$T/srv/log")"
echo "bad key with spaces" | "$M" --db "$DB" feeds sync --save-nvd-api-key >/dev/null 2>&1
check "saved key: refuses spaces" 1 "$([ $? -ne 0 ] && echo 1 || echo 0)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
