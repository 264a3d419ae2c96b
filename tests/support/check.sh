# check.sh - the pass/fail counters and checks the integration scripts share. Source it:
#   . "$(dirname "$0")/../support/check.sh"
# then `check NAME CONDITION` (CONDITION is eval'd), or ok/no NAME directly; print
# "$pass passed, $fail failed" at the end.
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
no() { fail=$((fail + 1)); echo "FAIL - $1"; }
# A condition like "producer | grep -q X" must not fail because grep found X and left before the
# producer wrote its last bytes (SIGPIPE under pipefail): conditions run without pipefail.
check() {
	local r
	set +o pipefail
	eval "$2"
	r=$?
	set -o pipefail
	if [ $r -eq 0 ]; then ok "$1"; else no "$1"; fi
}
