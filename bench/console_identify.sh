#!/usr/bin/env bash
# bench/console_identify.sh - console-started "ports + identify" scans (POST /api/v1/scans,
# profile identify) one after another on one server: the time from the POST to the job's end,
# per job. Before the job module a console identify job loaded and compiled Recog itself; now
# the process loads it once (ident_recog_shared) and every later job reuses it.
#   bench/console_identify.sh [MAMORI ...]   (several binaries: each in turn, same setup)
# Env: BENCH_JOBS (5). Targets: one loopback listener in kanto-rail's 127.0.10.0/28 scope.
set -uo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=${BENCH_JOBS:-5}
[ $# -gt 0 ] || set -- "${MAMORI:-$SRC/build/debug/mamori}"
: "${MAMORI_DATA_DIR:=$SRC/../shared/data}"
export MAMORI_DATA_DIR
for M in "$@"; do
	T=$(mktemp -d)
	"$M" --db "$T/m.db" init >/dev/null
	"$M" --db "$T/m.db" inventory import "$SRC/examples/inventory.yaml" >/dev/null
	MAMORI_PASSWORD=bench-password-1234 "$M" --db "$T/m.db" user add analyst --role analyst >/dev/null
	TOKEN=$("$M" --db "$T/m.db" user token analyst)
	"$M" --db "$T/m.db" serve --listen 127.0.0.1:0 --threads 2 --port-file "$T/port" >"$T/serve.log" 2>&1 &
	SRV=$!
	python3 - "$M" "$T/port" "$TOKEN" "$JOBS" <<'PY'
import http.client, json, os, socket, statistics, sys, threading, time
m, portfile, token, jobs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
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
print("%s: %d console identify jobs, seconds each: %s; first %.2f, later mean %.2f" % (
    m, jobs, " ".join("%.2f" % t for t in times), times[0], statistics.mean(times[1:]) if jobs > 1 else times[0]))
PY
	kill "$SRV"; wait "$SRV" 2>/dev/null
	rm -rf "$T"
done
