# smtp_sink.sh - start tests/support/smtp_sink.py on loopback (source this file).
# smtp_sink_start --maildir DIR | --log FILE   sets SPID (kill it in the test's trap) and
# SMTP (smtp://127.0.0.1:PORT); fails if the receiver does not come up within 5 s.
smtp_sink_start() {
	local pf
	pf=$(mktemp)
	rm -f "$pf"
	python3 "$(dirname "${BASH_SOURCE[0]}")/smtp_sink.py" "$@" "$pf" &
	SPID=$!
	for _ in $(seq 50); do [ -s "$pf" ] && break; sleep 0.1; done
	[ -s "$pf" ] || { echo "smtp_sink: no port after 5 s" >&2; return 1; }
	SMTP="smtp://127.0.0.1:$(cat "$pf")"
	rm -f "$pf"
}
