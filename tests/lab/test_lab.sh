#!/usr/bin/env bash
# End-to-end test of tests/lab/lab: bring a lab up in a private namespace, talk to every daemon
# with its real protocol from inside the namespace, tear it down, check nothing is left.
# Exit 0 when every check passes, 1 otherwise, 77 (ctest "skipped") when not root.
# Last line of output: "N passed, M failed".
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB=$HERE/lab
NS=mlt$$
NS=${NS:0:15}
DIR=$(mktemp -d /tmp/mamori-labtest.XXXXXX)

if [ "$(id -u)" -ne 0 ]; then
	echo "test_lab: needs root (network namespaces); skipped"
	exit 77
fi

pass=0
fail=0
ok() {
	pass=$((pass + 1))
	echo "PASS: $1"
}
bad() {
	fail=$((fail + 1))
	echo "FAIL: $1${2:+ — $2}"
}
check() { # check NAME CMD... : pass when CMD succeeds
	local name=$1
	shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
quiet() { "$@" >/dev/null 2>&1; }
in_ns() { timeout 15 ip netns exec "$NS" "$@"; }

cleanup() { "$LAB" down --ns "$NS" --dir "$DIR" >/dev/null 2>&1 || true; rm -rf "$DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# Read the first line a TCP server sends (bounded).
banner() { in_ns timeout 5 bash -c "exec 3<>/dev/tcp/$1/$2 && head -n 1 <&3" 2>/dev/null | tr -d '\r'; }

# Connect outcome from inside the namespace: open / refused / timeout, and for "silent" whether
# any byte arrives within N seconds.
probe_py='
import socket, sys
addr, port, wait = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(); s.settimeout(wait)
try:
    s.connect((addr, port))
except socket.timeout:
    print("timeout"); sys.exit()
except ConnectionRefusedError:
    print("refused"); sys.exit()
try:
    data = s.recv(1)
    print("closed" if data == b"" else "spoke")
except socket.timeout:
    print("silent")
'
probe() { in_ns python3 -c "$probe_py" "$@" 2>&1; }

# ------------------------------------------------------------------ up
t0=$(date +%s.%N)
if ! "$LAB" up --ns "$NS" --dir "$DIR" --bench; then
	bad "lab up" "see messages above"
	echo "$pass passed, $fail failed"
	exit 1
fi
t1=$(date +%s.%N)
ok "lab up ($(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s)"

# shellcheck source=/dev/null
. "$DIR/lab.env"
check "lab.env names the namespace" [ "$LAB_NS" = "$NS" ]
check "lab env prints lab.env" cmp -s <("$LAB" env --ns "$NS") "$DIR/lab.env"
check "status: all daemons alive" quiet "$LAB" status --ns "$NS"
check "namespace exists" test -e "/run/netns/$NS"
check "lo MAC 02:00:00:00:00:02" bash -c "ip netns exec $NS cat /sys/class/net/lo/address | grep -qx 02:00:00:00:00:02"
check "route_localnet/accept_local set" bash -c \
	"[ \"\$(ip netns exec $NS sysctl -n net.ipv4.conf.lo.route_localnet net.ipv4.conf.all.route_localnet net.ipv4.conf.lo.accept_local net.ipv4.conf.all.accept_local | tr -d '\n')\" = 1111 ]"

# ------------------------------------------------------------------ HTTP / HTTPS (nginx)
code=$(in_ns curl -sS -o "$DIR/index.html" -w '%{http_code}' --max-time 5 \
	--resolve www.kanto-rail.test:80:"$LAB_HTTP" http://www.kanto-rail.test/)
if [ "$code" = 200 ] && grep -q 'Kanto Rail' "$DIR/index.html"; then ok "nginx HTTP 200"; else bad "nginx HTTP 200" "got '$code'"; fi
code=$(in_ns curl -sS -k -o /dev/null -w '%{http_code}' --max-time 5 \
	--resolve www.kanto-rail.test:443:"$LAB_HTTPS" https://www.kanto-rail.test/)
check "nginx HTTPS 200" [ "$code" = 200 ]
cert=$(in_ns bash -c "openssl s_client -connect $LAB_HTTPS:443 -servername www.kanto-rail.test </dev/null 2>/dev/null | openssl x509 2>/dev/null")
check "HTTPS cert names www.kanto-rail.test" bash -c "openssl x509 -noout -ext subjectAltName <<<\"\$1\" | grep -q 'DNS:www.kanto-rail.test'" _ "$cert"
check "HTTPS cert is currently valid" bash -c "openssl x509 -noout -checkend 0 <<<\"\$1\" >/dev/null" _ "$cert"
out=$(in_ns bash -c "openssl s_client -connect $LAB_HTTPS_EXPIRED:443 -servername www.haneda-air.test </dev/null 2>&1")
check "expired HTTPS: verify code 10 (certificate has expired)" grep -q 'Verify return code: 10 (certificate has expired)' <<<"$out"
exp=$(in_ns bash -c "openssl s_client -connect $LAB_HTTPS_EXPIRED:443 </dev/null 2>/dev/null | openssl x509 2>/dev/null")
check "expired HTTPS: notAfter in the past" bash -c "! openssl x509 -noout -checkend 0 <<<\"\$1\" >/dev/null" _ "$exp"

# ------------------------------------------------------------------ SSH / SMTP / FTP banners
b=$(banner "$LAB_SSH" 22)
check "sshd banner SSH-2.0-OpenSSH_ ($b)" bash -c "[[ \"\$1\" == SSH-2.0-OpenSSH_* ]]" _ "$b"
b=$(banner "$LAB_SMTP" 25)
check "postfix SMTP 220 ($b)" bash -c "[[ \"\$1\" == '220 mail.kanto-rail.test ESMTP'* ]]" _ "$b"
out=$(in_ns bash -c "openssl s_client -starttls smtp -connect $LAB_SMTP:25 </dev/null 2>/dev/null | openssl x509 -noout -subject 2>/dev/null")
check "postfix STARTTLS certificate" grep -q 'mail.kanto-rail.test' <<<"$out"
# Mail to a sample operator's .test contact lands in its Maildir under the lab dir; any other
# domain is refused (no relay).
smtp_send() { # RCPT: prints "ok" or the refusal
	in_ns python3 -c 'import smtplib, sys
try:
    s = smtplib.SMTP(sys.argv[1], 25, timeout=10)
    s.sendmail("lab@mamori.test", [sys.argv[2]], "Subject: lab test\r\n\r\nhello\r\n")
    s.quit()
    print("ok")
except smtplib.SMTPException as e:
    print("refused", e)' "$LAB_SMTP" "$1" 2>&1
}
r=$(smtp_send csirt@kanto-rail.test)
check "SMTP accepts mail for csirt@kanto-rail.test ($r)" [ "$r" = ok ]
md=$DIR/mail/kanto-rail.test/csirt/new
for _ in $(seq 1 50); do [ -n "$(ls -A "$md" 2>/dev/null)" ] && break; sleep 0.2; done
check "  ... delivered to the Maildir $md" bash -c "grep -qs 'Subject: lab test' '$md'/*"
r=$(smtp_send soc@tohoku-freight.test)
check "SMTP accepts mail for another operator's domain ($r)" [ "$r" = ok ]
r=$(smtp_send someone@example.com)
check "SMTP refuses a domain outside .test (no relay)" bash -c "[[ \"\$1\" == refused* ]]" _ "$r"
b=$(banner "$LAB_FTP" 21)
check "vsftpd FTP 220 ($b)" bash -c "[[ \"\$1\" == 220* ]]" _ "$b"

# ------------------------------------------------------------------ DNS (named)
dig_ns() { in_ns dig +short +time=2 +tries=2 @"$LAB_DNS" "$@" 2>/dev/null; }
check "dig www.kanto-rail.test A = $LAB_HTTP" [ "$(dig_ns www.kanto-rail.test A)" = "$LAB_HTTP" ]
check "dig over TCP" [ "$(dig_ns +tcp mail.kanto-rail.test A)" = "$LAB_SMTP" ]
check "kanto-rail.test MX" grep -q 'mail.kanto-rail.test' <<<"$(dig_ns kanto-rail.test MX)"
check "kanto-rail.test SPF" grep -q 'v=spf1 ip4:127.0.10.4 -all' <<<"$(dig_ns kanto-rail.test TXT)"
check "_dmarc.kanto-rail.test p=reject" grep -q 'v=DMARC1; p=reject' <<<"$(dig_ns _dmarc.kanto-rail.test TXT)"
check "haneda-air.test AAAA ::1" [ "$(dig_ns haneda-air.test AAAA)" = "::1" ]
check "booking.haneda-air.test CNAME" grep -q 'www.haneda-air.test' <<<"$(dig_ns booking.haneda-air.test CNAME)"
check "osaka-water.test has no SPF" [ -z "$(dig_ns osaka-water.test TXT)" ]
check "osaka-water.test has no DMARC" [ -z "$(dig_ns _dmarc.osaka-water.test TXT)" ]
check "recursion refused" grep -q 'REFUSED' <<<"$(in_ns dig +time=2 +tries=1 @"$LAB_DNS" example.com A 2>&1)"
check "namespace resolver is the lab DNS" bash -c "ip netns exec $NS getent hosts www.kanto-rail.test | grep -q '^$LAB_HTTP '"

# ------------------------------------------------------------------ silent, dropping, bench
r=$(probe "$LAB_SILENT" "$LAB_SILENT_PORT" 2)
check "silent port accepts and stays silent 2 s ($r)" [ "$r" = silent ]
r=$(probe "$LAB_DROP" 80 2)
check "drop host times out ($r)" [ "$r" = timeout ]
r=$(probe 127.0.10.8 80 2)
check "unused address refuses ($r)" [ "$r" = refused ]
r=$(probe 127.0.9.5 443 2)
check "bench drop range 127.0.9.0/25 times out ($r)" [ "$r" = timeout ]
nopen=0
while IFS=: read -r a p; do
	[ "$(probe "$a" "$p" 2)" = closed ] && nopen=$((nopen + 1))
done <"$LAB_BENCH_OPEN"
check "bench: all $(wc -l <"$LAB_BENCH_OPEN") targets accept ($nopen)" [ "$nopen" -eq 7 ]

# ------------------------------------------------------------------ down
mapfile -t pids < <(awk '{ print $2 }' "$DIR/pids")
if "$LAB" down --ns "$NS" --dir "$DIR"; then ok "lab down"; else bad "lab down"; fi
check "namespace gone" bash -c "! ip netns list | grep -qw '$NS'"
alive=()
for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive+=("$p"); done
check "no daemon left (${alive[*]:-none})" [ ${#alive[@]} -eq 0 ]
# (bracket the first character so that the pattern does not match this check's own command line)
check "no process mentions the state dir" bash -c "! pgrep -f '[${DIR:0:1}]${DIR:1}' >/dev/null"
check "state dir removed" test ! -e "$DIR"
check "/etc/netns/$NS removed" test ! -e "/etc/netns/$NS"
check "down again is a no-op (exit 0)" "$LAB" down --ns "$NS" --dir "$DIR"
check "status of a lab that is down says so" bash -c "'$LAB' status --ns '$NS' | grep -q 'not up'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
