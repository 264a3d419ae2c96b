# pg_cluster.sh - a throwaway PostgreSQL cluster for the tests. Source it, then call
#   pg_cluster_start DIR
# DIR (an empty temporary folder the caller removes) gets the cluster in DIR/pg. The
# server runs as the unprivileged user mamori-pg (created when missing; initdb refuses
# root), listens on a Unix socket in DIR/pg and on 127.0.0.1 at a free port, and is
# stopped by pg_cluster_stop (call it from the caller's EXIT trap). Sets:
#   PG_URL        postgres://mamori:PASS@127.0.0.1:PORT/mamori   (TCP, password checked)
#   PG_SOCK_URL   postgresql:///mamori?host=DIR/pg&user=mamori   (Unix socket, trust)
#   PG_PORT PG_PASS PG_BIN PG_DATA
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
PG_USER=mamori-pg

pg_run() { # runs a command as the cluster's owner
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$PG_USER" -- "$@"
	else
		"$@"
	fi
}

pg_cluster_start() {
	local dir=$1 i
	[ -x "$PG_BIN/initdb" ] || { echo "pg_cluster: no initdb in '$PG_BIN' (Debian package postgresql)" >&2; return 1; }
	if [ "$(id -u)" = 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER" || return 1
	fi
	PG_DATA=$dir/pg
	mkdir -p "$PG_DATA"
	PG_PASS=pw$RANDOM$RANDOM
	echo "$PG_PASS" >"$dir/pwfile"
	if [ "$(id -u)" = 0 ]; then
		chmod 755 "$dir"
		chown "$PG_USER" "$PG_DATA" "$dir/pwfile"
	fi
	pg_run "$PG_BIN/initdb" -D "$PG_DATA/data" -U mamori --pwfile="$dir/pwfile" \
		--auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
	PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA/data" -l "$PG_DATA/server.log" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
		start >/dev/null || { cat "$PG_DATA/server.log" >&2; return 1; }
	for i in $(seq 1 50); do
		pg_run "$PG_BIN/pg_isready" -q -h "$PG_DATA" -p "$PG_PORT" && break
		sleep 0.2
	done
	pg_run "$PG_BIN/createdb" -h "$PG_DATA" -p "$PG_PORT" -U mamori mamori || return 1
	PG_URL="postgres://mamori:$PG_PASS@127.0.0.1:$PG_PORT/mamori"
	PG_SOCK_URL="postgresql:///mamori?host=$PG_DATA&port=$PG_PORT&user=mamori"
	export PG_URL PG_SOCK_URL PG_PORT PG_PASS PG_BIN PG_DATA
}

# A fresh, empty database NAME in the cluster; prints its TCP URL.
pg_new_db() {
	pg_run "$PG_BIN/createdb" -h "$PG_DATA" -p "$PG_PORT" -U mamori "$1" >&2 || return 1
	echo "postgres://mamori:$PG_PASS@127.0.0.1:$PG_PORT/$1"
}

# psql as the cluster's superuser on database $1, the rest are psql arguments.
pg_psql() {
	local db=$1
	shift
	pg_run "$PG_BIN/psql" -X -q -h "$PG_DATA" -p "$PG_PORT" -U mamori -d "$db" "$@"
}

pg_cluster_stop() {
	[ -n "${PG_DATA:-}" ] && [ -d "$PG_DATA/data" ] &&
		pg_run "$PG_BIN/pg_ctl" -D "$PG_DATA/data" -m immediate -w stop >/dev/null 2>&1
	return 0
}

# The preamble of a _pg.sh test: T, a temporary folder with a cluster in it (pg_cluster_start),
# MAMORI_DB unset; at exit, the script's own pg_test_cleanup when it defines one (its
# servers), then the cluster stopped and T removed (kept when KEEP is set). Exits the script
# with a FAIL line when the cluster does not start.
pg_test_start() {
	T=$(mktemp -d)
	chmod 755 "$T"
	trap pg_test_stop EXIT
	unset MAMORI_DB
	pg_cluster_start "$T" || { echo "FAIL - PostgreSQL cluster did not start"; exit 1; }
}

pg_test_stop() {
	declare -F pg_test_cleanup >/dev/null && pg_test_cleanup
	pg_cluster_stop
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}

# The server log's lines of statements that failed their first prepare for a parameter
# PostgreSQL could not type ("? IS NULL OR col = ?": the dialect layer retried them with
# ?::text); a test checks there are none.
pg_log_untyped() {
	grep -E 'could not determine data type of parameter|inconsistent types deduced' "$PG_DATA/server.log"
}
