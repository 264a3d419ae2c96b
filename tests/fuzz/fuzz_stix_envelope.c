/* fuzz_stix_envelope.c - untrusted bundles / TAXII envelopes through the span scanner, the
 * streaming reader and the per-object STIX validator: every span lies inside the input, starts
 * with '{' and ends with '}', a valid object always has a version no longer than its buffer,
 * and the streaming reader (fed in chunks of 1 to 64 bytes, the first input byte choosing)
 * accepts exactly the documents share_spans accepts, with the same kind and the same spans. */
#include "base/compat.h"

#include <stdlib.h>

#include "share/share.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct chunky {
	const uint8_t *p;
	size_t len, pos, step;
};

static ssize_t chunky_read(void *arg, char *p, size_t n)
{
	struct chunky *c = arg;
	if (n > c->step)
		n = c->step;
	if (n > c->len - c->pos)
		n = c->len - c->pos;
	memcpy(p, c->p + c->pos, n);
	c->pos += n;
	return (ssize_t)n;
}

static int chunky_rewind(void *arg)
{
	((struct chunky *)arg)->pos = 0;
	return 0;
}

struct seen {
	const uint8_t *doc;
	const struct share_span *sp;
	size_t n, i;
};

static int on_obj(const char *raw, size_t len, size_t off, void *arg)
{
	struct seen *s = arg;
	if (!raw || s->i >= s->n || s->sp[s->i].off != off || s->sp[s->i].len != len ||
	    memcmp(raw, s->doc + off, len) != 0)
		__builtin_trap();
	s->i++;
	return 0;
}

static int count_obj(const char *raw, size_t len, size_t off, void *arg)
{
	(void)raw;
	(void)len;
	(void)off;
	(*(size_t *)arg)++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct share_span *sp = NULL;
	struct share_obj o;
	struct share_src src;
	struct chunky ch;
	struct merr e;
	size_t n = 0, cnt = 0;
	int kind = -1, kind2 = -1, rc, rc2;

	if (size > (1 << 20))
		return 0;
	merr_init(&e);
	rc = share_spans((const char *)data, size, &sp, &n, &kind, &e);
	if (rc == 0) {
		for (size_t i = 0; i < n; i++) {
			if (sp[i].off + sp[i].len > size || sp[i].len < 2 ||
			    data[sp[i].off] != '{' || data[sp[i].off + sp[i].len - 1] != '}')
				__builtin_trap();
			merr_init(&e);
			if (share_stix_check((const char *)data + sp[i].off, sp[i].len, &o, &e) ==
				0 &&
			    (strlen(o.version) >= sizeof(o.version) || !o.type[0] || !o.id[0]))
				__builtin_trap();
		}
	}
	/* The streaming reader agrees, whatever the chunking. */
	memset(&src, 0, sizeof(src));
	ch.p = data;
	ch.len = size;
	ch.pos = 0;
	ch.step = size ? (size_t)(data[0] % 64) + 1 : 1;
	src.read = chunky_read;
	src.rewind = chunky_rewind;
	src.arg = &ch;
	merr_init(&e);
	rc2 = share_stream(&src, count_obj, &cnt, &kind2, &e);
	if ((rc == 0) != (rc2 == 0) || (rc == 0 && (kind != kind2 || cnt != n)))
		__builtin_trap();
	if (rc == 0) {
		struct seen s = {data, sp, n, 0};
		src.rewind(src.arg);
		if (share_stream(&src, on_obj, &s, NULL, &e) || s.i != n)
			__builtin_trap();
	}
	free(sp);
	/* The same bytes as one object. */
	merr_init(&e);
	(void)share_stix_check((const char *)data, size, &o, &e);
	return 0;
}
