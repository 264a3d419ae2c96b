/*
 * fuzz_sns_norm.c - the Japanese matching key (sns_norm), the offset slicers, the HTML entity
 * decoder and SimHash over arbitrary bytes: valid UTF-8 out, idempotent key, slices inside.
 */
#include "base/compat.h"

#include "base/buf.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "sns/sns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf a, b;
	if (size > 65536)
		return 0;
	buf_init(&a, 0);
	buf_init(&b, 0);
	if (sns_norm((const char *)data, size, &a) == 0) {
		if (!utf8_valid(a.ptr ? a.ptr : "", a.len, NULL))
			abort();
		/* the key of a key is itself */
		if (sns_norm(a.ptr ? a.ptr : "", a.len, &b) == 0 &&
		    (a.len != b.len || (a.len && memcmp(a.ptr, b.ptr, a.len))))
			abort();
		(void)sns_simhash(a.ptr ? a.ptr : "", a.len);
	}
	size_t off, n;
	long s0 = size > 0 ? data[0] : 0, l0 = size > 1 ? data[1] : 0;
	if (sns_slice_cp((const char *)data, size, s0, s0 + l0, &off, &n) && off + n > size)
		abort();
	if (sns_slice_utf16((const char *)data, size, s0, l0, &off, &n) && off + n > size)
		abort();
	char *c = m_malloc(size + 1);
	if (c) {
		memcpy(c, data, size);
		c[size] = 0;
		if (sns_html_decode(c, size) > size)
			abort();
		m_free(c);
	}
	buf_release(&a);
	buf_release(&b);
	return 0;
}
