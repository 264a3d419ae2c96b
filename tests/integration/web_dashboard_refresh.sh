#!/usr/bin/env bash
# web_dashboard_refresh.sh - the dashboard's panels after their cache time (issue 14, the 64
# socket errors of bench/web.sh): on a store of 500 operators and 100,000 findings the first
# view builds them (slow); once they are stale, every request still answers at once with the
# last panels while ONE thread rebuilds them behind, so no worker thread and none of its
# connections waits for a rebuild. Compared within this run (the machine is shared): requests
# right after the expiry must be much faster than the build itself.
set -uo pipefail
M=${MAMORI:?set MAMORI to the mamori binary}
SRC=${MAMORI_SOURCE_DIR:?set MAMORI_SOURCE_DIR}
. "$SRC/tests/support/check.sh"
. "$SRC/tests/support/bench_store.sh"
T=$(mktemp -d)
SRV=
cleanup() {
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export MAMORI_DB=$T/m.db
bench_store "$M" "$T" 100000 || { echo "FAIL - generating the store"; exit 1; }
MAMORI_PASSWORD=dash-test-password-1 "$M" -q user add ana --role analyst >/dev/null || exit 1
TOK=$("$M" user token ana)
"$M" serve --listen 127.0.0.1:0 --port-file "$T/port" --threads 2 --dashboard-cache 2 >"$T/serve.log" 2>&1 &
SRV=$!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
B="http://127.0.0.1:$(cat "$T/port")"
get() { curl -s -m 60 -o "$T/$1.html" -w '%{http_code} %{time_total}\n' -H "Authorization: Bearer $TOK" "$B/"; }

read -r code0 build <<<"$(get first)"
echo "# first view (builds the panels): $build s"
check "first view 200 with the fix-first panel" "[ $code0 = 200 ] && grep -q 'id=\"fix-first\"' $T/first.html"
threads0=$(awk '/Threads/{print $2}' "/proc/$SRV/status")
sleep 2.5 # the panels are stale now
# eight at once, right after the expiry: each answers from the stale panels
pids=
for i in $(seq 8); do
	get "s$i" >"$T/t$i" &
	pids="$pids $!"
done
wait $pids # not a bare wait: the server is a child too
slowest=$(cat "$T"/t? | awk '{print $2}' | sort -n | tail -1)
codes=$(cat "$T"/t? | awk '{print $1}' | sort -u | tr '\n' ' ')
echo "# eight views right after the expiry: slowest $slowest s (the build took $build s)"
check "every view after the expiry answered 200 with the panels" \
	"[ '$codes' = '200 ' ] && grep -l 'id=\"fix-first\"' $T/s?.html | wc -l | grep -qx 8"
check "no view waited for the rebuild (slowest < half the build)" \
	"python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) / 2 else 1)' $slowest $build"
# the rebuild ends and its thread with it; the fresh panels are served
for _ in $(seq 60); do
	[ "$(awk '/Threads/{print $2}' "/proc/$SRV/status")" -le "$threads0" ] && break
	sleep 0.5
done
check "the rebuild thread has ended" "[ \$(awk '/Threads/{print \$2}' /proc/$SRV/status) -le $threads0 ]"
read -r code1 _ <<<"$(get after)"
check "the dashboard still answers after the rebuild" "[ $code1 = 200 ] && grep -q 'id=\"fix-first\"' $T/after.html"
check "server alive" "kill -0 $SRV"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
