#!/usr/bin/env bash
# bench/console_identify.sh - console-started "ports + identify" scans (POST /api/v1/scans,
# profile identify) one after another on one server: the time from the POST to the job's end,
# per job. Before the job module a console identify job loaded and compiled Recog itself; now
# the process loads it once (ident_recog_shared) and every later job reuses it.
#   bench/console_identify.sh [MAMORI ...]   (several binaries: each in turn, same setup)
#   bench/console_identify.sh --smoke        (CTest, label bench: $MAMORI, 3 jobs, asserting
#                                             that the later jobs no longer pay the Recog load)
# Env: BENCH_JOBS (5). Targets: one loopback listener in kanto-rail's 127.0.10.0/28 scope.
# Prints one line per binary and "N passed, M failed" last.
set -uo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=${BENCH_JOBS:-5}
SMOKE=0
if [ "${1:-}" = "--smoke" ]; then
	SMOKE=1 JOBS=3
	shift
fi
[ $# -gt 0 ] || set -- "${MAMORI:-$SRC/build/debug/mamori}"
pass=0 fail=0
: "${MAMORI_DATA_DIR:=$SRC/../shared/data}"
export MAMORI_DATA_DIR
for M in "$@"; do
	T=$(mktemp -d)
	if ! "$M" --db "$T/m.db" init >/dev/null; then
		echo "bench: $M cannot init a store"
		fail=$((fail + 1))
		rm -rf "$T"
		continue
	fi
	"$M" --db "$T/m.db" inventory import "$SRC/examples/inventory.yaml" >/dev/null
	MAMORI_PASSWORD=bench-password-1234 "$M" --db "$T/m.db" user add analyst --role analyst >/dev/null
	TOKEN=$("$M" --db "$T/m.db" user token analyst)
	"$M" --db "$T/m.db" serve --listen 127.0.0.1:0 --threads 2 --port-file "$T/port" >"$T/serve.log" 2>&1 &
	SRV=$!
	python3 - "$M" "$T/port" "$TOKEN" "$JOBS" "$SMOKE" <<'PY'
import http.client, json, os, socket, statistics, sys, threading, time
m, portfile, token, jobs, smoke = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1"
deadline = time.monotonic() + 15
while time.monotonic() < deadline and not (os.path.exists(portfile) and open(portfile).read().strip()):
    time.sleep(0.05)
port = int(open(portfile).read())
# an SSH-looking service for identify to name
ls = socket.socket(); ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.10.1", 0)); ls.listen(64); lport = ls.getsockname()[1]
def serve():
    while True:
        c, _ = ls.accept()
        try:
            c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"); c.settimeout(1); c.recv(64)
        except OSError:
            pass
        c.close()
threading.Thread(target=serve, daemon=True).start()
def req(method, path, body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, body, {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    r = c.getresponse(); d = r.read(); c.close()
    return r.status, json.loads(d) if d else None
times = []
for i in range(jobs):
    t0 = time.monotonic()
    st, o = req("POST", "/api/v1/scans", json.dumps({"org": "kanto-rail", "ports": str(lport), "profile": "identify"}))
    assert st == 202, (st, o)
    while True:
        st, s = req("GET", "/api/v1/scans/%d" % o["id"])
        if s["state"] not in ("queued", "running", "identifying"):
            break
        if time.monotonic() - t0 > 120:
            raise SystemExit("job %d did not end" % o["id"])
        time.sleep(0.02)
    times.append(time.monotonic() - t0)
    assert s["state"] == "done" and s.get("identify", "").startswith("1 "), s
later = statistics.mean(times[1:]) if jobs > 1 else times[0]
print("%s: %d console identify jobs, seconds each: %s; first %.2f, later mean %.2f" % (
    m, jobs, " ".join("%.2f" % t for t in times), times[0], later))
if smoke and not later < times[0] / 2:
    raise SystemExit("the later jobs are not faster than the first: Recog loaded per job?")
PY
	if [ $? -eq 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
	kill "$SRV"; wait "$SRV" 2>/dev/null
	rm -rf "$T"
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
