/* fuzz_ssvc_csv.c - the SSVC decision-table reader (CSV from the data folder) over untrusted
 * bytes, as both tables: never more rows than the table holds, never a crash. */
#include "base/compat.h"

#include "findings/findings_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int coord = 0; coord < 2; coord++) {
		int n = finding_ssvc_parse_buf((const char *)data, size, coord, NULL);
		if (n == 0 || n > 64)
			abort(); /* 0 rows is an error, and the table holds at most 64 */
	}
	return 0;
}
