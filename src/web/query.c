/*
 * query.c - the pager links of the findings and alerts lists (their rows come from the
 * findings and alert modules' queries).
 */
#include "base/compat.h"

#include <stdio.h>

#include "web/web_int.h"

const char *web_filter_qs(struct web_req *r, const char *const *keys, size_t n)
{
	struct buf b;
	char *out;

	buf_init(&b, 1024);
	for (size_t i = 0; i < n; i++) {
		const char *v = web_kv_get(&r->query, keys[i]);
		/* values reaching here passed the allow-lists or are a slug; URL-encode anyway */
		if (v && v[0])
			web_htmlf(&b, r->lang, "%R=%u&amp;", keys[i], v);
	}
	out = web_arena_strndup(&r->arena, b.len ? b.ptr : "", b.len);
	buf_release(&b);
	return out ? out : "";
}
