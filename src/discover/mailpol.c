/*
 * mailpol.c - SPF (RFC 7208) and DMARC (RFC 7489) record parsers: enough of each to say
 * whether a domain has a usable policy, its "all" qualifier and its DMARC p=/sp=/pct=.
 */
#include "base/compat.h"

#include <ctype.h>
#include <strings.h>

#include "base/ip.h"
#include "discover/discover.h"

const char *disc_pol_state_name(int state)
{
	static const char *const names[] = {"none", "ok", "multiple", "invalid"};

	return state >= 0 && state < (int)ARRAY_SIZE(names) ? names[state] : "invalid";
}

/* A bounded token of the record: [p, p + n). */
struct tok {
	const char *p;
	size_t n;
	size_t off; /* byte offset in the record */
};

static bool tok_ieq(const struct tok *t, const char *s)
{
	return t->n == strlen(s) && strncasecmp(t->p, s, t->n) == 0;
}

/* strcspn over p[0..n) only: records need not be NUL-terminated. */
static size_t cspn(const char *p, size_t n, const char *set)
{
	size_t i = 0;

	while (i < n && !strchr(set, p[i]))
		i++;
	return i;
}

static void copy_tok(char *out, size_t cap, const char *p, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* The first 60 bytes of a token, for a "%.*s" in a message. */
#define TOK(t) (int)((t)->n < 60 ? (t)->n : 60), (t)->p

/* Records why a record is invalid, both in out_err (kept with the result) and in e. */
static int bad(char *out_err, size_t cap, struct merr *e, const char *field, size_t off,
	       const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int bad(char *out_err, size_t cap, struct merr *e, const char *field, size_t off,
	       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out_err, cap, fmt, ap);
	va_end(ap);
	return merr_at(e, M_EPARSE, NULL, -1, (long long)off, field, "%s", out_err);
}

/* ---- SPF ---- */

/* Domain-spec: printable, no spaces (macros like %{i} allowed). */
static bool spf_domain_ok(const char *p, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] <= 0x20 || (unsigned char)p[i] >= 0x7f)
			return false;
	return true;
}

static bool spf_ip_ok(const char *p, size_t n, int family)
{
	char s[80];
	struct cidr c;

	if (n == 0 || n >= sizeof(s))
		return false;
	memcpy(s, p, n);
	s[n] = '\0';
	return cidr_parse(s, false, &c) == 0 && c.addr.family == family;
}

/* One mechanism, without its qualifier: name[:arg][/cidr]. */
static int spf_mechanism(struct disc_spf *o, const struct tok *t, char qual, struct merr *e)
{
	static const struct {
		const char *name;
		bool arg_required, arg_allowed, lookup;
		int family; /* ip4/ip6 */
	} mechs[] = {
	    {"all", false, false, false, 0}, {"include", true, true, true, 0},
	    {"a", false, true, true, 0},     {"mx", false, true, true, 0},
	    {"ptr", false, true, true, 0},   {"ip4", true, true, false, 4},
	    {"ip6", true, true, false, 6},   {"exists", true, true, true, 0},
	};
	struct tok name = {t->p, cspn(t->p, t->n, ":/ \t"), t->off};
	const char *arg = NULL;
	size_t argn = 0;

	if (name.n < t->n && t->p[name.n] == ':') {
		arg = t->p + name.n + 1;
		argn = t->n - name.n - 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(mechs); i++) {
		if (!tok_ieq(&name, mechs[i].name))
			continue;
		if (mechs[i].arg_required && (!arg || argn == 0))
			return bad(o->error, sizeof(o->error), e, "spf", t->off,
				   "'%.*s' needs an argument", TOK(t));
		if (!mechs[i].arg_allowed && name.n != t->n)
			return bad(o->error, sizeof(o->error), e, "spf", t->off,
				   "'%.*s' takes no argument", TOK(t));
		if (mechs[i].family && !spf_ip_ok(arg, argn, mechs[i].family))
			return bad(o->error, sizeof(o->error), e, "spf", t->off,
				   "'%.*s': bad address or prefix", TOK(t));
		if (!mechs[i].family && arg) {
			if (!spf_domain_ok(arg, cspn(arg, argn, "/")))
				return bad(o->error, sizeof(o->error), e, "spf", t->off,
					   "'%.*s': bad domain", TOK(t));
		}
		o->n_lookups += mechs[i].lookup;
		o->n_includes += strcmp(mechs[i].name, "include") == 0;
		if (strcmp(mechs[i].name, "all") == 0 && !o->all[0])
			snprintf(o->all, sizeof(o->all), "%call", qual);
		return 0;
	}
	return bad(o->error, sizeof(o->error), e, "spf", t->off, "unknown mechanism '%.*s'",
		   TOK(t));
}

/* A modifier: name=value. Only redirect= and exp= mean something; others are ignored. */
static int spf_modifier(struct disc_spf *o, const struct tok *t, size_t eq, bool *seen_exp,
			struct merr *e)
{
	struct tok name = {t->p, eq, t->off};
	const char *v = t->p + eq + 1;
	size_t vn = t->n - eq - 1;

	if (tok_ieq(&name, "redirect") || tok_ieq(&name, "exp")) {
		bool redirect = tok_ieq(&name, "redirect");
		if (!spf_domain_ok(v, vn))
			return bad(o->error, sizeof(o->error), e, "spf", t->off,
				   "'%.*s': bad domain", TOK(t));
		if (redirect ? o->redirect[0] != '\0' : *seen_exp)
			return bad(o->error, sizeof(o->error), e, "spf", t->off,
				   "'%.*s' given twice", TOK(t));
		if (redirect)
			copy_tok(o->redirect, sizeof(o->redirect), v, vn);
		else
			*seen_exp = true;
	}
	return 0;
}

static bool is_modifier_name(const char *p, size_t n)
{
	if (n == 0 || !isalpha((unsigned char)p[0]))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && !(p[i] == '-' || p[i] == '_' || p[i] == '.'))
			return false;
	return true;
}

static int spf_term(struct disc_spf *o, const struct tok *t, bool *seen_exp, struct merr *e)
{
	size_t eq = cspn(t->p, t->n, "=:/ \t");
	char qual = '+';
	struct tok m = *t;

	if (eq < t->n && t->p[eq] == '=' && is_modifier_name(t->p, eq))
		return spf_modifier(o, t, eq, seen_exp, e);
	if (strchr("+-~?", t->p[0])) {
		qual = t->p[0];
		m.p++;
		m.n--;
		m.off++;
	}
	if (m.n == 0)
		return bad(o->error, sizeof(o->error), e, "spf", t->off, "lone qualifier '%.*s'",
			   TOK(t));
	return spf_mechanism(o, &m, qual, e);
}

int disc_spf_parse(const char *txt, size_t len, struct disc_spf *out, struct merr *e)
{
	size_t i = 6;
	bool seen_exp = false;

	memset(out, 0, sizeof(*out));
	if (len < 6 || strncasecmp(txt, "v=spf1", 6) != 0 ||
	    (len > 6 && txt[6] != ' ' && txt[6] != '\t'))
		return M_ENOTFOUND;
	out->state = DISC_POL_OK;
	while (i < len) {
		struct tok t;
		int rc;
		while (i < len && (txt[i] == ' ' || txt[i] == '\t'))
			i++;
		if (i == len)
			break;
		t.p = txt + i;
		t.off = i;
		while (i < len && txt[i] != ' ' && txt[i] != '\t')
			i++;
		t.n = (size_t)(txt + i - t.p);
		if (memchr(t.p, '\0', t.n)) {
			rc = bad(out->error, sizeof(out->error), e, "spf", t.off,
				 "NUL byte in term");
		} else {
			rc = spf_term(out, &t, &seen_exp, e);
		}
		if (rc) {
			out->state = DISC_POL_INVALID;
			out->all[0] = out->redirect[0] = '\0';
			return rc;
		}
	}
	if (out->all[0])
		out->redirect[0] = '\0'; /* RFC 7208 6.1: redirect is ignored when all is present */
	else if (out->redirect[0])
		out->n_lookups++;
	return 0;
}

void disc_spf_eval(const char *const *txts, const size_t *lens, size_t n, struct disc_spf *out)
{
	struct disc_spf one;
	size_t found = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		int rc = disc_spf_parse(txts[i], lens[i], &one, NULL);
		if (rc == M_ENOTFOUND)
			continue;
		if (found++ == 0) {
			*out = one;
			out->record = i;
		}
	}
	if (found > 1) {
		memset(out, 0, sizeof(*out));
		out->state = DISC_POL_MULTIPLE;
		snprintf(out->error, sizeof(out->error),
			 "%zu SPF records (RFC 7208 4.5: permerror)", found);
	}
}

/* ---- DMARC ---- */

static bool policy_value(const char *p, size_t n, char out[12])
{
	static const char *const pols[] = {"none", "quarantine", "reject"};

	for (size_t i = 0; i < ARRAY_SIZE(pols); i++) {
		if (n == strlen(pols[i]) && strncasecmp(p, pols[i], n) == 0) {
			snprintf(out, 12, "%s", pols[i]);
			return true;
		}
	}
	return false;
}

static void trim(struct tok *t)
{
	while (t->n && isspace((unsigned char)t->p[0])) {
		t->p++;
		t->n--;
		t->off++;
	}
	while (t->n && isspace((unsigned char)t->p[t->n - 1]))
		t->n--;
}

static int dmarc_pct(struct disc_dmarc *o, const struct tok *t, const char *v, size_t vn,
		     struct merr *e)
{
	int pct = 0;

	if (vn == 0 || vn > 3)
		return bad(o->error, sizeof(o->error), e, "dmarc", t->off,
			   "'%.*s': pct must be 0..100", TOK(t));
	for (size_t i = 0; i < vn; i++) {
		if (!isdigit((unsigned char)v[i]))
			return bad(o->error, sizeof(o->error), e, "dmarc", t->off,
				   "'%.*s': pct must be 0..100", TOK(t));
		pct = pct * 10 + (v[i] - '0');
	}
	if (pct > 100)
		return bad(o->error, sizeof(o->error), e, "dmarc", t->off,
			   "'%.*s': pct must be 0..100", TOK(t));
	o->pct = pct;
	return 0;
}

/* One tag=value of a DMARC record (after the v= tag). */
static int dmarc_tag(struct disc_dmarc *o, const struct tok *t, struct merr *e)
{
	const char *eq = memchr(t->p, '=', t->n);
	struct tok name;
	const char *v;
	size_t vn;

	if (!eq)
		return bad(o->error, sizeof(o->error), e, "dmarc", t->off,
			   "'%.*s': expected tag=value", TOK(t));
	name = (struct tok){t->p, (size_t)(eq - t->p), t->off};
	trim(&name);
	v = eq + 1;
	vn = t->n - (size_t)(eq + 1 - t->p);
	while (vn && isspace((unsigned char)*v)) {
		v++;
		vn--;
	}
	if (tok_ieq(&name, "p") || tok_ieq(&name, "sp")) {
		char *dst = tok_ieq(&name, "p") ? o->p : o->sp;
		if (dst[0])
			return bad(o->error, sizeof(o->error), e, "dmarc", t->off,
				   "'%.*s' given twice", TOK(t));
		if (!policy_value(v, vn, dst))
			return bad(o->error, sizeof(o->error), e, "dmarc", t->off,
				   "'%.*s': policy must be none, quarantine or reject", TOK(t));
	} else if (tok_ieq(&name, "pct")) {
		return dmarc_pct(o, t, v, vn, e);
	} else if (tok_ieq(&name, "rua")) {
		copy_tok(o->rua, sizeof(o->rua), v, vn);
	}
	return 0; /* other tags (ruf, adkim, aspf, fo, rf, ri) do not change the summary */
}

/* The next ';'-separated tag starting at *i, trimmed. */
static struct tok next_tag(const char *txt, size_t len, size_t *i)
{
	struct tok t = {txt + *i, 0, *i};
	const char *semi = memchr(txt + *i, ';', len - *i);

	t.n = semi ? (size_t)(semi - t.p) : len - *i;
	*i += t.n + (semi != NULL);
	trim(&t);
	return t;
}

int disc_dmarc_parse(const char *txt, size_t len, struct disc_dmarc *out, struct merr *e)
{
	size_t i = 0;
	struct tok v;

	memset(out, 0, sizeof(*out));
	out->pct = 100;
	v = next_tag(txt, len, &i);
	{
		const char *eq = memchr(v.p, '=', v.n);
		struct tok name = {v.p, eq ? (size_t)(eq - v.p) : v.n, v.off};
		struct tok val = {eq ? eq + 1 : v.p, eq ? v.n - name.n - 1 : 0, v.off};
		trim(&name);
		trim(&val);
		if (!eq || !tok_ieq(&name, "v") || !tok_ieq(&val, "DMARC1"))
			return M_ENOTFOUND;
	}
	out->state = DISC_POL_OK;
	while (i < len) {
		struct tok t = next_tag(txt, len, &i);
		int rc;
		if (t.n == 0)
			continue;
		rc = memchr(t.p, '\0', t.n)
			 ? bad(out->error, sizeof(out->error), e, "dmarc", t.off, "NUL byte in tag")
			 : dmarc_tag(out, &t, e);
		if (rc) {
			out->state = DISC_POL_INVALID;
			return rc;
		}
	}
	if (!out->p[0]) {
		if (!out->rua[0]) {
			out->state = DISC_POL_INVALID;
			return bad(out->error, sizeof(out->error), e, "dmarc", 0,
				   "no p= policy tag");
		}
		snprintf(out->p, sizeof(out->p), "none"); /* RFC 7489 6.6.3 */
	}
	return 0;
}

void disc_dmarc_eval(const char *const *txts, const size_t *lens, size_t n, struct disc_dmarc *out)
{
	struct disc_dmarc one;
	size_t found = 0;

	memset(out, 0, sizeof(*out));
	out->pct = 100;
	for (size_t i = 0; i < n; i++) {
		int rc = disc_dmarc_parse(txts[i], lens[i], &one, NULL);
		if (rc == M_ENOTFOUND)
			continue;
		if (found++ == 0) {
			*out = one;
			out->record = i;
		}
	}
	if (found > 1) {
		memset(out, 0, sizeof(*out));
		out->pct = 100;
		out->state = DISC_POL_MULTIPLE;
		snprintf(out->error, sizeof(out->error),
			 "%zu DMARC records (RFC 7489 6.6.3: none applies)", found);
	}
}
