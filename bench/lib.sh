# shellcheck shell=bash disable=SC2034 # the BENCH_* and WRK_* variables are its results
# bench/lib.sh - what the console benchmarks (web, incidents, checklist, alerts, taxii) share:
# `mamori serve` and nginx (the static-file reference: this machine's ceiling in the same run)
# started on 127.0.0.1, a console session through the real login form, the numbers of a wrk run
# and the CPU time of processes. Source it (. "$(dirname "$0")/lib.sh"); it defines functions
# only. Not a benchmark itself (tests/CMakeLists.txt leaves it out of the bench/*.sh glob).

# bench_serve PORTFILE LOG CMD...: runs `CMD --listen 127.0.0.1:0 --port-file PORTFILE
# --max-conns-per-ip 0` in the background (CMD ends with `serve` and its own options; wrk's
# connections all come from 127.0.0.1, hence no per-address limit), output to LOG, and waits up to
# 10 s for the port. Sets BENCH_PID (the server's pid: a child of the calling shell) and
# BENCH_PORT. Returns non-zero when no port was written.
bench_serve() {
	local portfile=$1 log=$2
	shift 2
	"$@" --listen 127.0.0.1:0 --port-file "$portfile" --max-conns-per-ip 0 >"$log" 2>&1 &
	BENCH_PID=$!
	for _ in $(seq 100); do [ -s "$portfile" ] && break; sleep 0.1; done
	BENCH_PORT=$(cat "$portfile" 2>/dev/null)
	[ -n "$BENCH_PORT" ]
}

# bench_session BASE JAR NAME [PASSWORD]: logs NAME in through the console's login form (the
# CSRF token from the form, cookies in the file JAR) and prints the session cookie's value.
bench_session() {
	local b=$1 jar=$2 name=$3 pw=${4:-bench-password-1} lt
	lt=$(curl -s -c "$jar" "$b/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p')
	curl -s -b "$jar" -c "$jar" --data "csrf=$lt&name=$name&password=$pw" "$b/login" >/dev/null
	awk '$6=="mamori_session"{print $7}' "$jar"
}

# bench_nginx_dir DIR: makes DIR/ngx/{www,logs,tmp} for bench_nginx; the caller puts the files
# to serve into DIR/ngx/www. The directories are world-readable: nginx's workers run as nobody
# when root starts it.
bench_nginx_dir() {
	mkdir -p "$1/ngx/www" "$1/ngx/logs" "$1/ngx/tmp"
	chmod 755 "$1" "$1/ngx" "$1/ngx/www"
}

# bench_nginx DIR TYPE [PROBE]: nginx (2 workers, no access log) serving DIR/ngx/www on a free
# port of 127.0.0.1 with TYPE as the default content type; waits up to 5 s until PROBE (a path,
# "/" by default) answers. Sets BENCH_NGX_PID (a child of the calling shell) and BENCH_NGX_PORT.
# Returns non-zero when nginx is not installed.
bench_nginx() {
	local d=$1 type=$2 probe=${3:-/} nginx
	nginx=$(command -v nginx || echo /usr/sbin/nginx)
	[ -x "$nginx" ] || return 1
	chmod 644 "$d"/ngx/www/*
	BENCH_NGX_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$d/ngx/nginx.conf" <<NGX
daemon off;
worker_processes 2;
pid $d/ngx/nginx.pid;
error_log $d/ngx/logs/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $d/ngx/tmp; proxy_temp_path $d/ngx/tmp; fastcgi_temp_path $d/ngx/tmp;
	uwsgi_temp_path $d/ngx/tmp; scgi_temp_path $d/ngx/tmp;
	server { listen 127.0.0.1:$BENCH_NGX_PORT; root $d/ngx/www; default_type $type; }
}
NGX
	"$nginx" -p "$d/ngx" -c "$d/ngx/nginx.conf" 2>"$d/ngx/stderr" &
	BENCH_NGX_PID=$!
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$BENCH_NGX_PORT$probe" && break; sleep 0.1; done
}

# bench_nginx_page DIR FILE: bench_nginx serving a copy of the HTML page FILE at "/".
bench_nginx_page() {
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || return 1
	bench_nginx_dir "$1"
	cp "$2" "$1/ngx/www/index.html"
	bench_nginx "$1" text/html /
}

# bench_nginx_ticks: bench_ticks of nginx's master and its workers (the reference's CPU time).
bench_nginx_ticks() {
	local workers
	mapfile -t workers < <(pgrep -P "$BENCH_NGX_PID" 2>/dev/null)
	bench_ticks "$BENCH_NGX_PID" "${workers[@]}"
}

# bench_ticks PID...: the CPU time (utime + stime, clock ticks) the processes have used; one
# that is gone counts 0.
bench_ticks() {
	local p
	for p in "$@"; do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s += $1} END {print s + 0}'
}

# bench_wrk_parse OUT: the numbers of wrk --latency's output OUT, in WRK_RPS, WRK_P50, WRK_P99
# (as wrk writes them: "1.23ms"), WRK_REQS, WRK_NON2XX (empty when there were none) and WRK_ERRS
# (socket errors of every kind, empty when there were none).
bench_wrk_parse() {
	WRK_RPS=$(awk '/Requests\/sec/{print $2}' <<<"$1")
	WRK_P50=$(awk '$1=="50%"{print $2}' <<<"$1")
	WRK_P99=$(awk '$1=="99%"{print $2}' <<<"$1")
	WRK_REQS=$(awk '/requests in/{print $1}' <<<"$1")
	WRK_NON2XX=$(awk '/Non-2xx/{print $NF}' <<<"$1")
	WRK_ERRS=$(awk '/Socket errors/{gsub(",","");print $4+$6+$8+$10}' <<<"$1")
}

# bench_ms TIME: wrk's time ("850.00us", "1.23ms", "2.01s") in milliseconds; an empty TIME (wrk
# gave no percentile) counts as 999 s.
bench_ms() {
	awk '{v = $1; if (v ~ /us$/) { sub("us", "", v); v /= 1000 } else if (v ~ /ms$/) sub("ms", "", v);
	      else if (v ~ /s$/) { sub("s", "", v); v *= 1000 }; printf "%.3f\n", v}' <<<"${1:-999s}"
}
