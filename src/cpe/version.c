/*
 * version.c - tokenising comparator for product versions (VULNDATA §8.3) and the
 * product-aware split of "7.2p1" into NVD's version + update attributes.
 */
#include "base/compat.h"

#include <ctype.h>

#include "base/err.h"
#include "cpe/version.h"

enum { TK_NUM = 1, TK_WORD, TK_LET };

/* Release words. needs_num: a single letter is a release word only when digits
 * follow it ("a1" = alpha 1, "p1" = patch 1); alone it is a rebuild letter
 * ("1.0.2a", "17.3.4a") that ranks above the release. */
static const struct rel_word {
	const char *w;
	int8_t rank;
	uint8_t canon;
	bool needs_num;
} rel_words[] = {
    {"dev", -5, 0, false},   {"snapshot", -5, 0, false}, {"alpha", -4, 1, false},
    {"a", -4, 1, true},	     {"beta", -3, 2, false},	 {"b", -3, 2, true},
    {"pre", -2, 3, false},   {"rc", -1, 4, false},	 {"p", 1, 5, true},
    {"pl", 1, 5, false},     {"patch", 1, 5, false},	 {"h", 1, 6, true},
    {"hotfix", 1, 6, false}, {"r", 1, 7, true},		 {"mr", 1, 8, true},
    {"s", 1, 9, true},	     {"sp", 1, 10, false},
};

/* Words that say nothing about order ("1.0-release" = "1.0"). */
static const char *const noise_words[] = {"release", "final", "ga", "version"};

static const struct rel_word *find_word(const char *p, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(rel_words); i++)
		if (strlen(rel_words[i].w) == len && memcmp(rel_words[i].w, p, len) == 0)
			return &rel_words[i];
	return NULL;
}

static bool is_noise(const char *p, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(noise_words); i++)
		if (strlen(noise_words[i]) == len && memcmp(noise_words[i], p, len) == 0)
			return true;
	return false;
}

/* Lowercases, drops backslashes (CPE escapes) and surrounding blanks. */
static int normalise(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	for (; *s; s++) {
		if (*s == '\\')
			continue; /* escapes, and literal backslashes too: normalising twice changes nothing */
		if (n + 1 >= cap)
			return M_EINVAL;
		out[n++] = (char)tolower((unsigned char)*s);
	}
	while (n && (out[n - 1] == ' ' || out[n - 1] == '\t'))
		n--;
	out[n] = '\0';
	return 0;
}

static int add_tok(struct vuln_ver *v, const struct vuln_ver_tok *t)
{
	if (v->n >= VULN_VERSION_TOKENS)
		return M_EINVAL;
	v->t[v->n++] = *t;
	return 0;
}

static int tok_alpha(struct vuln_ver *v, size_t i, size_t j)
{
	const char *s = v->s;
	const struct rel_word *w = find_word(s + i, j - i);
	struct vuln_ver_tok t = {TK_LET, 0, 0, (uint8_t)i, (uint8_t)(j - i)};

	if (is_noise(s + i, j - i))
		return 0;
	if (w && (!w->needs_num || isdigit((unsigned char)s[j]))) {
		t.kind = TK_WORD;
		t.rank = w->rank;
		t.canon = w->canon;
	}
	return add_tok(v, &t);
}

int vuln_ver_parse(const char *s, struct vuln_ver *v)
{
	size_t i = 0, j;

	v->n = 0;
	if (!s || normalise(s, v->s, sizeof(v->s)))
		return M_EINVAL;
	if (!v->s[0] || strcmp(v->s, "*") == 0 || strcmp(v->s, "-") == 0)
		return M_EINVAL;
	if (v->s[0] == 'v' && isdigit((unsigned char)v->s[1]))
		i = 1; /* "v6.0" */
	while (v->s[i]) {
		unsigned char c = (unsigned char)v->s[i];
		if (isdigit(c)) {
			for (j = i; isdigit((unsigned char)v->s[j]); j++)
				;
			while (i + 1 < j && v->s[i] == '0')
				i++; /* numeric value: leading zeros do not count */
			struct vuln_ver_tok t = {TK_NUM, 0, 0, (uint8_t)i, (uint8_t)(j - i)};
			if (add_tok(v, &t))
				return M_EINVAL;
		} else if (isalpha(c)) {
			for (j = i; isalpha((unsigned char)v->s[j]); j++)
				;
			if (tok_alpha(v, i, j))
				return M_EINVAL;
		} else {
			j = i + 1; /* separator or a byte we do not order by */
		}
		i = j;
	}
	return v->n ? 0 : M_EINVAL;
}

/* Order of token classes at one position: pre-release word < end of version <
 * post-release word < rebuild letters < another number. */
static int tok_class(const struct vuln_ver_tok *t)
{
	if (!t)
		return 1;
	if (t->kind == TK_WORD)
		return t->rank < 0 ? 0 : 2;
	return t->kind == TK_LET ? 3 : 4;
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static int cmp_same(const struct vuln_ver *a, const struct vuln_ver_tok *x,
		    const struct vuln_ver *b, const struct vuln_ver_tok *y)
{
	int r;

	if (x->kind == TK_WORD) {
		if (x->rank != y->rank)
			return x->rank < y->rank ? -1 : 1;
		return sign((int)x->canon - (int)y->canon);
	}
	if (x->kind == TK_NUM && x->len != y->len)
		return x->len < y->len ? -1 : 1; /* no leading zeros: longer is larger */
	r = memcmp(a->s + x->off, b->s + y->off, x->len < y->len ? x->len : y->len);
	if (r)
		return sign(r);
	return sign((int)x->len - (int)y->len); /* "z" < "za" */
}

static bool is_zero(const struct vuln_ver *v, const struct vuln_ver_tok *t)
{
	return t && t->kind == TK_NUM && t->len == 1 && v->s[t->off] == '0';
}

/* A year, date or build number ("2000", "20230101") against a dotted release
 * ("11.7"), or a number against a word, has no meaningful order. */
static bool schemes_differ(const struct vuln_ver *a, const struct vuln_ver *b)
{
	const struct vuln_ver_tok *x = &a->t[0], *y = &b->t[0];

	if ((x->kind == TK_NUM) != (y->kind == TK_NUM))
		return true;
	return x->kind == TK_NUM && ((x->len >= 4) != (y->len >= 4));
}

int vuln_ver_cmp(const struct vuln_ver *a, const struct vuln_ver *b, int *result)
{
	size_t i = 0, j = 0;

	*result = 0;
	if (!a->n || !b->n || schemes_differ(a, b))
		return M_EINVAL;
	while (i < a->n || j < b->n) {
		const struct vuln_ver_tok *x = i < a->n ? &a->t[i] : NULL;
		const struct vuln_ver_tok *y = j < b->n ? &b->t[j] : NULL;
		int cx = tok_class(x), cy = tok_class(y), r;

		/* "7.0" == "7.0.0": a zero against the end is no difference */
		if (!x && is_zero(b, y)) {
			j++;
			continue;
		}
		if (!y && is_zero(a, x)) {
			i++;
			continue;
		}
		if (cx != cy) {
			*result = cx < cy ? -1 : 1;
			return 0;
		}
		r = cmp_same(a, x, b, y);
		if (r) {
			*result = r;
			return 0;
		}
		i++;
		j++;
	}
	return 0;
}

int vuln_ver_key(const struct vuln_ver *v, char *out, size_t cap)
{
	size_t n = v->n, len = 0;

	while (n > 1 && is_zero(v, &v->t[n - 1]))
		n--; /* trailing zeros compare equal to the end */
	for (size_t i = 0; i < n; i++) {
		const struct vuln_ver_tok *t = &v->t[i];
		int w = t->kind == TK_WORD
			    ? snprintf(out + len, cap - len, "@%d.%u ", t->rank, t->canon)
			    : snprintf(out + len, cap - len, "%c%.*s ",
				       t->kind == TK_NUM ? '#' : '\'', (int)t->len, v->s + t->off);
		if (w < 0 || (size_t)w >= cap - len)
			return M_ETOOBIG;
		len += (size_t)w;
	}
	if (len == 0 && cap)
		out[0] = '\0';
	return 0;
}

int vuln_version_cmp(const char *a, const char *b, int *result)
{
	struct vuln_ver va, vb;

	*result = 0;
	if (vuln_ver_parse(a, &va) || vuln_ver_parse(b, &vb))
		return M_EINVAL;
	return vuln_ver_cmp(&va, &vb, result);
}

/* Which trailing words a product's NVD records keep in the update attribute. */
static const struct split_rule {
	const char *vp;	   /* NULL: the default for every other product */
	const char *words; /* space-separated */
	bool need_digits;
	bool allow_sep;	    /* "9.9.3-P1" as well as "9.9.3p1" */
	bool single_letter; /* ProFTPD "1.3.0a" = 1.3.0 update a */
} split_rules[] = {
    {"openbsd:openssh", "p", true, false, false},
    {"isc:bind", "p s rc b a", true, true, false},
    {"paloaltonetworks:pan-os", "h", true, true, false},
    {"proftpd:proftpd", "rc pre", true, false, true},
    {NULL, "alpha beta rc pre dev", false, true, false},
};

static const struct split_rule *find_rule(const char *vp)
{
	for (size_t i = 0; i < ARRAY_SIZE(split_rules); i++)
		if (!split_rules[i].vp || (vp && strcmp(split_rules[i].vp, vp) == 0))
			return &split_rules[i];
	return &split_rules[ARRAY_SIZE(split_rules) - 1];
}

static bool word_listed(const char *list, const char *w, size_t len)
{
	while (*list) {
		size_t n = strcspn(list, " ");
		if (n == len && memcmp(list, w, len) == 0)
			return true;
		list += n;
		while (*list == ' ')
			list++;
	}
	return false;
}

/* Where the update starts in s (lowercase), or 0 when nothing splits off. */
static size_t split_at(const struct split_rule *r, const char *s, size_t n, size_t *sep)
{
	size_t d = n, w;

	while (d > 0 && isdigit((unsigned char)s[d - 1]))
		d--;
	for (w = d; w > 0 && isalpha((unsigned char)s[w - 1]);)
		w--;
	*sep = w;
	if (w == d || w == 0)
		return 0;
	if (r->allow_sep && w >= 2 && strchr("-_.", s[w - 1]))
		*sep = w - 1;
	if (*sep == 0 || !isdigit((unsigned char)s[*sep - 1]))
		return 0;
	if (r->single_letter && d == n && d - w == 1)
		return w;
	if (r->need_digits && d == n)
		return 0;
	return word_listed(r->words, s + w, d - w) ? w : 0;
}

int vuln_version_split(const char *vp, const char *version, char *base, size_t base_cap,
		       char *update, size_t update_cap)
{
	char s[VULN_VERSION_MAX + 1];
	size_t n, at, sep;

	if (normalise(version ? version : "", s, sizeof(s)))
		return M_ETOOBIG;
	n = strlen(s);
	at = split_at(find_rule(vp), s, n, &sep);
	if (!at)
		sep = at = n;
	if (sep + 1 > base_cap || n - at + 1 > update_cap)
		return M_ETOOBIG;
	memcpy(base, s, sep);
	base[sep] = '\0';
	memcpy(update, s + at, n - at + 1);
	return 0;
}

bool vuln_version_update_is_post(const char *update)
{
	size_t len = 0;
	const struct rel_word *w;

	while (isalpha((unsigned char)update[len]))
		len++;
	if (!len)
		return false;
	w = find_word(update, len);
	return !w || w->rank > 0;
}

int vuln_version_compose(const char *version, const char *update, char *out, size_t cap)
{
	size_t vl = strlen(version);
	bool glue;

	if (!update || !*update || strcmp(update, "*") == 0 || strcmp(update, "-") == 0) {
		if (vl + 1 > cap)
			return M_ETOOBIG;
		memcpy(out, version, vl + 1);
		return 0;
	}
	/* "3.6.1" + "p1" glue; a letter after a letter needs a separator */
	glue = vl && isdigit((unsigned char)version[vl - 1]);
	if ((size_t)snprintf(out, cap, "%s%s%s", version, glue ? "" : "-", update) >= cap)
		return M_ETOOBIG;
	return 0;
}
