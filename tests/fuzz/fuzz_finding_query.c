/* fuzz_finding_query.c - what a browser or API client puts in the findings list's query: the
 * search texts, the enumerated filters and the sort key through finding_query_check (only the
 * whitelisted sort keys may pass), and banner bytes through utf8_escape_binary (the output is
 * always well-formed UTF-8 and never longer than its buffer). */
#include "base/compat.h"

#include <string.h>

#include "base/mem.h"
#include "base/utf8.h"
#include "findings/findings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool whitelisted(const char *sort)
{
	if (sort[0] == '-')
		sort++;
	for (int i = 0; finding_sort_keys[i]; i++)
		if (!strcmp(sort, finding_sort_keys[i]))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct finding_query q = {0};
	struct merr e;
	char *s, out[512];

	if (size > 4096)
		return 0;
	s = m_malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	merr_init(&e);
	/* the same text in every field: a hostile value must be refused or merely bound */
	q.sort = q.kind = q.severity = q.state = q.triage = s;
	q.search = q.cve = q.host = q.product = s;
	if (finding_query_check(&q, &e) == 0 && s[0] && !whitelisted(s))
		__builtin_trap();
	q.kind = q.severity = q.state = q.triage = NULL;
	if (finding_query_check(&q, &e) == 0 && s[0] && (!whitelisted(s) || strlen(s) > 200))
		__builtin_trap();
	utf8_escape_binary(s, out, sizeof(out));
	if (strlen(out) >= sizeof(out) || !utf8_valid(out, strlen(out), NULL))
		__builtin_trap();
	m_free(s);
	return 0;
}
