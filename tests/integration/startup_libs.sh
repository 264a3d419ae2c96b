#!/usr/bin/env bash
# startup_libs.sh - the heavy libraries are opened on first use (src/base/lazy.h): the binary
# does not link them, a plain command does not load them, a command that needs one loads it.
set -uo pipefail

M=${MAMORI:?set MAMORI to the mamori binary}
: "${MAMORI_DATA_DIR:?set MAMORI_DATA_DIR}"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
no() { fail=$((fail + 1)); echo "FAIL - $1"; }
LAZY='lib(cairo|pango|pangocairo|gobject|glib|curl|xml2|ldns|archive|microhttpd|gnutls|hs|pq|stdc\+\+)[-.]'

readelf -d "$M" | grep NEEDED >"$T/needed"
if [ -s "$T/needed" ] && ! grep -qE "$LAZY" "$T/needed"; then
	ok "no lazily opened library among the binary's NEEDED entries"
else
	no "NEEDED: $(tr '\n' ' ' <"$T/needed")"
fi

# LD_DEBUG=files names every object the loader opens, at start-up and through dlopen().
LD_DEBUG=files "$M" --version >/dev/null 2>"$T/version.log"
if grep -q 'file=libsqlite3' "$T/version.log" && ! grep -qE "file=$LAZY" "$T/version.log"; then
	ok "mamori --version loads none of them"
else
	no "mamori --version loaded: $(grep -oE "file=$LAZY" "$T/version.log" | sort -u | tr '\n' ' ')"
fi

# The Recog self-test parses XML: libxml2 is opened then (and it works: exit 0).
if LD_DEBUG=files "$M" fingerprint selftest >/dev/null 2>"$T/selftest.log" &&
	grep -q 'file=libxml2\.so\.2' "$T/selftest.log" && ! grep -qE 'file=libcairo' "$T/selftest.log"; then
	ok "fingerprint selftest opens libxml2 (and not cairo) and passes"
else
	no "fingerprint selftest: $(grep -oE "file=$LAZY" "$T/selftest.log" | sort -u | tr '\n' ' ')"
fi

# Matching SNS posts compiles Hyperscan databases: libhs is opened then (src/sns/hs_lazy.h).
export MAMORI_DB=$T/m.db
"$M" init >/dev/null
echo '{"platform":"x","post_id":"1","created_at":"2024-07-18T08:00:00Z","text":"t"}' >"$T/p.jsonl"
if LD_DEBUG=files "$M" sns scan "$T/p.jsonl" >/dev/null 2>"$T/sns.log" &&
	grep -q 'file=libhs\.so' "$T/sns.log"; then
	ok "sns scan opens libhs and passes"
else
	no "sns scan: $(grep -oE "file=$LAZY" "$T/sns.log" | sort -u | tr '\n' ' ')"
fi

# An SQLite store never loads libpq; a postgres:// one opens it (src/store/pq_lazy.h): port 1
# on loopback refuses the connection, after libpq was loaded to try.
if LD_DEBUG=files "$M" init >/dev/null 2>"$T/init.log" && ! grep -q 'file=libpq' "$T/init.log"; then
	ok "init on SQLite does not load libpq"
else
	no "init on SQLite: $(grep -oE "file=$LAZY" "$T/init.log" | sort -u | tr '\n' ' ')"
fi
LD_DEBUG=files "$M" --db postgres://u@127.0.0.1:1/x init >/dev/null 2>"$T/pq.log"
if grep -q 'file=libpq\.so\.5' "$T/pq.log" && grep -q 'cannot connect to PostgreSQL' "$T/pq.log"; then
	ok "init on postgres:// opens libpq"
else
	no "init on postgres://: $(grep -oE "file=$LAZY" "$T/pq.log" | sort -u | tr '\n' ' ')"
fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
