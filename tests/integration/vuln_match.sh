#!/bin/bash
# vuln_match.sh - the must-show matching cases on the real shared data:
# `mamori feeds import` into a fresh store, then `mamori vuln match --json` on
# versions either side of each boundary, and `mamori vuln show CVE-2014-0160`.
set -u
: "${MAMORI:?}" "${MAMORI_DATA_DIR:?}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db="$tmp/m.db"
pass=0
fail=0

# The feeds the matcher reads (the JVN samples include deliberately malformed files).
d=$MAMORI_DATA_DIR
"$MAMORI" --db "$db" -q init
if ! "$MAMORI" --db "$db" -q feeds import "$d"/nvd/*.json.* "$d"/cve5/*.jsonl.xz \
	"$d"/kev/known_exploited_vulnerabilities.json "$d"/epss/*.csv.xz >"$tmp/import.out" 2>&1; then
	echo "FAIL: feeds import"
	tail -20 "$tmp/import.out"
	echo "0 passed, 1 failed"
	exit 1
fi

# state CVE ARGS...: the state `vuln match --all` gives CVE, or "absent"
state() {
	local cve=$1
	shift
	"$MAMORI" --db "$db" vuln match --all --json "$@" 2>"$tmp/err" | python3 -c '
import json, sys
cve = sys.argv[1]
try:
    d = json.load(sys.stdin)
except ValueError:
    print("error"); sys.exit()
print(next((r["state"] for r in d["results"] if r["cve"] == cve), "absent"))' "$cve"
}

# check WANT CVE ARGS...
check() {
	local want=$1 cve=$2 got
	shift 2
	got=$(state "$cve" "$@")
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $cve $*: got $got, want $want"
		cat "$tmp/err"
	fi
}

# Heartbleed: 1.0.1 <= v < 1.0.1g, letters in versions
check affected CVE-2014-0160 --product openssl:openssl --version 1.0.1f
check affected CVE-2014-0160 --product openssl:openssl --version 1.0.1
check not-affected CVE-2014-0160 --product openssl:openssl --version 1.0.1g
check not-affected CVE-2014-0160 --product openssl:openssl --version 1.0.0
check product-only CVE-2014-0160 --product openssl:openssl
# the same CVE's firmware AND hardware configuration
check affected-if-platform CVE-2014-0160 --product siemens:cp_1543-1_firmware --version 1.1
check affected CVE-2014-0160 --product siemens:cp_1543-1_firmware --version 1.1 \
	--platform 'cpe:2.3:h:siemens:cp_1543-1:-:*:*:*:*:*:*:*'
# OpenSSH enumeration 6.8 .. 7.3; banner versions carry the portable suffix
check affected CVE-2016-8858 --product openbsd:openssh --version 7.2p1
check affected CVE-2016-8858 --product openbsd:openssh --version 6.8p1
check not-affected CVE-2016-8858 --product openbsd:openssh --version 6.7p1
check not-affected CVE-2016-8858 --product openbsd:openssh --version 7.4p1
check probable-backport CVE-2016-8858 --product openbsd:openssh --version 7.2p2 \
	--banner 'SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.10'
# Apache on Windows x86 only (AND + vulnerable:false; NVD version '-')
check product-only CVE-1999-0289 --product apache:http_server --version 1.3.0
check product-only CVE-1999-0289 --product apache:http_server --version 1.3.0 \
	--platform 'cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:x86:*'
check not-affected CVE-1999-0289 --product apache:http_server --version 1.3.0 \
	--platform 'cpe:2.3:o:canonical:ubuntu_linux:22.04:*:*:*:*:*:*:*'
# BIND range with a fixed update (isc:bind:*:p3 <= 9.9.9) and enumerated updates
check affected CVE-2016-2776 --product isc:bind --version 9.9.9-P3
check not-affected CVE-2016-2776 --product isc:bind --version 9.9.9-P4
check affected CVE-2016-2776 --product isc:bind --version 9.10.4-P3
check not-affected CVE-2016-2776 --product isc:bind --version 9.10.4-P4
check affected CVE-2016-2776 --product isc:bind --version 9.11.0rc1
# OpenSSH update p1 (openssh:3.6.1:p1) and < 3.6.1
check affected CVE-2003-0190 --product openbsd:openssh --version 3.6.1p1
check affected CVE-2003-0190 'cpe:2.3:a:openbsd:openssh:3.6.1:p1:*:*:*:*:*:*'
check not-affected CVE-2003-0190 --product openbsd:openssh --version 3.6.1p2
check affected CVE-2003-0190 --product openbsd:openssh --version 3.5p1
# PAN-OS range <= 4.0.8 plus inline hotfixes
check affected CVE-2013-5663 --product paloaltonetworks:pan-os --version 4.0.8
check not-affected CVE-2013-5663 --product paloaltonetworks:pan-os --version 4.0.9
check affected CVE-2013-5663 --product paloaltonetworks:pan-os --version 4.1.8-h3
check not-affected CVE-2013-5663 --product paloaltonetworks:pan-os --version 4.1.11
# escaped Cisco IOS versions, in an AND with OpenSSL-based products
check affected-if-platform CVE-2004-0079 --product cisco:ios --version '12.2(14)SY'
check affected-if-platform CVE-2004-0079 'cpe:2.3:o:cisco:ios:12.2\(14\)sy1:*:*:*:*:*:*:*'
check not-affected CVE-2004-0079 --product cisco:ios --version '12.2(14)SY2'
# CVE 5 only (no NVD record): PAN-OS hotfix bounds, FortiOS per-branch CNA ranges
check affected CVE-2024-3400 --product paloaltonetworks:pan-os --version 10.2.9
check not-affected CVE-2024-3400 --product paloaltonetworks:pan-os --version 10.2.9-h1
check affected CVE-2024-3400 --product paloaltonetworks:pan-os --version 11.1.2-h2
check not-affected CVE-2024-3400 --product paloaltonetworks:pan-os --version 11.1.2-h3
check affected CVE-2024-21762 --product fortinet:fortios --version 7.2.6
check not-affected CVE-2024-21762 --product fortinet:fortios --version 7.2.7
check affected CVE-2024-21762 --product fortinet:fortios --version 6.0.17
check not-affected CVE-2024-21762 --product fortinet:fortios --version 6.0.18
# nmap's nginx name, and a hidden version
check affected CVE-2009-2629 --product igor_sysoev:nginx --version 0.6.38
check not-affected CVE-2009-2629 --product igor_sysoev:nginx --version 0.6.39
check product-only CVE-2009-2629 --product nginx:nginx

# KEV first, and the KEV facts on the result
first=$("$MAMORI" --db "$db" vuln match --json --product openssl:openssl --version 1.0.1f |
	python3 -c 'import json,sys; r=json.load(sys.stdin)["results"]
hb=[x for x in r if x["cve"]=="CVE-2014-0160"][0]
print(r[0]["kev"]["in_kev"], hb["kev"]["date_added"], hb["kev"]["due_date"], "epss" in hb)')
if [ "$first" = "True 2022-05-04 2022-05-25 True" ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: KEV join / order: $first"
fi

# vuln show
show=$("$MAMORI" --db "$db" vuln show CVE-2014-0160 --json | python3 -c 'import json,sys; d=json.load(sys.stdin)
print("Heartbleed" in d["description"], d["kev"]["due_date"], len(d["configurations"]) > 10,
      len(d["references"]) > 10, d["cvss"]["v3_score"])')
if [ "$show" = "True 2022-05-25 True True 7.5" ]; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: vuln show CVE-2014-0160: $show"
fi
if "$MAMORI" --db "$db" vuln show CVE-2014-0160 | grep -q '^KEV: 追加/added 2022-05-04'; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: vuln show text"
fi
# errors: an unknown CVE, a bad CPE
if ! "$MAMORI" --db "$db" vuln show CVE-1900-0001 2>/dev/null &&
	! "$MAMORI" --db "$db" vuln match 'cpe:2.3:x:bad' 2>/dev/null; then
	pass=$((pass + 1))
else
	fail=$((fail + 1))
	echo "FAIL: errors must exit non-zero"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
