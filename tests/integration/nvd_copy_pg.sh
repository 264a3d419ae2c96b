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
export MAMORI_NOW=2026-11-23T03:00:00Z
pg_test_start

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
O_BYCOPY=$(pg_psql bycopy -tAc "SELECT 'cve_refs_pkey'::regclass::oid")
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
		"SELECT id, cve5_state FROM cves ORDER BY id" \
		"SELECT cve_id, url, source, tags, origin FROM cve_refs ORDER BY cve_id, url" \
		"SELECT vp, cve_id, origin FROM cve_products ORDER BY vp, cve_id, origin"; do
		pg_psql "$1" -tAc "$q"
	done | md5sum
}
check "a store with references keeps its indexes (cve_refs_pkey as init made it)" \
	"[ \"\$(pg_psql bycopy -tAc \"SELECT 'cve_refs_pkey'::regclass::oid\")\" = '$O_BYCOPY' ]"
check "COPY and row by row store the same cves, cve_refs and cve_products" \
	"[ \"\$(dump bycopy)\" = \"\$(dump byrow)\" ]"
check "the 'later' duplicates won, the 'older' ones did not" \
	"[ \"\$(pg_psql bycopy -tAc \"SELECT count(*) FROM cves WHERE description LIKE '% later' OR description LIKE '% latest'\")\" -gt 0 ] && [ \"\$(pg_psql bycopy -tAc \"SELECT count(*) FROM cves WHERE description LIKE '% older'\")\" = 0 ]"

# Into empty cve_refs and cve_products (feed_bulk.c's fresh path: their indexes dropped, built
# at the file's end; the batches savepoints of one transaction): the same rows as row by row,
# CVEs repeated across small batches included, the same counters and the same indexes after.
# A file cut short keeps the batches before the cut, as row by row, with its indexes built.
idx() { pg_psql "$1" -tAc "SELECT indexdef FROM pg_indexes WHERE tablename IN ('cves', 'cve_refs', 'cve_products') ORDER BY 1"; }
python3 -c "import gzip,sys; d=gzip.open(sys.argv[1]).read(); sys.stdout.buffer.write(d[:len(d)*2//3])" \
	"$T/dup.json.gz" >"$T/cut.json"
for f in dup.json.gz cut.json; do
	U3=$(pg_new_db "fc${f%%.*}")
	U4=$(pg_new_db "fr${f%%.*}")
	for u in "$U3" "$U4"; do "$M" --db "$u" init >/dev/null; done
	oid() { pg_psql "$1" -tAc "SELECT 'cve_refs_pkey'::regclass::oid"; }
	o1=$(oid "fc${f%%.*}")
	a=$("$M" --db "$U3" feeds import "$T/$f" --batch 40 --json 2>/dev/null | cnt)
	check "empty store, $f: by the fresh path (cve_refs_pkey built anew)" "[ -n '$o1' ] && [ '$o1' != \"\$(oid fc${f%%.*})\" ]"
	b=$(MAMORI_FEEDS_COPY=0 "$M" --db "$U4" feeds import "$T/$f" --batch 40 --json 2>/dev/null | cnt)
	check "empty store, $f: COPY counters '$a' = row path '$b'" "[ -n '$a' ] && [ '$a' = '$b' ]"
	check "empty store, $f: COPY and row by row store the same rows" \
		"[ \"\$(dump fc${f%%.*})\" = \"\$(dump fr${f%%.*})\" ] && [ \$(pg_psql fc${f%%.*} -tAc 'SELECT count(*) FROM cve_refs') -gt 100 ]"
	check "empty store, $f: the indexes built again, as the migrations made them" \
		"[ \"\$(idx fc${f%%.*})\" = \"\$(idx fr${f%%.*})\" ] && [ \$(idx fc${f%%.*} | wc -l) -ge 4 ]"
done

# CVE 5 by COPY (records whose CVE has no row; the others row by row): a file whose CVEs
# repeat with a newer and an older dateUpdated across small batches, a duplicate reference
# URL in a record; the same rows and counters as row by row and as SQLite.
python3 - "$DATA/cve5/vulnrichment-subset.jsonl.xz" "$T/dup5.jsonl" <<'PY'
import copy, json, lzma, sys
lines = [l for l in lzma.open(sys.argv[1], "rt").read().splitlines() if l.strip()]
out = open(sys.argv[2], "w")
for l in lines:
    out.write(l + "\n")
for i, l in enumerate(lines[:60]):
    d = json.loads(l)
    d["cveMetadata"]["dateUpdated"] = ["2030-01-01T00:00:00.000Z", "2000-01-01T00:00:00.000Z"][i % 2]
    cna = d["containers"].get("cna", {})
    if cna.get("descriptions"):
        cna["descriptions"][0]["value"] += [" later", " older"][i % 2]
    if cna.get("references"):
        cna["references"].append(dict(cna["references"][0]))
    out.write(json.dumps(d) + "\n")
PY
for u in c5copy c5row; do pg_new_db $u >/dev/null; done
P5="postgresql:///c5copy?host=$PG_DATA&port=$PG_PORT&user=mamori"
R5="postgresql:///c5row?host=$PG_DATA&port=$PG_PORT&user=mamori"
for u in "$P5" "$R5" "$T/c5.db"; do "$M" --db "$u" init >/dev/null; done
a=$("$M" --db "$P5" feeds import "$T/dup5.jsonl" --batch 50 --json | cnt)
b=$(MAMORI_FEEDS_COPY=0 "$M" --db "$R5" feeds import "$T/dup5.jsonl" --batch 50 --json | cnt)
s=$("$M" --db "$T/c5.db" feeds import "$T/dup5.jsonl" --batch 50 --json | cnt)
check "CVE 5 with repeats: COPY counters '$a' = row path '$b' = SQLite '$s'" "[ -n '$a' ] && [ '$a' = '$b' ] && [ '$a' = '$s' ]"
check "CVE 5 with repeats: COPY and row by row store the same rows" \
	"[ \"\$(dump c5copy)\" = \"\$(dump c5row)\" ] && [ \$(pg_psql c5copy -tAc \"SELECT count(*) FROM cves WHERE description LIKE '% later'\") -gt 0 ]"

check "no statement failed its first prepare on PostgreSQL (parameter types)" "! pg_log_untyped"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
