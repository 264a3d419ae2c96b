/* fuzz_exercise_attach.c - the check of an inject attachment's bytes (uploaded by an analyst
 * or read beside a scenario) on arbitrary bytes and names: it never crashes; what it accepts
 * is within the cap, not empty, of a type of the allow-list, and text types hold no NUL. The
 * first byte picks the name's extension, the rest are the bytes. */
#include "base/compat.h"

#include <stdlib.h>
#include <string.h>

#include "exercise/exercise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"a.txt", "a.log", "a.csv",	"a.json", "a.pdf",
					    "a.png", "a.jpg", "a.jpeg", "a.exe",  "../a.txt"};
	const char *name, *ctype = NULL;
	struct merr e;
	int rc;

	if (!size)
		return 0;
	name = names[data[0] % ARRAY_SIZE(names)];
	merr_init(&e);
	rc = ex_attach_check(name, data + 1, size - 1, &ctype, &e);
	if (rc == 0) {
		if (!ctype || size - 1 == 0 || size - 1 > EX_ATTACH_MAX || !ex_attach_name_ok(name))
			abort();
		if (!strncmp(ctype, "text/", 5) && memchr(data + 1, 0, size - 1))
			abort();
	} else if (ctype || !e.field[0])
		abort();
	return 0;
}
