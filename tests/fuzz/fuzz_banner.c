/* fuzz_banner.c - every banner parser (SSH, FTP/SMTP/POP3/IMAP greetings, EHLO,
 * Telnet, MySQL) over the same untrusted bytes. */
#include "base/compat.h"

#include "fingerprint/banner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum fp_greeting_proto protos[] = {FP_GREET_FTP, FP_GREET_SMTP, FP_GREET_POP3,
							FP_GREET_IMAP};
	const char *p = (const char *)data;
	struct fp_banner b;
	struct fp_ehlo e;
	struct fp_mysql m;
	unsigned char reply[64];
	size_t rlen;

	if (fp_ssh_ident(p, size, &b) == FP_DONE &&
	    (b.consumed > size || b.text_len >= sizeof(b.text)))
		abort();
	for (size_t i = 0; i < ARRAY_SIZE(protos); i++)
		if (fp_greeting(protos[i], p, size, &b) == FP_DONE && b.consumed > size)
			abort();
	if (fp_smtp_ehlo(p, size, &e) == FP_DONE && e.consumed > size)
		abort();
	fp_telnet_strip(p, size, &b, reply, sizeof(reply), &rlen);
	if (rlen > sizeof(reply) || b.text_len >= sizeof(b.text))
		abort();
	if (fp_mysql_greeting(data, size, &m) == FP_DONE && m.consumed > size)
		abort();
	return 0;
}
