#!/usr/bin/env bash
# nvd_copy_pg.sh - NVD into PostgreSQL by COPY (src/feeds/feed_bulk.c) stores what the row path
# stores (MAMORI_FEEDS_COPY=0), row for row, with the same stored / unchanged counters: CVE 5
# rows first (NVD merges into them), a file whose CVEs repeat with newer, older and equal
# lastModified within one batch and across batches, a duplicate reference URL in a record,
# the same file again (all unchanged), the NVD 2016 year on top; and the counters match SQLite's.
set -uo pipefail
M=${MAMORI:?MAMORI must name the built binary}
SRC=${MAMORI_SOURCE_DIR:?}
DATA=${MAMORI_DATA_DIR:?}
. "$SRC/tests/support/check.sh"
. "$SRC/tests/support/pg_cluster.sh"
T=$(mktemp -d)
trap 'pg_cluster_stop; rm -rf "$T"' EXIT
export MAMORI_NOW=2026-11-23T03:00:00Z
pg_cluster_start "$T" || { echo "FAIL - PostgreSQL cluster did not start"; exit 1; }
unset MAMORI_DB

python3 - "$DATA/nvd/nvdcve-2.0-subset.json.xz" "$T/dup.json.gz" <<'PY'
import copy, gzip, json, lzma, sys
doc = json.load(lzma.open(sys.argv[1]))
v = doc["vulnerabilities"]
extra = []
for i, r in enumerate(v[:60]):
    a = copy.deepcopy(r)
    c = a["cve"]
    c["lastModified"] = ["2030-01-01T00:00:00.000", "2000-01-01T00:00:00.000", c["lastModified"]][i % 3]
    c["descriptions"][0]["value"] += [" later", " older", " same"][i % 3]
    if c.get("references"):
        c["references"].append(dict(c["references"][0], tags=["Patch"]))
    extra.append(a)
    if i % 5 == 0:
        b = copy.deepcopy(a)
        b["cve"]["lastModified"] = "2031-01-01T00:00:00.000"
        b["cve"]["descriptions"][0]["value"] += " latest"
        extra.append(b)
doc["vulnerabilities"] = v + extra
doc["totalResults"] = doc["resultsPerPage"] = len(doc["vulnerabilities"])
json.dump(doc, gzip.open(sys.argv[2], "wt"))
PY
check "test file written" "[ -s $T/dup.json.gz ]"

U1=$(pg_new_db bycopy)
U2=$(pg_new_db byrow)
for u in "$U1" "$U2" "$T/s.db"; do "$M" --db "$u" init >/dev/null; done
cnt() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%s:%d/%d/%d" % (f["feed"], f["stored"], f["unchanged"], f["errors"]) for f in d["files"]))'; }
n=0
for spec in "$DATA/cve5/vulnrichment-subset.jsonl.xz" "$T/dup.json.gz" "$T/dup.json.gz --batch 100000" \
	"$DATA/nvd/nvdcve-2.0-kev-edge-2017plus.json.xz" "$DATA/nvd/nvdcve-2016.json.gz"; do
	n=$((n + 1))
	a=$("$M" --db "$U1" feeds import $spec --json | cnt)
	b=$(MAMORI_FEEDS_COPY=0 "$M" --db "$U2" feeds import $spec --json | cnt)
	s=$("$M" --db "$T/s.db" feeds import $spec --json | cnt)
	check "import $n ($(basename ${spec%% *})): COPY counters '$a' = row path '$b' = SQLite '$s'" "[ '$a' = '$b' ] && [ '$a' = '$s' ]"
done
dump() {
	for q in "SELECT id, published, last_modified, description, cwe, cvss4_score, cvss4_vector, cvss4_source, cvss4_severity, cvss3_score, cvss3_vector, cvss3_source, cvss3_version, cvss3_severity, cvss2_score, cvss2_vector, cvss2_source, cvss2_severity, configurations, vuln_status, source, severity, cve5_affected, cve5_updated FROM cves ORDER BY id" \
		"SELECT cve_id, url, source, tags, origin FROM cve_refs ORDER BY cve_id, url" \
		"SELECT vp, cve_id, origin FROM cve_products ORDER BY vp, cve_id, origin"; do
		pg_psql "$1" -tAc "$q"
	done | md5sum
}
check "COPY and row by row store the same cves, cve_refs and cve_products" \
	"[ \"\$(dump bycopy)\" = \"\$(dump byrow)\" ]"
check "the 'later' duplicates won, the 'older' ones did not" \
	"[ \"\$(pg_psql bycopy -tAc \"SELECT count(*) FROM cves WHERE description LIKE '% later' OR description LIKE '% latest'\")\" -gt 0 ] && [ \"\$(pg_psql bycopy -tAc \"SELECT count(*) FROM cves WHERE description LIKE '% older'\")\" = 0 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
