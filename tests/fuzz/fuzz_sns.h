/* fuzz_sns.h - what the SNS format fuzz targets share: parse one record, check each post. */
#ifndef MAMORI_FUZZ_SNS_H
#define MAMORI_FUZZ_SNS_H

#include "base/compat.h"

#include "base/mem.h"
#include "base/utf8.h"
#include "sns/sns.h"

static int fuzz_sns_check(struct sns_post *p, void *arg)
{
	(void)arg;
	if (!p->post_id || !*p->post_id || !p->text || !p->platform || strlen(p->raw_sha256) != 64)
		abort();
	if (!utf8_valid(p->text, strlen(p->text), NULL))
		abort();
	for (size_t i = 0; i < p->hostnames.n; i++)
		if (!*p->hostnames.v[i] || strlen(p->hostnames.v[i]) > 253)
			abort();
	return 0;
}

static inline int fuzz_sns_record(enum sns_format f, const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	char *b = m_malloc(size + 1);
	if (!b)
		return 0;
	memcpy(b, data, size);
	b[size] = '\0';
	struct sns_parse_ctx c = {.fmt = f, .file = "fuzz", .line = 1, .offset = 0};
	struct merr e;
	merr_init(&e);
	(void)sns_parse_record(&c, b, size, fuzz_sns_check, NULL, &e);
	m_free(b);
	return 0;
}

#endif
