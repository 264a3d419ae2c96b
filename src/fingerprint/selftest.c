/*
 * selftest.c - runs every Recog <example> through the engine, as Recog's own
 * verify does, and also reports examples an earlier fingerprint would claim.
 */
#include "base/compat.h"

#include <time.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/mem.h"
#include "base/utf8.h"
#include "fingerprint/fp_int.h"

#define EXAMPLE_SHOW_MAX 160 /* bytes of an example copied into a failure */

/* A printable copy: non-printable bytes as \xNN, cut at EXAMPLE_SHOW_MAX input bytes. */
static char *printable(const char *s, size_t n)
{
	struct buf b;
	size_t lim = n < EXAMPLE_SHOW_MAX ? n : EXAMPLE_SHOW_MAX;
	int rc = 0;

	buf_init(&b, 8 * EXAMPLE_SHOW_MAX);
	for (size_t i = 0; rc == 0 && i < lim; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\')
			rc = buf_adds(&b, "\\\\");
		else if (c >= 0x20 && c != 0x7f)
			rc = buf_addc(&b, (char)c); /* UTF-8 bytes pass through */
		else
			rc = buf_addf(&b, "\\x%02x", c);
	}
	if (rc == 0 && lim < n)
		rc = buf_adds(&b, "...");
	if (rc) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

static int add_failure(struct fp_selftest_db *t, enum fp_example_status st,
		       const struct fp_fingerprint *fp, const struct fp_example *x, char *reason)
{
	struct fp_example_failure *f;

	if (!reason)
		return M_ENOMEM;
	f = m_realloc(t->failures, (t->n_failures + 1) * sizeof(*f));
	if (!f) {
		m_free(reason);
		return M_ENOMEM;
	}
	t->failures = f;
	f = &t->failures[t->n_failures];
	f->status = st;
	f->description = fp->description;
	f->line = x->line > 0 ? x->line : fp->line;
	f->reason = reason;
	f->example = printable(x->text, x->len);
	if (!f->example) {
		m_free(reason);
		return M_ENOMEM;
	}
	t->n_failures++;
	return 0;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	struct buf b;
	va_list ap;
	int rc;

	buf_init(&b, 2048);
	va_start(ap, f);
	rc = buf_vaddf(&b, f, ap);
	va_end(ap);
	if (rc == M_ETOOBIG)
		rc = 0; /* a cut message is still a message */
	if (rc) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* Why the example does not give its stated params, or NULL when it does. */
static char *param_mismatch(const struct fp_example *x, const struct fp_result *r, bool *oom)
{
	for (size_t i = 0; i < x->n_attrs; i++) {
		const char *v = fp_result_get(r, x->attrs[i].name);
		char *m;
		if (v && strcmp(v, x->attrs[i].value) == 0)
			continue;
		m = fmt("param %s: expected '%s', got %s%s%s", x->attrs[i].name, x->attrs[i].value,
			v ? "'" : "", v ? v : "nothing", v ? "'" : "");
		if (!m)
			*oom = true;
		return m;
	}
	return NULL;
}

struct run {
	const struct fp_db *db;
	const struct fp_database *d;
	pcre2_match_data *md;
	struct fp_result *r;
	struct fp_selftest_db *t;
};

static int check_example(struct run *u, size_t k, const struct fp_example *x)
{
	const struct fp_fingerprint *fp = &u->d->fps[k];
	char *why;
	bool oom = false, utf;
	int rc;

	u->t->n_examples++;
	if (x->load_error || !fp->re) {
		u->t->failed++;
		return add_failure(u->t, FP_EX_FAIL, fp, x,
				   x->load_error
				       ? fmt("%s", x->load_error)
				       : fmt("pattern did not compile: %s",
					     fp->compile_error ? fp->compile_error : "?"));
	}
	utf = utf8_valid(x->text, x->len, NULL);
	rc = fp_match_one(u->db, u->d, fp, k, x->text, x->len, utf, u->md, u->r);
	if (rc != 1) {
		u->t->failed++;
		return add_failure(u->t, FP_EX_FAIL, fp, x,
				   rc == M_ETIMEOUT
				       ? fmt("PCRE2 gave up (match/depth/JIT-stack limit): the "
					     "pattern backtracks catastrophically on this input")
				       : fmt("its pattern does not match"));
	}
	why = param_mismatch(x, u->r, &oom);
	if (oom)
		return M_ENOMEM;
	if (why) {
		u->t->failed++;
		return add_failure(u->t, FP_EX_FAIL, fp, x, why);
	}
	for (size_t j = 0; j < k; j++) {
		const struct fp_fingerprint *e = &u->d->fps[j];
		if (fp_match_one(u->db, u->d, e, j, x->text, x->len, utf, u->md, u->r) == 1) {
			u->t->shadowed++;
			return add_failure(
			    u->t, FP_EX_SHADOWED, fp, x,
			    fmt("earlier fingerprint at line %ld ('%s') matches first", e->line,
				e->description));
		}
	}
	u->t->passed++;
	return 0;
}

static int run_database(struct run *u)
{
	int rc = 0;

	u->t->name = u->d->name;
	for (size_t k = 0; k < u->d->n_fps && rc == 0; k++)
		for (size_t i = 0; i < u->d->fps[k].n_examples && rc == 0; i++)
			rc = check_example(u, k, &u->d->fps[k].examples[i]);
	return rc;
}

void fp_selftest_free(struct fp_selftest *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_dbs; i++) {
		for (size_t k = 0; k < t->dbs[i].n_failures; k++) {
			m_free(t->dbs[i].failures[k].example);
			m_free(t->dbs[i].failures[k].reason);
		}
		m_free(t->dbs[i].failures);
	}
	m_free(t->dbs);
	m_free(t);
}

int fp_selftest_run(const struct fp_db *db, const char *database, struct fp_selftest **out)
{
	struct run u = {.db = db};
	struct fp_selftest *t;
	struct timespec t0, t1;
	long only = database ? fp_db_find(db, database) : -1;
	int rc = 0;

	*out = NULL;
	if (database && only < 0)
		return M_ENOTFOUND;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	t = m_calloc(1, sizeof(*t));
	u.r = m_malloc(sizeof(*u.r));
	u.md = pcre2_match_data_create(db->max_pairs ? db->max_pairs : 1, NULL);
	if (t)
		t->dbs = m_calloc(db->n_dbs ? db->n_dbs : 1, sizeof(*t->dbs));
	if (!t || !t->dbs || !u.r || !u.md)
		rc = M_ENOMEM;
	for (size_t i = 0; rc == 0 && i < db->n_dbs; i++) {
		if (only >= 0 && (size_t)only != i)
			continue;
		u.d = &db->dbs[i];
		u.t = &t->dbs[t->n_dbs++];
		rc = run_database(&u);
	}
	pcre2_match_data_free(u.md);
	m_free(u.r);
	if (rc) {
		fp_selftest_free(t);
		return rc;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	t->seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	*out = t;
	return 0;
}
