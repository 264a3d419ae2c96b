#!/usr/bin/env bash
# bench/identify.sh - service identification: mamori identify against nmap -sV on the same
# targets of the lab, inside a private network namespace.
#
#   bench/identify.sh [--smoke] [--out FILE.md]
#
# Targets (tests/lab): the real daemons of 127.0.10.0/28 (nginx :80 :443, nginx with an expired
# certificate :443, sshd, postfix, vsftpd, the silent port :8080), BIND on 127.0.10.53:53 and the
# replayed banners on 127.0.20.1-12 (replay.py). Ports are first found with `mamori scan`
# (connect) so identify works from the store as in production; only identify is timed.
# Full mode: mamori identify (3 runs, median) then ONE nmap -sV run (bounded by `timeout 900`,
# nmap is slow on silent ports), a side-by-side table of identifications, the wall-time ratio.
# --smoke (CTest label bench): mamori only, with assertions. Needs root; exit 77 otherwise.
# Nothing leaves the namespace: every target is in 127.0.0.0/8 on its lo.
set -uo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SMOKE=0
OUT=""
while [ $# -gt 0 ]; do
	case "$1" in
	--smoke) SMOKE=1; shift ;;
	--out) OUT=$2; shift 2 ;;
	*) echo "usage: bench/identify.sh [--smoke] [--out FILE.md]" >&2; exit 2 ;;
	esac
done
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/identify.sh: needs root (network namespace); skipped"
	exit 77
fi
M=${MAMORI:-$SRC/build/release/mamori}
[ -x "$M" ] || M=$SRC/build/debug/mamori
NS=ibench$$
T=$(mktemp -d)
chmod 755 "$T"
export MAMORI_DB=$T/m.db
cleanup() {
	timeout 60 "$SRC/tests/lab/lab" down --ns "$NS" --dir "$T/lab" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
inns() { timeout 900 ip netns exec "$NS" "$@"; }
now() { date +%s.%N; }

timeout 120 "$SRC/tests/lab/lab" up --ns "$NS" --dir "$T/lab" >"$T/lab.log" 2>&1 ||
	{ cat "$T/lab.log"; exit 1; }
. "$T/lab/lab.env"
"$M" init >/dev/null
"$M" inventory import "$SRC/examples/inventory.yaml" >/dev/null || exit 1
cat >"$T/dns.yaml" <<'EOF'
version: 1
organisations:
  - id: lab-dns
    name: { ja: 試験DNS, en: Lab DNS }
    sector: railways
    scope:
      - { cidr: 127.0.10.53/32, authorised_by: bench, from: 2026-01-01, until: 2099-12-31 }
EOF
"$M" inventory import "$T/dns.yaml" >/dev/null || exit 1
PORTS=21,22,25,53,80,443,502,8080,44818
for o in kanto-rail tohoku-freight lab-dns; do
	inns "$M" scan "$o" --ports $PORTS >/dev/null 2>&1 || { echo "scan $o failed"; exit 1; }
done
sqlite3 "$MAMORI_DB" "SELECT ip || ':' || port FROM observations WHERE state='open' AND proto='tcp' ORDER BY ip, port" >"$T/targets"
N=$(wc -l <"$T/targets")
echo "targets: $N open TCP ports"

# ---- mamori identify
RUNS=3
[ $SMOKE = 1 ] && RUNS=1
: >"$T/mtimes"
for ((i = 0; i < RUNS; i++)); do
	t0=$(now)
	inns "$M" identify --all --out "$T/m.jsonl" --json >"$T/m.sum" 2>/dev/null || { echo "identify failed"; exit 1; }
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }' >>"$T/mtimes"
done
MT=$(sort -n "$T/mtimes" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
echo "mamori identify: median ${MT}s over $RUNS run(s) ($(tr '\n' ' ' <"$T/mtimes"))"
# where the time goes: the slowest ports of the last run (the whole run lasts as long as its
# slowest port, since ports run in parallel)
python3 - "$T/m.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rows.sort(key=lambda o: -json.loads(o.get("evidence") or "{}").get("elapsed_ms", 0) if isinstance(o.get("evidence"), str) else -o.get("elapsed_ms", 0))
for o in rows[:4]:
    ev = o.get("evidence")
    ms = json.loads(ev).get("elapsed_ms") if isinstance(ev, str) else o.get("elapsed_ms")
    print("  slowest: %s:%s %s %s ms" % (o.get("ip"), o.get("port"), o.get("state"), ms))
PY

# ---- nmap -sV (full mode only: one bounded run)
NT=""
if [ $SMOKE = 0 ]; then
	HOSTS=$(cut -d: -f1 "$T/targets" | sort -u | tr '\n' ' ')
	NPORTS=$(cut -d: -f2 "$T/targets" | sort -un | paste -sd,)
	t0=$(now)
	# shellcheck disable=SC2086
	inns nmap -sV -Pn -n -sT -p "$NPORTS" -oX "$T/nmap.xml" $HOSTS >"$T/nmap.txt" 2>&1
	t1=$(now)
	NT=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	echo "nmap -sV: ${NT}s"
fi

# ---- side by side
python3 - "$T/targets" "$T/m.jsonl" "$T/nmap.xml" "$MT" "${NT:-}" >"$T/table.md" <<'PY'
import json, os, sys, xml.etree.ElementTree as ET
targets, mj, nx, mt, nt = sys.argv[1:6]
want = [l.strip() for l in open(targets) if l.strip()]
mam = {}
for l in open(mj):
    o = json.loads(l)
    mam[f"{o['ip']}:{o['port']}"] = o
nm = {}
if os.path.exists(nx):
    for h in ET.parse(nx).getroot().iter("host"):
        ip = h.find("address").get("addr")
        for p in h.iter("port"):
            s = p.find("service")
            if p.find("state").get("state") != "open":
                continue
            txt = ""
            if s is not None:
                txt = " ".join(x for x in (s.get("name"), s.get("product"), s.get("version")) if x)
            nm[f"{ip}:{p.get('portid')}"] = txt
rows, named_by_nmap, named_too, versions_ok = [], 0, 0, 0
for t in want:
    o = mam.get(t, {})
    m = " ".join(x for x in (o.get("service"), o.get("product") or "", o.get("version") or "") if x).strip()
    if o.get("state") in ("silent", "unidentified") and not o.get("product"):
        m += f" ({o.get('state')})"
    n = nm.get(t, "-" if nt else "(not run)")
    rows.append(f"| {t} | {n} | {m} | {o.get('cpe') or '-'} |")
    nmap_names = bool(nt) and n not in ("-", "") and " " in n  # a product, not only a service name
    if nmap_names:
        named_by_nmap += 1
        if o.get("product"):
            named_too += 1
print("| target | nmap -sV | mamori identify | mamori CPE |")
print("|---|---|---|---|")
print("\n".join(rows))
print()
if nt:
    print(f"mamori identify {mt} s (median of runs) vs nmap -sV {nt} s: "
          f"**{float(nt) / float(mt):.0f}x** faster. nmap named a product on {named_by_nmap} "
          f"ports; mamori named a product on {named_too} of those.")
PY
cat "$T/table.md"
[ -n "$OUT" ] && cp "$T/table.md" "$OUT"

# ---- assertions
fail=0
ident=$(python3 -c "import json; print(json.load(open('$T/m.sum'))['identified'])")
silent=$(python3 -c "import json; print(json.load(open('$T/m.sum'))['silent'])")
[ "$ident" -ge $((N - 2)) ] || { echo "FAIL: only $ident of $N identified"; fail=1; }
[ "$silent" -eq 1 ] || { echo "FAIL: want exactly the one silent port, got $silent"; fail=1; }
awk -v t="$MT" 'BEGIN { exit !(t < 6) }' || { echo "FAIL: identify took ${MT}s (want < 6 s)"; fail=1; }
if [ -n "$NT" ]; then
	awk -v a="$NT" -v b="$MT" 'BEGIN { exit !(a / b >= 50) }' || { echo "FAIL: less than 50x faster than nmap -sV"; fail=1; }
fi
[ $fail = 0 ] && echo "bench identify: ok"
exit $fail
