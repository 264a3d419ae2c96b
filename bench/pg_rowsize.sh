#!/usr/bin/env bash
# pg_rowsize.sh - bytes per row of the tables that grow, measured on PostgreSQL with
# pg_total_relation_size (heap + indexes + TOAST) after the demo's work in the lab: inventory,
# feeds, `asm run --all --distributed` with two workers, findings, rating, an incident, SNS
# (the DDoSia lists against the evaluation inventory), STIX objects, audit rows. Prints one
# line per table: name, rows, total bytes, bytes per row, the average tuple's own width
# (pg_column_size: what a row costs once the fixed 8 kB pages of a small table are filled) and
# the number of indexes (docs/SCALING.md "Growth").
# Needs root (the lab). Usage: MAMORI=build/debug/mamori bench/pg_rowsize.sh
set -uo pipefail
M=${MAMORI:-build/debug/mamori}
SRC=${MAMORI_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
DATA=${MAMORI_DATA_DIR:-$SRC/../shared/data}
[ "$(id -u)" = 0 ] || { echo "pg_rowsize: needs root (the lab)"; exit 77; }
. "$SRC/tests/support/pg_cluster.sh"
NS=prs$$
T=$(mktemp -d)
chmod 755 "$T"
PIDS=()
cleanup() {
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill -9 "$p" 2>/dev/null; done
	timeout 60 "$SRC/tests/lab/lab" down --ns "$NS" --dir "$T/lab" >/dev/null 2>&1
	pg_cluster_stop
	rm -rf "$T"
}
trap cleanup EXIT
export MAMORI_NOW=2026-12-07T03:00:00Z
pg_cluster_start "$T" >/dev/null || exit 1
timeout 120 "$SRC/tests/lab/lab" up --ns "$NS" --dir "$T/lab" >"$T/lab.log" 2>&1 || { cat "$T/lab.log"; exit 1; }
pg_new_db demo >/dev/null
export MAMORI_DB="postgresql:///demo?host=$PG_DATA&port=$PG_PORT&user=mamori"
xz -dc "$DATA/epss/epss-scores-2026-08-16-emba.csv.xz" | head -20001 >"$T/epss.csv"
"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null
"$M" feeds import "$DATA"/nvd/*.json.* "$DATA"/cve5/*.jsonl.xz "$DATA"/kev/known_exploited_vulnerabilities.json "$T/epss.csv" >/dev/null
for w in 1 2; do
	ip netns exec "$NS" "$M" worker --name "w$w" --poll 1 >/dev/null 2>&1 &
	PIDS+=($!)
done
"$M" asm run --all --distributed --ports 21,22,23,25,53,80,443,445,502,3306,3389,8080,44818 \
	--resolver 127.0.10.53 --wait 500 >/dev/null 2>&1
"$M" rating compute --all >/dev/null
"$M" incident report kanto-rail "$SRC/examples/incident-initial.yaml" >/dev/null
"$M" share collection add isac --title isac >/dev/null
"$M" share import "$DATA/stix/cti-stix2-json-schemas/examples/threat-reports/apt1.json" --collection isac >/dev/null
pg_new_db sns >/dev/null
MAMORI_DB="postgresql:///sns?host=$PG_DATA&port=$PG_PORT&user=mamori"
export MAMORI_DB
"$M" init >/dev/null && "$M" inventory import "$SRC/bench/sns_eval_inventory.yaml" >/dev/null
"$M" sns import "$DATA/sns/ddosia/ddosia-targets-2023-06-to-2024-10-13.jsonl.xz" >/dev/null
size() { # DB TABLE...
	local db=$1
	shift
	for t in "$@"; do
		pg_psql "$db" -tAF ' ' -c "SELECT '$t', count(*), pg_total_relation_size('$t'), CASE WHEN count(*) > 0 THEN pg_total_relation_size('$t') / count(*) END, round(avg(pg_column_size(x.*))), (SELECT count(*) FROM pg_indexes WHERE tablename = '$t') FROM $t x"
	done
}
echo "table rows total_bytes bytes_per_row avg_tuple_bytes indexes"
size demo observations services findings finding_events scans identify_runs asm_runs ratings jobs audit_log incident_events alerts share_objects cves cve_products
size sns sns_posts sns_matches sns_alerts audit_log
