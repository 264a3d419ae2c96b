#!/usr/bin/env bash
# pg_scale.sh - issue #18's benchmarks on a throwaway PostgreSQL cluster (tests/support/
# pg_cluster.sh), each against its comparison in the same run (ratios hold on a loaded
# machine; absolute times do not):
#  - `asm run --all --distributed` over the lab's operators with 1, 2 and 4 `mamori worker`s
#    (wall time; jobs, attempts and findings counted: none lost or doubled);
#  - NVD 2016 and EPSS imports into PostgreSQL vs into SQLite, and EPSS by COPY vs row by row
#    (MAMORI_FEEDS_COPY=0).
# Needs root (the lab's network namespace). Results to stdout; numbers in docs/SCALING.md.
#
# usage: bench/pg_scale.sh   (MAMORI: binary, default build/release/mamori; MAMORI_DATA_DIR)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$HERE/..
M=$(readlink -f "${MAMORI:-$SRC/build/release/mamori}")
DATA=${MAMORI_DATA_DIR:-$SRC/../shared/data}
[ "$(id -u)" -eq 0 ] || { echo "pg_scale: needs root (the lab)"; exit 77; }
. "$SRC/tests/support/pg_cluster.sh"
NS=pgb$$
NS=${NS:0:15}
T=$(mktemp -d)
chmod 755 "$T"
trap 'timeout 60 "$SRC/tests/lab/lab" down --ns "$NS" --dir "$T/lab" >/dev/null 2>&1; pg_cluster_stop; rm -rf "$T"' EXIT
pg_cluster_start "$T" || exit 1
timeout 120 "$SRC/tests/lab/lab" up --ns "$NS" --dir "$T/lab" >"$T/lab.log" 2>&1 || { cat "$T/lab.log"; exit 1; }
sock() { echo "postgresql:///$1?host=$PG_DATA&port=$PG_PORT&user=mamori"; }
now() { date +%s.%N; }
PORTS=21,22,23,25,53,80,443,445,502,3306,3389,8080,44818
export MAMORI_NOW=2026-12-07T03:00:00Z
uptime

echo "| import | PostgreSQL s | SQLite s | ratio |"
echo "|---|---|---|---|"
xz -dc "$DATA/epss/epss-scores-2026-08-16-emba.csv.xz" | head -100001 >"$T/epss.csv"
timed() { local s; s=$(now); "$@" >/dev/null 2>&1; echo "$(now) - $s" | bc; }
for f in "$DATA/nvd/nvdcve-2016.json.gz" "$T/epss.csv"; do
	n=$(basename "$f")
	db=imp$RANDOM
	pg_new_db "$db" >/dev/null
	"$M" --db "$(sock "$db")" init >/dev/null
	"$M" --db "$T/$db.db" init >/dev/null
	p=$(timed "$M" --db "$(sock "$db")" feeds import "$f")
	q=$(timed "$M" --db "$T/$db.db" feeds import "$f")
	echo "| $n | $p | $q | $(echo "scale=1; $p / $q" | bc)× |"
done
db=rows$RANDOM
pg_new_db "$db" >/dev/null
"$M" --db "$(sock "$db")" init >/dev/null
r=$(MAMORI_FEEDS_COPY=0 timed "$M" --db "$(sock "$db")" feeds import "$T/epss.csv")
echo "| epss, row by row (MAMORI_FEEDS_COPY=0) | $r | | |"

pg_new_db tmpl >/dev/null
export MAMORI_DB=$(sock tmpl)
"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null
"$M" feeds import "$DATA"/nvd/*.json.* "$DATA"/cve5/*.jsonl.xz \
	"$DATA"/kev/known_exploited_vulnerabilities.json "$T/epss.csv" >/dev/null
unset MAMORI_DB
echo
echo "| workers | asm run --all --distributed, s | jobs | attempts | workers used | findings |"
echo "|---|---|---|---|---|---|"
for N in 1 2 4; do
	db=bench$N
	pg_psql mamori -c "CREATE DATABASE $db TEMPLATE tmpl" >/dev/null
	pids=()
	for i in $(seq 1 $N); do
		MAMORI_DB=$(sock $db) ip netns exec "$NS" "$M" worker --name b$i --poll 1 >/dev/null 2>&1 &
		pids+=($!)
	done
	sleep 1
	s=$(now)
	MAMORI_DB=$(sock $db) timeout 900 "$M" asm run --all --distributed --ports $PORTS \
		--resolver 127.0.10.53 --wait 800 >/dev/null 2>&1
	e=$(now)
	kill -TERM "${pids[@]}"
	wait "${pids[@]}" 2>/dev/null
	echo "| $N | $(echo "$e - $s" | bc) | $(pg_psql $db -tAc "SELECT count(*) || ' | ' || sum(attempts) || ' | ' || count(DISTINCT lease_owner) FROM jobs") | $(pg_psql $db -tAc 'SELECT count(*) FROM findings') |"
done
uptime
