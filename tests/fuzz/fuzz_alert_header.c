/* fuzz_alert_header.c - operator-entered webhook URLs and header texts (titles, addresses)
 * through the alert checks and the message builder: nothing accepted may carry CR/LF into
 * the message's header section. */
#include "base/compat.h"

#include <string.h>

#include "alert/alert.h"
#include "base/buf.h"
#include "base/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct merr e;
	struct buf b;
	char *s;

	if (size > 4096)
		return 0;
	s = m_malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	merr_init(&e);
	if (alert_webhook_url_check(s, &e) == 0 && (strchr(s, '\r') || strchr(s, '\n')))
		__builtin_trap();
	buf_init(&b, 1 << 20);
	if (alert_mail_build(&b, "m@a.test", alert_addr_ok(s) ? s : "c@b.test", s, s, 0, "id",
			     &e) == 0) {
		const char *end = strstr(buf_str(&b), "\r\n\r\n");
		if (!end)
			__builtin_trap();
		for (const char *p = buf_str(&b); p < end; p++)
			if ((*p == '\n' && (p == buf_str(&b) || p[-1] != '\r')) ||
			    (*p == '\r' && p[1] != '\n'))
				__builtin_trap(); /* a bare CR or LF in the header section */
		/* every header line is "Name: value" or a folded continuation */
		for (const char *p = strstr(buf_str(&b), "\r\n"); p && p < end;
		     p = strstr(p + 2, "\r\n"))
			if (p + 2 < end && p[2] != ' ' && !strchr(p + 2, ':'))
				__builtin_trap();
	}
	buf_release(&b);
	m_free(s);
	return 0;
}
