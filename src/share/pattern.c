/* pattern.c - STIX 2.1 patterning (STIX 2.1 spec section 9, STIXPattern.g4): a recursive-
 * descent parser of the whole grammar that reports errors with their byte offset, and that
 * hands the concrete observables of positive comparisons to a callback (the match index). */
#include "base/compat.h"

#include <ctype.h>

#include "base/ip.h"
#include "share/share.h"

enum tok {
	T_END,
	T_LBRACK,
	T_RBRACK,
	T_LPAREN,
	T_RPAREN,
	T_COMMA,
	T_COLON,
	T_DOT,
	T_STAR,
	T_OP,	/* = == != <> < <= > >= */
	T_WORD, /* identifier or keyword */
	T_STR,	/* '...' */
	T_BIN,	/* b'...' */
	T_HEX,	/* h'...' */
	T_TS,	/* t'...' */
	T_INT,
	T_FLOAT,
};

#define PAT_STR_MAX 2048
#define PAT_DEPTH_MAX 64

struct px {
	const char *s;
	size_t len, i;
	enum tok t;
	size_t at;	       /* offset of the current token */
	size_t wlen;	       /* T_WORD/T_OP length (text at s + at) */
	char str[PAT_STR_MAX]; /* decoded literal */
	size_t slen;
	int depth;
	struct merr *e;
	share_ioc_fn fn;
	void *arg;
	int n_iocs;
};

static int perr(struct px *p, size_t at, const char *what)
{
	return merr_at(p->e, M_EPARSE, NULL, -1, (long long)at, "pattern", "offset %zu: %s", at,
		       what);
}

static bool word_is(const struct px *p, const char *w)
{
	return p->t == T_WORD && p->wlen == strlen(w) && memcmp(p->s + p->at, w, p->wlen) == 0;
}

static int lex_quoted(struct px *p)
{
	p->slen = 0;
	p->i++; /* opening quote */
	while (p->i < p->len) {
		char c = p->s[p->i];
		if (c == '\'') {
			p->i++;
			p->str[p->slen] = '\0';
			return 0;
		}
		if (c == '\\') {
			if (p->i + 1 >= p->len ||
			    (p->s[p->i + 1] != '\'' && p->s[p->i + 1] != '\\'))
				return perr(p, p->i, "only \\' and \\\\ escapes are allowed");
			c = p->s[++p->i];
		}
		if (p->slen + 1 >= sizeof(p->str))
			return perr(p, p->i, "string literal too long");
		p->str[p->slen++] = c;
		p->i++;
	}
	return perr(p, p->at, "unterminated string literal");
}

static int next(struct px *p)
{
	const char *s = p->s;
	char c;

	while (p->i < p->len && isspace((unsigned char)s[p->i]))
		p->i++;
	p->at = p->i;
	if (p->i >= p->len) {
		p->t = T_END;
		return 0;
	}
	c = s[p->i];
	switch (c) {
	case '[':
		p->t = T_LBRACK;
		p->i++;
		return 0;
	case ']':
		p->t = T_RBRACK;
		p->i++;
		return 0;
	case '(':
		p->t = T_LPAREN;
		p->i++;
		return 0;
	case ')':
		p->t = T_RPAREN;
		p->i++;
		return 0;
	case ',':
		p->t = T_COMMA;
		p->i++;
		return 0;
	case ':':
		p->t = T_COLON;
		p->i++;
		return 0;
	case '.':
		if (p->i + 1 < p->len && isdigit((unsigned char)s[p->i + 1]))
			break;
		p->t = T_DOT;
		p->i++;
		return 0;
	case '*':
		p->t = T_STAR;
		p->i++;
		return 0;
	case '\'': p->t = T_STR; return lex_quoted(p);
	case '=':
	case '!':
	case '<':
	case '>':
		p->t = T_OP;
		p->i++;
		if (p->i < p->len && (s[p->i] == '=' || (c == '<' && s[p->i] == '>')))
			p->i++;
		p->wlen = p->i - p->at;
		if (p->wlen == 1 && c == '!')
			return perr(p, p->at, "'!' must be '!='");
		return 0;
	default: break;
	}
	if ((c == 'b' || c == 'h' || c == 't') && p->i + 1 < p->len && s[p->i + 1] == '\'') {
		int rc;
		p->i++;
		p->t = c == 'b' ? T_BIN : c == 'h' ? T_HEX : T_TS;
		if ((rc = lex_quoted(p)))
			return rc;
		for (size_t k = 0; k < p->slen; k++) {
			char d = p->str[k];
			if ((p->t == T_HEX && !isxdigit((unsigned char)d)) ||
			    (p->t == T_BIN &&
			     !(isalnum((unsigned char)d) || d == '+' || d == '/' || d == '=')))
				return perr(p, p->at, "bad binary or hex literal");
		}
		if (p->t == T_HEX && p->slen % 2)
			return perr(p, p->at, "hex literal of odd length");
		if (p->t == T_TS && share_ts_us(p->str, 0) < 0)
			return perr(p, p->at, "timestamp literal is not YYYY-MM-DDTHH:MM:SS[.s]Z");
		return 0;
	}
	if (isalpha((unsigned char)c) || c == '_') {
		while (p->i < p->len &&
		       (isalnum((unsigned char)s[p->i]) || s[p->i] == '_' || s[p->i] == '-'))
			p->i++;
		p->t = T_WORD;
		p->wlen = p->i - p->at;
		return 0;
	}
	if (isdigit((unsigned char)c) || c == '-' || c == '+' || c == '.') {
		bool dot = false, digits = false;
		if (c == '-' || c == '+')
			p->i++;
		while (p->i < p->len && (isdigit((unsigned char)s[p->i]) || s[p->i] == '.')) {
			if (s[p->i] == '.') {
				if (dot)
					return perr(p, p->i, "malformed number");
				dot = true;
			} else {
				digits = true;
			}
			p->i++;
		}
		if (!digits)
			return perr(p, p->at, "malformed number");
		p->t = dot ? T_FLOAT : T_INT;
		p->wlen = p->i - p->at;
		return 0;
	}
	return perr(p, p->at, "unexpected character");
}

static int expect(struct px *p, enum tok t, const char *what)
{
	if (p->t != t) {
		char m[96];
		snprintf(m, sizeof(m), "%s expected", what);
		return perr(p, p->at, m);
	}
	return next(p);
}

/* ---- object paths ------------------------------------------------------------------ */

struct path {
	char type[128];
	char rest[256]; /* "value", "hashes.SHA-256", "extensions.x.y" */
};

static int component(struct px *p, struct path *pa, bool first)
{
	char buf[160];
	size_t n;

	if (p->t == T_WORD) {
		n = p->wlen < sizeof(buf) ? p->wlen : sizeof(buf) - 1;
		memcpy(buf, p->s + p->at, n);
		buf[n] = '\0';
		if (memchr(buf, '-', n))
			return perr(p, p->at, "a path component with '-' must be quoted");
	} else if (p->t == T_STR) {
		snprintf(buf, sizeof(buf), "%.150s", p->str);
	} else {
		return perr(p, p->at, "property name expected");
	}
	n = strlen(pa->rest);
	snprintf(pa->rest + n, sizeof(pa->rest) - n, "%s%s", first ? "" : ".", buf);
	return next(p);
}

static int object_path(struct px *p, struct path *pa)
{
	int rc;

	memset(pa, 0, sizeof(*pa));
	if (p->t != T_WORD)
		return perr(p, p->at, "object path (type:property) expected");
	snprintf(pa->type, sizeof(pa->type), "%.*s", (int)(p->wlen < 127 ? p->wlen : 127),
		 p->s + p->at);
	if ((rc = next(p)) || (rc = expect(p, T_COLON, "':'")) || (rc = component(p, pa, true)))
		return rc;
	for (;;) {
		if (p->t == T_DOT) {
			if ((rc = next(p)) || (rc = component(p, pa, false)))
				return rc;
		} else if (p->t == T_LBRACK) {
			/* list index [n] or [*]: only when followed by an int, '*' and ']' */
			size_t save_i = p->i, save_at = p->at;
			enum tok save_t = p->t;
			if ((rc = next(p)))
				return rc;
			if (p->t != T_INT && p->t != T_STAR) {
				p->i = save_i;
				p->at = save_at;
				p->t = save_t;
				return 0;
			}
			if ((rc = next(p)) || (rc = expect(p, T_RBRACK, "']'")))
				return rc;
			strncat(pa->rest, "[]", sizeof(pa->rest) - strlen(pa->rest) - 1);
		} else {
			return 0;
		}
	}
}

/* ---- observables -------------------------------------------------------------------- */

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* A comparison value that names a concrete observable: hand it to the callback. */
static int observable(struct px *p, const struct path *pa, const char *v, bool subset)
{
	struct share_ioc ioc = {0};
	char rest[256];

	if (!p->fn)
		return 0;
	snprintf(rest, sizeof(rest), "%s", pa->rest);
	lower(rest);
	if ((strcmp(pa->type, "ipv4-addr") == 0 || strcmp(pa->type, "ipv6-addr") == 0) &&
	    strcmp(rest, "value") == 0) {
		struct cidr c;
		if (cidr_parse(v, false, &c) || c.addr.family != (pa->type[3] == '4' ? 4 : 6))
			return 0; /* not an address of that family: nothing to match */
		ioc.kind = SHARE_IOC_IP;
		cidr_format(&c, ioc.value);
	} else if (subset) {
		return 0;
	} else if (strcmp(pa->type, "domain-name") == 0 && strcmp(rest, "value") == 0) {
		ioc.kind = SHARE_IOC_DOMAIN;
	} else if (strcmp(pa->type, "url") == 0 && strcmp(rest, "value") == 0) {
		ioc.kind = SHARE_IOC_URL;
	} else if (strcmp(pa->type, "email-addr") == 0 && strcmp(rest, "value") == 0) {
		ioc.kind = SHARE_IOC_EMAIL;
	} else if ((strcmp(pa->type, "file") == 0 || strcmp(pa->type, "artifact") == 0 ||
		    strcmp(pa->type, "x509-certificate") == 0) &&
		   strncmp(rest, "hashes.", 7) == 0) {
		/* file:hashes.'SHA-256' and file:hashes.SHA256 are one thing (OpenCTI #13803) */
		const char *h = rest + 7;
		size_t n = strlen(v);
		if (strcmp(h, "md5") == 0 && n == 32)
			ioc.kind = SHARE_IOC_MD5;
		else if ((strcmp(h, "sha-1") == 0 || strcmp(h, "sha1") == 0) && n == 40)
			ioc.kind = SHARE_IOC_SHA1;
		else if ((strcmp(h, "sha-256") == 0 || strcmp(h, "sha256") == 0) && n == 64)
			ioc.kind = SHARE_IOC_SHA256;
		else
			return 0;
		for (size_t k = 0; k < n; k++)
			if (!isxdigit((unsigned char)v[k]))
				return 0;
	} else {
		return 0;
	}
	if (ioc.kind != SHARE_IOC_IP) {
		snprintf(ioc.value, sizeof(ioc.value), "%s", v);
		if (ioc.kind != SHARE_IOC_URL)
			lower(ioc.value);
		if (ioc.kind == SHARE_IOC_DOMAIN) {
			size_t n = strlen(ioc.value);
			if (n && ioc.value[n - 1] == '.')
				ioc.value[n - 1] = '\0';
		}
		if (!ioc.value[0])
			return 0;
	}
	p->n_iocs++;
	return p->fn(&ioc, p->arg);
}

static bool literal_tok(enum tok t)
{
	return t == T_STR || t == T_BIN || t == T_HEX || t == T_TS || t == T_INT || t == T_FLOAT;
}

/* ---- grammar ------------------------------------------------------------------------ */

static int comparison_expr(struct px *p, bool positive);

static int prop_test(struct px *p, bool positive)
{
	struct path pa;
	bool neg = false;
	int rc;

	if (p->t == T_LPAREN) {
		if (++p->depth > PAT_DEPTH_MAX)
			return perr(p, p->at, "nested too deep");
		if ((rc = next(p)) || (rc = comparison_expr(p, positive)) ||
		    (rc = expect(p, T_RPAREN, "')'")))
			return rc;
		p->depth--;
		return 0;
	}
	if (word_is(p, "EXISTS")) {
		if ((rc = next(p)))
			return rc;
		return object_path(p, &pa);
	}
	if ((rc = object_path(p, &pa)))
		return rc;
	if (word_is(p, "NOT")) {
		neg = true;
		if ((rc = next(p)))
			return rc;
	}
	if (p->t == T_OP) {
		bool eq = (p->wlen == 1 && p->s[p->at] == '=') ||
			  (p->wlen == 2 && memcmp(p->s + p->at, "==", 2) == 0);
		if ((rc = next(p)))
			return rc;
		if (!literal_tok(p->t) && !word_is(p, "true") && !word_is(p, "false"))
			return perr(p, p->at, "a literal expected after the operator");
		if (eq && !neg && positive && p->t == T_STR &&
		    (rc = observable(p, &pa, p->str, false)))
			return rc;
		return next(p);
	}
	if (word_is(p, "IN")) {
		if ((rc = next(p)) || (rc = expect(p, T_LPAREN, "'(' after IN")))
			return rc;
		if (p->t == T_RPAREN)
			return next(p);
		for (;;) {
			if (!literal_tok(p->t) && !word_is(p, "true") && !word_is(p, "false"))
				return perr(p, p->at, "a literal expected in the set");
			if (!neg && positive && p->t == T_STR &&
			    (rc = observable(p, &pa, p->str, false)))
				return rc;
			if ((rc = next(p)))
				return rc;
			if (p->t == T_COMMA) {
				if ((rc = next(p)))
					return rc;
				continue;
			}
			return expect(p, T_RPAREN, "',' or ')'");
		}
	}
	if (word_is(p, "LIKE") || word_is(p, "MATCHES") || word_is(p, "ISSUPERSET") ||
	    word_is(p, "ISSUBSET")) {
		bool subset = word_is(p, "ISSUBSET");
		if ((rc = next(p)))
			return rc;
		if (p->t != T_STR)
			return perr(p, p->at, "a string literal expected");
		if (subset && !neg && positive && (rc = observable(p, &pa, p->str, true)))
			return rc;
		return next(p);
	}
	return perr(p, p->at,
		    "an operator (=, !=, <, >, <=, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET) "
		    "expected");
}

static int comparison_and(struct px *p, bool positive)
{
	int rc;

	if ((rc = prop_test(p, positive)))
		return rc;
	while (word_is(p, "AND"))
		if ((rc = next(p)) || (rc = prop_test(p, positive)))
			return rc;
	return 0;
}

static int comparison_expr(struct px *p, bool positive)
{
	int rc;

	if ((rc = comparison_and(p, positive)))
		return rc;
	while (word_is(p, "OR"))
		if ((rc = next(p)) || (rc = comparison_and(p, positive)))
			return rc;
	return 0;
}

static int observation_exprs(struct px *p);

static bool pos_int(const struct px *p)
{
	return p->t == T_INT && p->s[p->at] != '-' && p->s[p->at] != '+' &&
	       !(p->wlen == 1 && p->s[p->at] == '0');
}

static int qualifiers(struct px *p)
{
	int rc;

	for (;;) {
		if (word_is(p, "WITHIN")) {
			if ((rc = next(p)))
				return rc;
			if (!(pos_int(p) || (p->t == T_FLOAT && p->s[p->at] != '-')))
				return perr(p, p->at, "a positive number expected after WITHIN");
			if ((rc = next(p)))
				return rc;
			if (!word_is(p, "SECONDS"))
				return perr(p, p->at, "SECONDS expected");
		} else if (word_is(p, "REPEATS")) {
			if ((rc = next(p)))
				return rc;
			if (!pos_int(p))
				return perr(p, p->at, "a positive integer expected after REPEATS");
			if ((rc = next(p)))
				return rc;
			if (!word_is(p, "TIMES"))
				return perr(p, p->at, "TIMES expected");
		} else if (word_is(p, "START")) {
			if ((rc = next(p)))
				return rc;
			if (p->t != T_TS)
				return perr(p, p->at, "a t'...' timestamp expected after START");
			if ((rc = next(p)))
				return rc;
			if (!word_is(p, "STOP"))
				return perr(p, p->at, "STOP expected");
			if ((rc = next(p)))
				return rc;
			if (p->t != T_TS)
				return perr(p, p->at, "a t'...' timestamp expected after STOP");
		} else {
			return 0;
		}
		if ((rc = next(p)))
			return rc;
	}
}

static int observation_expr(struct px *p)
{
	int rc;

	if (++p->depth > PAT_DEPTH_MAX)
		return perr(p, p->at, "nested too deep");
	if (p->t == T_LBRACK) {
		if ((rc = next(p)) || (rc = comparison_expr(p, true)) ||
		    (rc = expect(p, T_RBRACK, "']'")))
			return rc;
	} else if (p->t == T_LPAREN) {
		if ((rc = next(p)) || (rc = observation_exprs(p)) ||
		    (rc = expect(p, T_RPAREN, "')'")))
			return rc;
	} else {
		return perr(p, p->at, "'[' or '(' expected");
	}
	p->depth--;
	return qualifiers(p);
}

static int observation_and(struct px *p)
{
	int rc;

	if ((rc = observation_expr(p)))
		return rc;
	while (word_is(p, "AND"))
		if ((rc = next(p)) || (rc = observation_expr(p)))
			return rc;
	return 0;
}

static int observation_or(struct px *p)
{
	int rc;

	if ((rc = observation_and(p)))
		return rc;
	while (word_is(p, "OR"))
		if ((rc = next(p)) || (rc = observation_and(p)))
			return rc;
	return 0;
}

static int observation_exprs(struct px *p)
{
	int rc;

	if ((rc = observation_or(p)))
		return rc;
	while (word_is(p, "FOLLOWEDBY"))
		if ((rc = next(p)) || (rc = observation_or(p)))
			return rc;
	return 0;
}

const char *share_ioc_kind_name(int kind)
{
	static const char *const names[] = {"",	     "ip",  "domain", "url",
					    "email", "md5", "sha1",   "sha256"};
	return kind > 0 && kind <= SHARE_IOC_SHA256 ? names[kind] : "";
}

int share_pattern_parse(const char *pattern, size_t len, share_ioc_fn fn, void *arg, struct merr *e)
{
	struct px *p = calloc(1, sizeof(*p));
	int rc;

	if (!p)
		return merr_set(e, M_ENOMEM, "out of memory");
	p->s = pattern;
	p->len = len;
	p->e = e;
	p->fn = fn;
	p->arg = arg;
	rc = next(p);
	if (rc == 0)
		rc = observation_exprs(p);
	if (rc == 0 && p->t != T_END)
		rc = perr(p, p->at, "end of pattern expected");
	free(p);
	return rc;
}
