/* fuzz_taxii_query.c - hostile TAXII query strings (match[...], added_after, limit, next): the
 * input is split into key=value lines and applied with share_query_param; accepted values stay
 * within bounds (limit clamped, versions counted, cursors parsed back exactly). */
#include "base/compat.h"

#include "share/share.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *line, *save = NULL;
	struct share_query q;
	struct merr e;
	bool known;

	if (size > 8192)
		return 0;
	buf = malloc(size + 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	share_query_init(&q, SHARE_V_LAST);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		merr_init(&e);
		if (share_query_param(&q, line, eq + 1, &known, &e) == 0 && known) {
			if (q.limit > SHARE_LIMIT_MAX || q.n_ats > (int)ARRAY_SIZE(q.ats))
				__builtin_trap();
			if (strcmp(line, "next") == 0) {
				char back[48];
				int64_t d, s;
				share_next_fmt(q.cursor_date, q.cursor_seq, back);
				if (share_next_parse(back, &d, &s) || d != q.cursor_date ||
				    s != q.cursor_seq)
					__builtin_trap();
			}
		}
	}
	free(buf);
	return 0;
}
