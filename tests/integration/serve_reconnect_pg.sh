#!/usr/bin/env bash
# serve_reconnect_pg.sh - `mamori serve` on PostgreSQL when its connections are killed
# (pg_terminate_backend, as an administrator or a failover does): the server keeps one
# connection per worker thread (bounded by --threads), a write in flight when its connection
# dies gets 503 with what happened to it (nothing stored) and Retry-After, reads in flight are
# run again on a new connection, and the requests after it succeed on new connections.
set -uo pipefail
M=${MAMORI:?MAMORI must name the built binary}
SRC=${MAMORI_SOURCE_DIR:?}
. "$SRC/tests/support/check.sh"
. "$SRC/tests/support/pg_cluster.sh"
T=$(mktemp -d)
SPID=
trap '[ -n "$SPID" ] && kill "$SPID" 2>/dev/null; pg_cluster_stop; rm -rf "$T"' EXIT
export MAMORI_NOW=2026-11-23T03:00:00Z
pg_cluster_start "$T" || { echo "FAIL - PostgreSQL cluster did not start"; exit 1; }
export MAMORI_DB=$PG_URL
"$M" init >/dev/null
MAMORI_PASSWORD=pw-admin-1234 "$M" -q user add root --role admin >/dev/null
"$M" user token root | tail -1 >"$T/token"
MAMORI_PASSWORD=pw-analyst-1234 "$M" -q user add reader --role analyst >/dev/null
"$M" user token reader | tail -1 >"$T/rtoken"
"$M" serve --listen 127.0.0.1:0 --port-file "$T/port" --threads 3 --max-conns-per-ip 0 >"$T/serve.log" 2>&1 &
SPID=$!
for _ in $(seq 1 100); do [ -s "$T/port" ] && break; sleep 0.1; done
check "serve started" "[ -s $T/port ]"
URL=http://127.0.0.1:$(cat "$T/port")
get() { curl -s -m 20 -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $(cat "$T/rtoken")" "$URL$1"; }
add_user() { # NAME -> status; body in $T/post.NAME
	curl -s -m 20 -o "$T/post.$1" -w '%{http_code}' -H "Authorization: Bearer $(cat "$T/token")" \
		-H 'Content-Type: application/json' \
		-d "{\"name\":\"$1\",\"role\":\"analyst\",\"password\":\"pw-$1-12345678\"}" "$URL/api/v1/users"
}
mamori_conns() { pg_psql mamori -tAc "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'mamori'"; }

# 1. bounded: 30 requests, 10 at a time, use at most one connection per thread (3) plus the
#    fixed ones (the audit writer, the job queue's worker and heartbeat); more requests open no
#    more.
for k in 0 1 2; do
	P=()
	for i in $(seq 1 10); do get /api/v1/orgs >"$T/st.$k.$i" & P+=($!); done
	wait "${P[@]}"
done
check "30 requests answered 200" "[ \"\$(cat $T/st.* | sort -u)\" = 200 ]"
N1=$(mamori_conns)
for i in $(seq 1 10); do get /api/v1/orgs >/dev/null & P+=($!); done
wait "${P[@]}"
check "connections to PostgreSQL: at most --threads (3) + 4 ($N1), none more after 10 more requests ($(mamori_conns))" \
	"[ $N1 -le 7 ] && [ $(mamori_conns) -le $N1 ]"

# 2. a write in flight when its connection is killed: it waits on a lock held by another
#    session, the server's connections are ended under it.
pg_psql mamori -c "BEGIN" -c "LOCK TABLE users IN EXCLUSIVE MODE" -c "SELECT pg_sleep(4)" -c "COMMIT" >/dev/null 2>&1 &
LPID=$!
sleep 1
add_user inflight >"$T/inflight.status" &
APID=$!
sleep 1.5
pg_psql mamori -tAc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'mamori'" >"$T/killed"
wait "$APID"
wait "$LPID"
check "connections ended: $(cat "$T/killed")" "[ $(cat "$T/killed") -ge 1 ]"
check "the write in flight: 503 (got $(cat "$T/inflight.status"))" "[ $(cat "$T/inflight.status") = 503 ]"
check "its error says the connection was lost and what happened to the write" \
	"grep -q 'connection to PostgreSQL lost' $T/post.inflight && grep -q 'データベースへの接続が切れました' $T/post.inflight"
check "its error does not show the store's URL or password" "! grep -qE '$PG_PASS|127.0.0.1:$PG_PORT' $T/post.inflight"
check "nothing of it was stored" "[ \"\$(pg_psql mamori -tAc \"SELECT count(*) FROM users WHERE name = 'inflight'\")\" = 0 ]"

# 3. the requests after it succeed (each thread reconnects on its next statement).
for i in $(seq 1 6); do get /api/v1/orgs >"$T/after.$i"; done
check "6 reads after the kill: all 200" "[ \"\$(cat $T/after.* | sort -u)\" = 200 ]"
check "a write after the kill: 201" "[ \$(add_user after) = 201 ]"
check "the user of the write after the kill is stored" "[ \"\$(pg_psql mamori -tAc \"SELECT count(*) FROM users WHERE name = 'after'\")\" = 1 ]"

# 4. a read whose connection was killed between requests is run again on a new connection.
pg_psql mamori -tAc "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'mamori'" >/dev/null
for i in $(seq 1 6); do get /api/v1/orgs >"$T/again.$i"; done
check "6 reads after a second kill between requests: all 200" "[ \"\$(cat $T/again.* | sort -u)\" = 200 ]"
check "serve still running" "kill -0 $SPID"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
