/* chain.c - the hash of one row of a hash-chained log (chain.h). */
#include "base/compat.h"

#include <openssl/evp.h>
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
