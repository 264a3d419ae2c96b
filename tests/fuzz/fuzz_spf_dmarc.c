/* fuzz_spf_dmarc.c - libFuzzer target for the SPF and DMARC record parsers: the input is
 * split on newlines into a TXT set and evaluated both ways, and each string parsed alone. */
#include "base/compat.h"

#include "base/err.h"
#include "discover/discover.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *txt[16];
	size_t len[16], n = 0, start = 0;
	struct disc_spf spf;
	struct disc_dmarc dmarc;
	struct merr e;

	for (size_t i = 0; i <= size && n < ARRAY_SIZE(txt); i++) {
		if (i == size || data[i] == '\n') {
			txt[n] = (const char *)data + start;
			len[n++] = i - start;
			start = i + 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		merr_init(&e);
		if (disc_spf_parse(txt[i], len[i], &spf, &e) == M_EPARSE &&
		    (spf.state != DISC_POL_INVALID || e.code != M_EPARSE))
			__builtin_trap();
		merr_init(&e);
		if (disc_dmarc_parse(txt[i], len[i], &dmarc, &e) == M_EPARSE &&
		    (dmarc.state != DISC_POL_INVALID || e.code != M_EPARSE))
			__builtin_trap();
	}
	disc_spf_eval(txt, len, n, &spf);
	disc_dmarc_eval(txt, len, n, &dmarc);
	if (spf.state == DISC_POL_OK && spf.all[0] && spf.all[1] != 'a')
		__builtin_trap(); /* all is "<q>all" */
	if (dmarc.state == DISC_POL_OK && (dmarc.pct < 0 || dmarc.pct > 100 || !dmarc.p[0]))
		__builtin_trap();
	return 0;
}
