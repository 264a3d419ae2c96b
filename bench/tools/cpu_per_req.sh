#!/bin/bash
# bench/tools/cpu_per_req.sh PID URL [WRK-ARGS...]: the server's CPU ms per request (utime + stime
# of PID and its children from /proc over a 5 s wrk run at 64 connections, / requests) and the
# p99: a load-independent measure to compare a server with nginx in the same run (a helper,
# not a benchmark of its own).
pid=$1; url=$2; shift 2
t0=$(awk '{print $14+$15}' /proc/$pid/stat)
for c in $(pgrep -P $pid); do t0=$((t0 + $(awk '{print $14+$15}' /proc/$c/stat))); done
out=$(wrk -t2 -c64 -d5s --latency "$@" "$url" 2>&1)
t1=$(awk '{print $14+$15}' /proc/$pid/stat)
for c in $(pgrep -P $pid); do t1=$((t1 + $(awk '{print $14+$15}' /proc/$c/stat))); done
n=$(awk '/requests in/{print $1}' <<<"$out")
hz=$(getconf CLK_TCK)
echo "$n requests, p99 $(awk '$1=="99%"{print $2}' <<<"$out"), server CPU $(python3 -c "print(round(($t1-$t0)*1000/$hz/$n, 3))") ms/request"
