/*
 * recog_regex.c - Recog patterns are Ruby (Onigmo) regexes; this turns them into
 * PCRE2 patterns with the same meaning and compiles them once, with JIT.
 */
#include "base/compat.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "fingerprint/fp_int.h"

/*
 * Where Ruby and PCRE2 differ (docs/FINGERPRINTS.md has the full list):
 *  - Ruby's ^ and $ always match at line starts/ends: PCRE2_MULTILINE always.
 *  - Ruby's /m and (?m) mean "dot matches newline": PCRE2_DOTALL and (?s).
 *  - Ruby's \h is a hex digit (PCRE2: horizontal space); \v is VT only
 *    (PCRE2: any vertical space); {,n} means {0,n}.
 *  - With named groups Ruby stops numbering plain groups: PCRE2_NO_AUTO_CAPTURE.
 *  - Ruby's nested classes and && set operations have no PCRE2 form: reported.
 */

struct xlate {
	const char *p;
	size_t i;
	struct buf *out;
	bool needs_utf; /* byte and UTF-8 mode would match differently */
	bool named;
	bool in_class;
	char *why;
	size_t why_cap;
};

static int unsupported(struct xlate *x, const char *what)
{
	snprintf(x->why, x->why_cap, "Ruby construct %s at offset %zu has no PCRE2 form", what,
		 x->i);
	return M_EUNSUPPORTED;
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A backslash escape at x->i; appends its PCRE2 form and advances. */
static int xlate_escape(struct xlate *x)
{
	const char *p = x->p + x->i;
	char n = p[1];

	if (n == '\0')
		return unsupported(x, "trailing backslash");
	x->i += 2;
	if (strchr("SWDHXRN", n))
		x->needs_utf = true; /* these match one character, not one byte */
	switch (n) {
	case 'h': return buf_adds(x->out, x->in_class ? "0-9a-fA-F" : "[0-9a-fA-F]");
	case 'H':
		if (x->in_class)
			return unsupported(x, "\\H inside a class");
		return buf_adds(x->out, "[^0-9a-fA-F]");
	case 'v': return buf_adds(x->out, "\\x0b");
	case 'u':
		if (is_hex(p[2]) && is_hex(p[3]) && is_hex(p[4]) && is_hex(p[5])) {
			x->needs_utf = true;
			x->i += 4;
			return buf_addf(x->out, "\\x{%.4s}", p + 2);
		}
		return unsupported(x, "\\u without four hex digits");
	default: return buf_add(x->out, p, 2);
	}
}

/* "(?imx-imx)" or "(?imx-imx:": Ruby's m is PCRE2's s. Other (? forms are copied. */
static int xlate_group_open(struct xlate *x)
{
	const char *p = x->p + x->i;
	size_t k = 2;

	if (p[2] == '<' && p[3] != '=' && p[3] != '!')
		x->named = true;
	if (p[2] == '\'')
		x->named = true;
	while (p[k] == 'i' || p[k] == 'm' || p[k] == 'x' || p[k] == '-')
		k++;
	if (k == 2 || (p[k] != ')' && p[k] != ':')) {
		x->i += 2;
		return buf_add(x->out, p, 2);
	}
	for (size_t j = 0; j < k; j++) {
		int rc = buf_addc(x->out, p[j] == 'm' && j >= 2 ? 's' : p[j]);
		if (rc)
			return rc;
	}
	x->i += k;
	return 0;
}

static int xlate_class_char(struct xlate *x)
{
	const char *p = x->p + x->i;

	if (p[0] == '[' && p[1] == ':') {
		const char *end = strstr(p + 2, ":]");
		if (!end)
			return unsupported(x, "unterminated POSIX class");
		x->i += (size_t)(end + 2 - p);
		return buf_add(x->out, p, (size_t)(end + 2 - p));
	}
	if (p[0] == '[')
		return unsupported(x, "nested character class");
	if (p[0] == '&' && p[1] == '&')
		return unsupported(x, "class intersection &&");
	if (p[0] == ']')
		x->in_class = false;
	if ((unsigned char)p[0] >= 0x80)
		x->needs_utf = true;
	x->i++;
	return buf_addc(x->out, p[0]);
}

static int xlate_char(struct xlate *x)
{
	const char *p = x->p + x->i;

	if (p[0] == '\\')
		return xlate_escape(x);
	if (x->in_class)
		return xlate_class_char(x);
	if (p[0] == '(' && p[1] == '?')
		return xlate_group_open(x);
	if (p[0] == '{' && p[1] == ',') { /* Ruby {,n} is {0,n} */
		x->i++;
		return buf_adds(x->out, "{0");
	}
	if (p[0] == '.')
		x->needs_utf = true;
	if (p[0] == '[') {
		size_t k = 1;
		x->in_class = true;
		if (p[k] == '^') {
			x->needs_utf = true;
			k++;
		}
		if (p[k] == ']') /* a leading ] is literal in both */
			k++;
		x->i += k;
		return buf_add(x->out, p, k);
	}
	if ((unsigned char)p[0] >= 0x80)
		x->needs_utf = true;
	x->i++;
	return buf_addc(x->out, p[0]);
}

int fp_regex_translate(const char *pattern, char *out, size_t cap, uint32_t *opts,
		       bool *char_sensitive, char *why, size_t why_cap)
{
	struct buf b;
	struct xlate x = {.p = pattern, .out = &b, .why = why, .why_cap = why_cap};
	int rc = 0;

	buf_init(&b, cap);
	while (rc == 0 && pattern[x.i])
		rc = xlate_char(&x);
	if (rc == 0 && x.in_class)
		rc = unsupported(&x, "unterminated character class");
	if (rc == M_ETOOBIG || rc == M_ENOMEM)
		snprintf(why, why_cap, "pattern too long to translate");
	if (rc == 0) {
		memcpy(out, buf_str(&b), b.len + 1);
		if (char_sensitive)
			*char_sensitive = x.needs_utf;
		if (opts && x.named)
			*opts |= PCRE2_NO_AUTO_CAPTURE;
	}
	buf_release(&b);
	return rc;
}

/* XML flags attribute to PCRE2 options; Recog's RegexpFactory FLAG_MAP. */
static int flags_to_options(const char *flags, uint32_t *opts, char *why, size_t why_cap)
{
	static const struct {
		const char *name;
		uint32_t opt;
	} map[] = {
	    {"REG_DOT_NEWLINE", PCRE2_DOTALL},
	    {"REG_LINE_ANY_CRLF", PCRE2_DOTALL},
	    {"REG_MULTILINE", PCRE2_DOTALL}, /* Ruby Regexp::MULTILINE = dot matches \n */
	    {"REG_ICASE", PCRE2_CASELESS},
	};
	const char *s = flags;

	while (s && *s) {
		size_t n = strcspn(s, ","), k;
		while (n > 0 && s[0] == ' ') {
			s++;
			n--;
		}
		for (k = 0; k < ARRAY_SIZE(map); k++)
			if (strlen(map[k].name) == n && memcmp(map[k].name, s, n) == 0)
				break;
		if (n > 0 && k == ARRAY_SIZE(map)) {
			snprintf(why, why_cap, "unsupported flag '%.*s'", (int)n, s);
			return M_EUNSUPPORTED;
		}
		if (n > 0)
			*opts |= map[k].opt;
		s += n;
		if (*s == ',')
			s++;
	}
	return 0;
}

int fp_regex_compile(const char *pattern, const char *flags, bool utf, pcre2_code **out,
		     bool *char_sensitive, char *why, size_t why_cap)
{
	size_t cap = strlen(pattern) * 4 + 64;
	char *pat = m_malloc(cap);
	uint32_t opts = PCRE2_MULTILINE;
	int rc, errcode;
	PCRE2_SIZE erroff;
	pcre2_compile_context *cc = NULL;

	*out = NULL;
	if (!pat)
		return M_ENOMEM;
	rc = flags_to_options(flags, &opts, why, why_cap);
	if (rc == 0)
		rc = fp_regex_translate(pattern, pat, cap, &opts, char_sensitive, why, why_cap);
	if (rc)
		goto out;
	if (utf)
		opts |= PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
	cc = pcre2_compile_context_create(NULL);
	if (!cc) {
		rc = M_ENOMEM;
		goto out;
	}
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	*out = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, opts, &errcode, &erroff, cc);
	if (!*out) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(errcode, msg, sizeof(msg));
		snprintf(why, why_cap, "PCRE2: %s at offset %zu", (const char *)msg,
			 (size_t)erroff);
		rc = M_EPARSE;
		goto out;
	}
	/* JIT is an optimisation: when it is unavailable the interpreter runs. */
	(void)pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
out:
	pcre2_compile_context_free(cc);
	m_free(pat);
	return rc;
}
