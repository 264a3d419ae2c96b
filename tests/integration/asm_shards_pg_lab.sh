#!/usr/bin/env bash
# asm_shards_pg_lab.sh - two workers on two "machines" scanning one operator's shards
# (issue #18): two network namespaces, each with its own copy of the lab (the same daemons and
# replayed banners on the same addresses: the Internet as each machine sees it), each running
# a `mamori worker` that reaches PostgreSQL over its Unix socket on a shared path.
# `mamori asm run kanto-rail --distributed --shards 4` queues four shard jobs over one
# permutation; the two workers split them. The stored rows (observations and identified
# services) are the same, row for row, as those of one worker running the same four shards and
# of one worker running the scan unsharded: nothing lost, nothing doubled, and the shards'
# probes add up to the unsharded scan's. Needs root (namespaces). Exit 77 = skipped when not root.
set -uo pipefail
M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
if [ "$(id -u)" -ne 0 ]; then
	echo "asm_shards_pg_lab: needs root (network namespaces); skipped"
	exit 77
fi
. "$SRC/tests/support/check.sh"
. "$SRC/tests/support/pg_cluster.sh"
NA=sha$$ NB=shb$$
NA=${NA:0:15} NB=${NB:0:15}
T=$(mktemp -d)
chmod 755 "$T"
PIDS=()
cleanup() {
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill -9 "$p" 2>/dev/null; done
	timeout 60 "$SRC/tests/lab/lab" down --ns "$NA" --dir "$T/laba" >/dev/null 2>&1
	timeout 60 "$SRC/tests/lab/lab" down --ns "$NB" --dir "$T/labb" >/dev/null 2>&1
	pg_cluster_stop
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
export MAMORI_NOW=2026-12-07T03:00:00Z
unset MAMORI_DB
pg_cluster_start "$T" || { echo "FAIL - PostgreSQL cluster did not start"; exit 1; }
for ns in "$NA:laba" "$NB:labb"; do
	for try in 1 2; do
		timeout 120 "$SRC/tests/lab/lab" up --ns "${ns%%:*}" --dir "$T/${ns#*:}" >"$T/${ns#*:}.log" 2>&1 && break
		[ $try = 2 ] && { cat "$T/${ns#*:}.log"; echo "lab ${ns%%:*} did not come up"; exit 1; }
	done
done
sock() { echo "postgresql:///$1?host=$PG_DATA&port=$PG_PORT&user=mamori"; } # from a namespace
tcp() { echo "postgres://mamori:$PG_PASS@127.0.0.1:$PG_PORT/$1"; }
PORTS=21,22,23,25,53,80,443,445,502,3306,3389,8080,44818
ORG=kanto-rail

pg_new_db tmpl >/dev/null
MAMORI_DB=$(tcp tmpl) "$M" init >/dev/null &&
	MAMORI_DB=$(tcp tmpl) "$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null ||
	{ echo "FAIL - template store"; exit 1; }
for db in one single dist; do pg_psql mamori -c "CREATE DATABASE $db TEMPLATE tmpl" >/dev/null; done

worker() { # NS DB NAME: a worker in namespace NS, its store over the Unix socket
	MAMORI_DB=$(sock "$2") ip netns exec "$1" "$M" worker --name "$3" --poll 1 >"$T/worker-$2-$3.log" 2>&1 &
	WPID=$!
	PIDS+=("$WPID")
	for _ in $(seq 1 50); do # the namespace the worker runs in, once ip netns exec ran it
		[ "$(ip netns identify "$WPID" 2>/dev/null)" = "$1" ] && break
		sleep 0.1
	done
	echo "$3 $(ip netns identify "$WPID" 2>/dev/null)" >>"$T/netns-$2"
}
run() { # DB SHARDS WORKER-NS...: the workers, the run, the workers stopped
	local db=$1 k=$2 i=0 w=()
	shift 2
	for ns in "$@"; do
		i=$((i + 1))
		worker "$ns" "$db" "w$i"
		w+=("$WPID")
	done
	MAMORI_DB=$(tcp "$db") timeout 600 "$M" asm run "$ORG" --distributed --shards "$k" \
		--ports $PORTS --wait 500 >"$T/$db.txt" 2>"$T/$db.err"
	echo "exit $?" >>"$T/$db.txt"
	kill -TERM "${w[@]}"
	for _ in $(seq 1 100); do
		local alive=0
		for p in "${w[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
}
run one 1 "$NA"
run single 4 "$NA"
run dist 4 "$NA" "$NB"

check "unsharded run: one scan job done" \
	"grep -qx 'exit 0' $T/one.txt && [ \"\$(pg_psql one -tAc \"SELECT count(*), sum(attempts) FROM jobs WHERE kind = 'scan' AND state = 'done'\")\" = '1|1' ]"
for db in single dist; do
	check "$db: four shard jobs, each done once" \
		"grep -qx 'exit 0' $T/$db.txt && [ \$(grep -c '^== $ORG (job [0-9]*, done)' $T/$db.txt) = 4 ] && [ \"\$(pg_psql $db -tAc \"SELECT count(*), sum(attempts) FROM jobs WHERE kind = 'scan' AND state = 'done'\")\" = '4|4' ] || { cat $T/$db.err; false; }"
	check "$db: four scan rows, shards 0-3 of 4 over one permutation key" \
		"[ \"\$(pg_psql $db -tAc \"SELECT count(*), count(DISTINCT params::jsonb->>'shard'), min((params::jsonb->>'n_shards')::int), count(DISTINCT params::jsonb->>'key') FROM scans WHERE state = 'done'\")\" = '4|4|4|1' ]"
done
check "dist: the two workers ran in two namespaces ($NA, $NB)" \
	"[ \"\$(cat $T/netns-dist)\" = \"\$(printf 'w1 %s\\nw2 %s' $NA $NB)\" ]"
check "dist: both workers, in two namespaces, took shard jobs" \
	"[ \"\$(pg_psql dist -tAc \"SELECT count(DISTINCT split_part(lease_owner, '/', 1)) FROM jobs WHERE kind = 'scan'\")\" = 2 ]"
obs() { pg_psql "$1" -tAc "SELECT org_slug, ip, port, proto, state FROM observations ORDER BY 1, 2, 3, 4"; }
svc() { pg_psql "$1" -tAc "SELECT org_slug, ip, port, proto, coalesce(service, ''), coalesce(product, ''), coalesce(version, ''), state FROM services ORDER BY 1, 2, 3, 4"; }
count() { pg_psql "$1" -tAc "SELECT (SELECT count(*) FROM observations), (SELECT count(DISTINCT (org_slug, ip, port, proto)) FROM observations), (SELECT count(*) FROM services)"; }
obs one >"$T/obs.one"
svc one >"$T/svc.one"
check "the unsharded scan found open ports and identified services" \
	"[ \$(grep -c '|open\$' $T/obs.one) -ge 5 ] && [ \$(grep -c '|identified\$' $T/svc.one) -ge 3 ]"
for db in single dist; do
	check "$db: no duplicate rows (observations, distinct keys, services: $(count one))" "[ \"\$(count $db)\" = \"\$(count one)\" ]"
	check "$db: the observations, sorted, equal the unsharded scan's" "[ \"\$(obs $db)\" = \"\$(cat $T/obs.one)\" ]"
	check "$db: the identified services, sorted, equal the unsharded scan's" "[ \"\$(svc $db)\" = \"\$(cat $T/svc.one)\" ] || diff <(svc $db) $T/svc.one"
	check "$db: the shards' probes add up to the unsharded scan's (each target once)" \
		"[ \"\$(pg_psql $db -tAc 'SELECT sum(sent) FROM scans')\" = \"\$(pg_psql one -tAc 'SELECT sum(sent) FROM scans')\" ]"
done
check "dist equals single, row for row" "[ \"\$(obs dist; svc dist)\" = \"\$(obs single; svc single)\" ]"
check "--shards without ORG --distributed is a usage error" \
	"MAMORI_DB=$(tcp one) '$M' asm run --all --shards 2 2>/dev/null; [ \$? = 2 ]"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
