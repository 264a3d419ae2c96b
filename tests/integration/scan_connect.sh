#!/usr/bin/env bash
# scan_connect.sh - `mamori scan` in connect mode, unprivileged, against python listeners on
# 127.x addresses in the default namespace: finds exactly the open ports, refuses anything outside
# loopback/scope (the listener on an excluded address sees no connection), --max-targets, dry
# run, --max-runtime + --resume equals a full scan, SIGINT flushes and exits, list/show/JSON.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
T=$(mktemp -d)
export MAMORI_DB=$T/m.db
. "$(dirname "$0")/../support/check.sh"
PIDS=()
cleanup() {
	for p in "${PIDS[@]+"${PIDS[@]}"}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

# mamori's --json output of list/show is pretty-printed: squeeze it to match compactly.
js() { "$M" "$@" | tr -d ' \t\n'; }
count() { grep -o -- "$1" | wc -l; }

# A /16 of our own for this run (shared machine: other tests use other 127.x ranges).
B=127.$((100 + RANDOM % 100))
P1=$((20000 + RANDOM % 20000))
P2=$((P1 + 1))
P3=$((P1 + 2))

# Listeners that count accepted connections per address (written to $T/acc.<addr>).
cat >"$T/listen.py" <<'EOF'
import socket, sys, time, select
out = sys.argv[1]
socks = {}
for spec in sys.argv[2:]:
    a, p = spec.rsplit(":", 1)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a, int(p)))
    s.listen(512)
    socks[s] = spec
counts = {spec: 0 for spec in socks.values()}
open(out + ".ready", "w").close()
end = time.time() + 300
while time.time() < end:
    r, _, _ = select.select(list(socks), [], [], 0.2)
    for s in r:
        c, _ = s.accept()
        c.close()
        counts[socks[s]] += 1
    with open(out + ".tmp", "w") as f:
        for k, v in counts.items():
            f.write("%s %d\n" % (k, v))
    import os
    os.replace(out + ".tmp", out)
EOF
python3 "$T/listen.py" "$T/acc" "$B.1.1:$P1" "$B.1.2:$P2" "$B.2.1:$P1" "$B.2.5:$P1" "$B.3.1:$P1" &
PIDS+=($!)
for _ in $(seq 50); do [ -e "$T/acc.ready" ] && break; sleep 0.1; done
accepts() { awk -v k="$1" '$1 == k { print $2 }' "$T/acc" 2>/dev/null || echo 0; }

"$M" init >/dev/null || { echo "init failed"; exit 1; }

# 1. a plain scan finds exactly the two listeners
"$M" scan --targets "$B.1.0/28" --ports "$P1,$P2,$P3" --out "$T/r1.jsonl" --json >"$T/s1.json" 2>"$T/e1"
rc=$?
check "scan exits 0" "[ $rc -eq 0 ]"
check "two open ports found" "[ \$(grep -c '\"state\":\"open\"' $T/r1.jsonl) -eq 2 ]"
check "the right ones" "grep -q '\"ip\":\"$B.1.1\",\"port\":$P1,.*open' $T/r1.jsonl && grep -q '\"ip\":\"$B.1.2\",\"port\":$P2,.*open' $T/r1.jsonl"
check "every other target closed (46)" "[ \$(grep -c '\"state\":\"closed\"' $T/r1.jsonl) -eq 46 ]"
check "summary JSON counts" "grep -q '\"sent\":48' $T/s1.json && grep -q '\"open\":2' $T/s1.json && grep -q '\"state\":\"done\"' $T/s1.json"
check "JSON lines carry all fields" "head -1 $T/r1.jsonl | grep -q '\"org\":null,\"ip\":.*\"port\":.*\"proto\":\"tcp\",\"state\":.*\"ttl\":.*\"rtt_ms\":.*\"time\":\"20'"
check "scan list shows it done" "js scan list --json | grep -q '\"state\":\"done\"'"
check "scan show lists results from the store" "[ \$(js scan show 1 --json | count '\"state\":\"open\"') -eq 2 ]"

# 2. development targets are loopback only: refused, nothing sent, no scan row
before=$(js scan list --json | count '"id"')
"$M" scan --targets "192.0.2.1/32" --ports 80 >/dev/null 2>"$T/e2"
rc=$?
check "non-loopback --targets refused (exit 5)" "[ $rc -eq 5 ]"
"$M" scan --targets "$B.1.0/30,10.0.0.1" --ports 80 >/dev/null 2>&1
check "a mixed list is refused whole" "[ $? -eq 5 ]"
check "no scan row was created" "[ \$(js scan list --json | count '\"id\"') -eq $before ]"

# 3. max targets needs --yes
"$M" scan --targets "$B.0.0/16" --ports "$P1,$P2" >/dev/null 2>"$T/e3"
check "131072 targets refused without --yes (exit 15)" "[ $? -eq 15 ]"
check "the message says why" "grep -q -- '--yes' $T/e3"

# 4. organisation scope from the inventory: exclusion and expired authorisation
cat >"$T/inv.yaml" <<EOF
version: 1
exclusions:
  - cidr: $B.2.5/32
    reason: 他機関の機器 / another agency's device
    added_by: test
organisations:
  - id: scan-test
    name: { ja: スキャン試験株式会社, en: "Scan Test Co." }
    sector: railways
    business_type: railway
    size: small
    critical: false
    contacts:
      - { name: 試験 太郎, email: csirt@scan-test.test, role: CSIRT }
    scope:
      - cidr: $B.2.0/29
        authorised_by: 試験 太郎
        from: 2026-01-01
        until: 2027-12-31
      - cidr: $B.3.0/29
        authorised_by: 試験 太郎
        from: 2026-01-01
        until: 2026-06-30
EOF
MAMORI_NOW=2026-03-01T00:00:00Z "$M" inventory import "$T/inv.yaml" >/dev/null 2>"$T/e4"
check "inventory imported" "[ $? -eq 0 ]"
export MAMORI_NOW=2026-11-23T00:00:00Z
"$M" scan scan-test --ports "$P1" --dry-run >"$T/dry" 2>&1
check "dry run lists 7 targets (8 minus the exclusion)" "grep -q 'would probe: 7 targets' $T/dry"
check "dry run names the excluded address with its reason" "grep -q 'refused $B.2.5: .*' $T/dry"
check "dry run names the expired range" "grep -q \"refused $B.3.0-$B.3.7: .*\" $T/dry"
"$M" scan scan-test --ports "$P1" --out "$T/r4.jsonl" >/dev/null 2>"$T/e4b"
check "org scan exits 0" "[ $? -eq 0 ]"
check "org scan finds $B.2.1" "grep -q '\"org\":\"scan-test\",\"ip\":\"$B.2.1\",\"port\":$P1,.*open' $T/r4.jsonl"
check "refusals reported on stderr" "grep -q 'refused $B.2.5' $T/e4b"
sleep 0.5
check "excluded listener got zero connections" "[ \"\$(accepts $B.2.5:$P1)\" = 0 ]"
check "expired-scope listener got zero connections" "[ \"\$(accepts $B.3.1:$P1)\" = 0 ]"
check "allowed listener was reached" "[ \"\$(accepts $B.2.1:$P1)\" -ge 1 ]"
"$M" scan scan-test --targets "$B.2.0/30,$B.2.5,$B.9.9" --ports "$P1" --out "$T/r5.jsonl" >/dev/null 2>"$T/e5"
check "requested targets outside scope refused with reasons" "grep -q 'refused $B.2.5' $T/e5 && grep -q 'refused $B.9.9' $T/e5"
check "only the allowed part scanned" "[ \$(wc -l <$T/r5.jsonl) -eq 4 ]"
"$M" scan --all --ports "$P1" --out "$T/r6.jsonl" >/dev/null 2>&1
check "--all scans every org's scope, org per result" "grep -q '\"org\":\"scan-test\",\"ip\":\"$B.2.1\"' $T/r6.jsonl"
unset MAMORI_NOW

# 5. max runtime + resume: the union equals a full scan
"$M" scan --targets "$B.1.0/26" --ports "$P1,$P2" --key 000102030405060708090a0b0c0d0e0f \
	--out "$T/full.jsonl" >/dev/null 2>&1
"$M" scan --targets "$B.1.0/26" --ports "$P1,$P2" --rate 100 --max-runtime 0.3 \
	--out "$T/part.jsonl" --json >"$T/s5.json" 2>/dev/null
rc=$?
id=$(sed -n 's/.*"scan_id":\([0-9]*\).*/\1/p' "$T/s5.json")
check "max runtime stops early (exit 130, interrupted)" "[ $rc -eq 130 ] && grep -q '\"state\":\"interrupted\"' $T/s5.json"
"$M" scan --resume "$id" --out "$T/part.jsonl" --json >"$T/s6.json" 2>/dev/null
check "resume completes" "[ $? -eq 0 ] && grep -q '\"state\":\"done\"' $T/s6.json"
cut -d, -f2-5 "$T/full.jsonl" | sort >"$T/a"
cut -d, -f2-5 "$T/part.jsonl" | sort >"$T/b"
check "interrupted + resumed == full scan (128 results)" "cmp -s $T/a $T/b && [ \$(wc -l <$T/a) -eq 128 ]"
check "store has 128 results for the resumed scan" "[ \$(js scan show $id --json | count '\"proto\"') -eq 128 ]"
"$M" scan --resume "$id" >/dev/null 2>&1
check "a done scan does not resume" "[ $? -ne 0 ]"

# 6. SIGINT: stops quickly, flushes, marks interrupted
"$M" scan --targets "$B.0.0/20" --ports "$P1" --rate 2000 --out "$T/int.jsonl" --json >"$T/s7.json" 2>/dev/null &
sp=$!
sleep 0.6
t0=$(date +%s.%N)
kill -INT $sp
wait $sp
rc=$?
t1=$(date +%s.%N)
check "SIGINT exits 130" "[ $rc -eq 130 ]"
check "within 3 s (cooldown bounded)" "awk -v a=$t0 -v b=$t1 'BEGIN{exit !(b-a < 3)}'"
id=$(sed -n 's/.*"scan_id":\([0-9]*\).*/\1/p' "$T/s7.json")
n_lines=$(wc -l <"$T/int.jsonl")
check "results flushed to file and store alike ($n_lines)" "[ $n_lines -gt 0 ] && [ \$(js scan show $id --json | count '\"proto\"') -eq $n_lines ]"
check "scan marked interrupted with a checkpoint" "js scan show $id --json | grep -q '\"state\":\"interrupted\",.*\"checkpoint\":[1-9]'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
