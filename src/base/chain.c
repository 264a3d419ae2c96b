/* chain.c - the hash of one row of a hash-chained log (chain.h). */
#include "base/compat.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "base/chain.h"
#include "base/err.h"
#include "base/mem.h"

struct chain_ctx {
	EVP_MD_CTX *md;
};

struct chain_ctx *chain_ctx_new(void)
{
	struct chain_ctx *c = m_calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->md = EVP_MD_CTX_new();
	if (!c->md) {
		m_free(c);
		return NULL;
	}
	return c;
}

void chain_ctx_free(struct chain_ctx *c)
{
	if (!c)
		return;
	EVP_MD_CTX_free(c->md);
	m_free(c);
}

/* Appends "LEN:" (decimal) without stdio: this runs once per field of a million rows. */
static size_t put_len(char *out, size_t n)
{
	char tmp[24];
	size_t k = 0, i = 0;

	do
		tmp[k++] = (char)('0' + n % 10);
	while ((n /= 10) && k < sizeof(tmp));
	while (k)
		out[i++] = tmp[--k];
	out[i++] = ':';
	return i;
}

static void add_field(EVP_MD_CTX *md, const char *f)
{
	char len[24];
	size_t n;

	if (!f) {
		EVP_DigestUpdate(md, "-\n", 2);
		return;
	}
	n = strlen(f);
	EVP_DigestUpdate(md, len, put_len(len, n));
	EVP_DigestUpdate(md, f, n);
	EVP_DigestUpdate(md, "\n", 1);
}

int chain_hash(struct chain_ctx *c, const char *prev, const char *const *fields, size_t n,
	       char out[CHAIN_HEX])
{
	static const char hex[] = "0123456789abcdef";
	struct chain_ctx *own = NULL;
	unsigned char h[EVP_MAX_MD_SIZE];
	unsigned int hl = 0;

	if (!c && !(c = own = chain_ctx_new()))
		return M_ENOMEM;
	if (!EVP_DigestInit_ex(c->md, EVP_sha256(), NULL)) {
		chain_ctx_free(own);
		return M_ENOMEM;
	}
	add_field(c->md, prev ? prev : CHAIN_GENESIS);
	for (size_t i = 0; i < n; i++)
		add_field(c->md, fields[i]);
	EVP_DigestFinal_ex(c->md, h, &hl);
	chain_ctx_free(own);
	for (unsigned int i = 0; i < 32; i++) {
		out[2 * i] = hex[h[i] >> 4];
		out[2 * i + 1] = hex[h[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

/* Decimal text of v without stdio (a million rows per verify). */
static void fmt_i64(char out[24], int64_t v)
{
	char tmp[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t k = 0, i = 0;

	do
		tmp[k++] = (char)('0' + u % 10);
	while ((u /= 10) && k < sizeof(tmp));
	if (v < 0)
		out[i++] = '-';
	while (k)
		out[i++] = tmp[--k];
	out[i] = '\0';
}

int chain_hash_row(struct chain_ctx *c, const char *prev, const struct chain_field *f, size_t n,
		   char out[CHAIN_HEX])
{
	char num[CHAIN_FIELDS_MAX][24];
	const char *text[CHAIN_FIELDS_MAX];

	if (n > CHAIN_FIELDS_MAX)
		return M_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (f[i].is_int) {
			fmt_i64(num[i], f[i].i);
			text[i] = num[i];
		} else {
			text[i] = f[i].s;
		}
	}
	return chain_hash(c, prev, text, n, out);
}

int chain_walk_begin(struct chain_walk *w, struct chain_verify *r, bool unsealed_tail)
{
	memset(w, 0, sizeof(*w));
	memset(r, 0, sizeof(*r));
	w->r = r;
	w->unsealed_tail = unsealed_tail;
	memcpy(w->prev, CHAIN_GENESIS, sizeof(w->prev));
	return (w->cc = chain_ctx_new()) ? 0 : M_ENOMEM;
}

static int broken(struct chain_walk *w, int64_t id, const char *why)
{
	w->r->broken_id = id;
	snprintf(w->r->why, sizeof(w->r->why), "%s", why);
	return 0;
}

int chain_walk_row(struct chain_walk *w, int64_t id, const char *prev_hash, const char *hash,
		   const struct chain_field *f, size_t n)
{
	char h[CHAIN_HEX];
	int rc;

	w->r->rows++;
	if (!hash && w->unsealed_tail) {
		if (!w->first_unsealed)
			w->first_unsealed = id;
		w->r->unsealed++;
		return 1;
	}
	if (w->first_unsealed) {
		snprintf(w->r->why, sizeof(w->r->why),
			 "row not sealed before sealed row %lld / 封印のない行の後に封印済みの行",
			 (long long)id);
		w->r->broken_id = w->first_unsealed;
		return 0;
	}
	if (!prev_hash || strcmp(prev_hash, w->prev))
		return broken(
		    w, id, "prev_hash does not match the previous row / 前の行のハッシュと不一致");
	if ((rc = chain_hash_row(w->cc, w->prev, f, n, h)))
		return rc;
	if (!hash || strcmp(h, hash))
		return broken(w, id, "content does not match its hash / 内容がハッシュと不一致");
	memcpy(w->prev, h, sizeof(w->prev));
	return 1;
}

void chain_walk_end(struct chain_walk *w)
{
	chain_ctx_free(w->cc);
	w->cc = NULL;
}
