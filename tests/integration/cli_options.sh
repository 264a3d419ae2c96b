#!/usr/bin/env bash
# The option tables (src/cli/options.c) through the binary: malformed numbers, values out of
# range, unknown options and missing arguments are usage errors (exit 2) whose message names
# the option; good values still run; the usage text is generated from the same rows.
set -u
M=${MAMORI:?MAMORI must name the built binary}
. "$(dirname "$0")/../support/check.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export MAMORI_DB="$T/m.db"
"$M" init >/dev/null 2>&1 || no "init"

# refused NAME OPTION_NAMED_IN_MESSAGE ARGS...: exit 2, the option named on stderr, and no
# store work done (nothing on stdout).
refused() {
	local name=$1 opt=$2
	shift 2
	"$M" "$@" >"$T/out" 2>"$T/err"
	local rc=$?
	check "$name: exit 2 (got $rc)" "[ $rc -eq 2 ]"
	check "$name: message names $opt" "grep -qF -- '$opt' '$T/err'"
	check "$name: nothing on stdout" "[ ! -s '$T/out' ]"
}

# malformed numbers
refused "feeds import --batch abc" "--batch" feeds import --batch abc
refused "feeds import --batch 12x" "--batch" feeds import --batch 12x
refused "feeds import --batch=" "--batch" feeds import --batch=
refused "feeds sync --timeout 1e3" "--timeout" feeds sync --timeout 1e3 --dest "$T/f"
refused "asm run --rate fast" "--rate" asm run --rate fast
refused "asm run --rate nan" "--rate" asm run --rate nan
refused "scan --rate 10pps" "--rate" scan x --rate 10pps
refused "scan --max-targets 99999999999999999999" "--max-targets" scan x --max-targets 99999999999999999999
refused "serve --threads two" "--threads" serve --threads two
# out of range
refused "feeds import --batch 0" "--batch" feeds import --batch 0
refused "feeds sync --retries 11" "--retries" feeds sync --retries 11 --dest "$T/f"
refused "feeds sync --nvd-year 1999" "--nvd-year" feeds sync --nvd-year 1999 --dest "$T/f"
refused "feeds sync --max-pages 0" "--max-pages" feeds sync --max-pages 0 --dest "$T/f"
refused "asm run --rate 0" "--rate" asm run --rate 0
refused "scan --retries -1" "--retries" scan x --retries -1
refused "scan --timeout 0" "--timeout" scan x --timeout 0
refused "scan list --limit -5" "--limit" scan list --limit -5
refused "serve --threads 65" "--threads" serve --threads 65
refused "serve --body-max 10" "--body-max" serve --body-max 10
# unknown options, missing arguments, flags given a value
refused "feeds import --bogus" "--bogus" feeds import --bogus
refused "feeds status --jsn" "--jsn" feeds status --jsn
refused "scan -z" "-z" scan x -z
refused "serve --no-such" "--no-such" serve --no-such
refused "feeds import --batch (no value)" "--batch" feeds import --batch
refused "feeds import --resume=yes" "--resume" feeds import --resume=yes
refused "scan --re (ambiguous)" "--re" scan x --re 1

# the message is the table's: option, value, range
"$M" feeds import --batch 0 2>"$T/err"
check "range named in the message" "grep -q '1-1000000' '$T/err'"

# good values still parse (the command then runs: an empty feeds folder, a routes list)
mkdir -p "$T/empty"
"$M" feeds import --batch 10 --from "$T/empty" --json >"$T/out" 2>"$T/err"
check "feeds import --batch 10 --from EMPTY runs (exit 0)" "[ $? -eq 0 ]"
check "its JSON reports ok" "grep -q '\"ok\"' '$T/out'"
"$M" serve --list-routes --threads 4 >"$T/out" 2>&1
check "serve --list-routes --threads 4 (exit 0)" "[ $? -eq 0 ] && grep -q '^GET /login' '$T/out'"
"$M" scan list --limit=3 --json >"$T/out" 2>&1
check "scan list --limit=3 --json (exit 0, JSON)" "[ $? -eq 0 ] && grep -q '^\[' '$T/out'"
"$M" feeds status --js >"$T/out" 2>&1
check "a unique prefix is accepted (--js)" "[ $? -eq 0 ]"

# the usage text is generated from the rows
"$M" feeds --help >"$T/out" 2>&1
check "feeds --help: generated synopsis" "grep -q '^usage: mamori feeds import \[--from DIR\] \[--resume\] \[--batch N\]' '$T/out'"
check "feeds --help: option lines with the range" "grep -q -- '--batch N .*\[1-1000000\]' '$T/out'"
"$M" serve --help >"$T/out" 2>&1
check "serve --help: every row listed" "grep -q -- '--scan-max-runtime S' '$T/out' && grep -q -- '--dashboard-cache S' '$T/out'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
