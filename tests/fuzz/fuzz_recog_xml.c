/* fuzz_recog_xml.c - the Recog loader on one XML buffer (libxml2, Ruby->PCRE2
 * translation, compile), then matching and the self-test on what loaded. */
#include "base/compat.h"

#include "fingerprint/fingerprint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fp_result r;
	struct fp_db *db = fp_db_new();
	struct fp_selftest *t = NULL;
	struct merr e;

	if (!db || size > 65536) {
		fp_db_free(db);
		return 0;
	}
	merr_init(&e);
	if (fp_db_add_xml(db, "f", (const char *)data, size, &e) == 0) {
		fp_match(db, "f", "SSH-2.0-OpenSSH_8.4p1 Debian-5", 30, &r);
		fp_match(db, "f", (const char *)data, size < 256 ? size : 256, &r);
		if (fp_selftest_run(db, NULL, &t) == 0)
			fp_selftest_free(t);
	}
	fp_db_free(db);
	return 0;
}
