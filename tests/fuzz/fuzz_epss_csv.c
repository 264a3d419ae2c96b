/* fuzz_epss_csv.c - EPSS CSV lines (comment, header, rows) split and parsed from arbitrary bytes. */
#include "base/compat.h"

#include "feeds/feeds.h"
#include "feeds/split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct split *sp = NULL;
	struct split_rec r;
	int rc, n = 0;

	if (split_open_mem(data, size, SPLIT_LINES, NULL, 4096, &sp, NULL))
		return 0;
	while ((rc = split_next(sp, &r, NULL)) != 0 && n++ < 100000) {
		struct feeds_epss row;
		char model[64], date[64];
		if (rc < 0) {
			if (split_fatal(sp))
				break;
			continue;
		}
		if (r.p[0] == '#')
			feeds_epss_parse_comment(r.p, r.len, model, sizeof(model), date,
						 sizeof(date));
		else if (feeds_epss_parse_line(r.p, r.len, &row, NULL) == 0 &&
			 (row.epss < 0 || row.epss > 1 || row.percentile < 0 || row.percentile > 1))
			abort();
	}
	split_free(sp);
	return 0;
}
