/* rating.c - the deduction table and the arithmetic: each open finding costs its category's
 * points times its factors, categories share caps, and the sum is exactly 100 - score. */
#include "base/compat.h"

#include "base/mem.h"
#include "rating/rating.h"

/* Weights in tenths of a point; reasons in docs/RATING.md. KEV first (exploited now),
 * then CVSS bands as CyHy's severities, then exposure classes, then hygiene. */
static const struct rating_category categories[] = {
    {"vuln_kev", 250, "kev", "既知の悪用された脆弱性 (KEV)", "known exploited vulnerability (KEV)"},
    {"vuln_critical", 100, "vuln", "緊急の脆弱性 (CVSS 9.0 以上)",
     "critical vulnerability (CVSS >= 9.0)"},
    {"vuln_high", 50, "vuln", "重要な脆弱性 (CVSS 7.0-8.9)", "high vulnerability (CVSS 7.0-8.9)"},
    {"vuln_medium", 20, "vuln_low", "警告の脆弱性 (CVSS 4.0-6.9)",
     "medium vulnerability (CVSS 4.0-6.9)"},
    {"vuln_low", 5, "vuln_low", "注意の脆弱性 (CVSS 4.0 未満)", "low vulnerability (CVSS < 4.0)"},
    {"risky_critical", 150, "risky", "危険なサービスの公開 (制御系・SMB)",
     "risky exposed service (OT, SMB)"},
    {"risky_high", 80, "risky", "危険なサービスの公開 (遠隔管理・DB)",
     "risky exposed service (remote admin, databases)"},
    {"risky_medium", 30, "risky", "平文サービスの公開 (FTP 等)",
     "cleartext service exposed (FTP ...)"},
    {"risky_low", 10, "risky", "注意すべきサービスの公開", "exposed service to review"},
    {"tls_high", 50, "tls", "TLS/証明書の重大な不備", "serious TLS/certificate problem"},
    {"tls_medium", 30, "tls", "TLS/証明書の不備", "TLS/certificate problem"},
    {"tls_low", 10, "tls", "TLS の軽微な不備", "minor TLS problem"},
    {"email_high", 50, "email", "メール送信ドメイン認証の重大な不備",
     "serious e-mail authentication gap"},
    {"email_medium", 30, "email", "メール送信ドメイン認証の不備", "e-mail authentication gap"},
    {"email_low", 10, "email", "メール送信ドメイン認証の弱い設定",
     "weak e-mail authentication setting"},
};

/* A group's findings together never cost more than its cap, so one noisy class (200 TLS
 * findings on a hosting range) cannot hide the rest; KEV alone can take 60 points. */
static const struct rating_cap caps[] = {
    {"kev", 600}, {"vuln", 400}, {"vuln_low", 100}, {"risky", 400}, {"tls", 150}, {"email", 100},
};

const struct rating_category *rating_categories(size_t *n)
{
	*n = ARRAY_SIZE(categories);
	return categories;
}

const struct rating_cap *rating_caps(size_t *n)
{
	*n = ARRAY_SIZE(caps);
	return caps;
}

static const struct rating_category *category_named(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(categories); i++)
		if (!strcmp(categories[i].id, id))
			return &categories[i];
	return NULL;
}

static int cap_of(const char *group)
{
	for (size_t i = 0; i < ARRAY_SIZE(caps); i++)
		if (!strcmp(caps[i].group, group))
			return caps[i].cap;
	return RATING_FULL;
}

/* The category of an item: vulnerabilities by KEV then severity, the others by kind. */
static const struct rating_category *classify(const struct rating_item *it)
{
	char id[32];
	const char *sev = it->severity ? it->severity : "low";
	bool vuln = !strcmp(it->kind, "vulnerability") || !strcmp(it->kind, "declared");

	if (vuln && it->kev)
		return category_named("vuln_kev");
	if (!strcmp(sev, "info"))
		return NULL;
	if (vuln)
		snprintf(id, sizeof(id), "vuln_%s", sev);
	else if (!strcmp(it->kind, "risky_service"))
		snprintf(id, sizeof(id), "risky_%s", sev);
	else
		snprintf(id, sizeof(id), "%s_%s", it->kind,
			 !strcmp(sev, "critical") ? "high" : sev);
	return category_named(id);
}

static void add_factor(char *buf, size_t cap, const char *what)
{
	size_t len = strlen(buf);
	snprintf(buf + len, cap - len, "%s%s", len ? ", " : "", what);
}

/* Tenths after factors, rounded half up; writes the factors applied. */
static int full_points(const struct rating_category *c, const struct rating_item *it, int64_t now,
		       char *factors, size_t cap)
{
	long long v = c->base, div = 1;

	factors[0] = '\0';
	if (it->needs_confirmation) {
		v *= RATING_F_NEEDS_CONFIRMATION, div *= 100;
		add_factor(factors, cap, "要確認 needs confirmation x0.4");
	}
	if (!strcmp(it->kind, "declared")) {
		v *= RATING_F_DECLARED, div *= 100;
		add_factor(factors, cap, "declared only x0.5");
	}
	if (it->deadline && now > it->deadline) {
		v *= RATING_F_OVERDUE, div *= 100;
		add_factor(factors, cap, "期限超過 overdue x1.5");
	}
	return (int)((v * 2 + div) / (div * 2));
}

static int cmp_deduction(const void *a, const void *b)
{
	const struct rating_deduction *x = a, *y = b;
	if (x->full != y->full)
		return x->full > y->full ? -1 : 1;
	return x->finding_id < y->finding_id ? -1 : x->finding_id > y->finding_id;
}

static int cmp_applied(const void *a, const void *b)
{
	const struct rating_deduction *x = a, *y = b;
	if (x->applied != y->applied)
		return x->applied > y->applied ? -1 : 1;
	return cmp_deduction(a, b);
}

/* Spends each group's cap, then the total, on the largest deductions first. */
static int allocate(struct rating_deduction *d, size_t n)
{
	struct {
		const char *group;
		int used;
	} used[ARRAY_SIZE(caps) + 1] = {{0}};
	size_t n_used = 0;
	int total = 0;

	if (n == 0)
		return 0; /* d may be NULL: qsort must not see it */
	qsort(d, n, sizeof(*d), cmp_deduction);
	for (size_t i = 0; i < n; i++) {
		const char *g = category_named(d[i].category)->cap_group;
		size_t k = 0;
		int room;
		while (k < n_used && strcmp(used[k].group, g))
			k++;
		if (k == n_used && n_used < ARRAY_SIZE(used))
			used[n_used++].group = g;
		room = cap_of(g) - used[k].used;
		if (RATING_FULL - total < room)
			room = RATING_FULL - total;
		d[i].applied = d[i].full < room ? d[i].full : (room > 0 ? room : 0);
		used[k].used += d[i].applied;
		total += d[i].applied;
	}
	qsort(d, n, sizeof(*d), cmp_applied);
	return total;
}

char rating_grade_for(double score)
{
	static const struct {
		double min;
		char g;
	} bands[] = {{90, 'A'}, {80, 'B'}, {70, 'C'}, {60, 'D'}};
	for (size_t i = 0; i < ARRAY_SIZE(bands); i++)
		if (score >= bands[i].min - 1e-9)
			return bands[i].g;
	return 'F';
}

static double grade_floor(char g)
{
	switch (g) {
	case 'A': return 90;
	case 'B': return 80;
	case 'C': return 70;
	case 'D': return 60;
	default: return 0;
	}
}

char rating_stable_grade(double score, char prev, double margin)
{
	char up;

	if (!prev)
		return rating_grade_for(score);
	up = rating_grade_for(score - margin); /* best grade cleared by the margin */
	if (up < prev)			       /* 'A' < 'B': better */
		return up;
	if (score >= grade_floor(prev) - margin - 1e-9)
		return prev;
	return rating_grade_for(score + margin); /* fell through the band by the margin */
}

void rating_result_release(struct rating_result *r)
{
	m_free(r->d);
	r->d = NULL;
	r->n_d = 0;
}

int rating_compute_items(const struct rating_item *items, size_t n, int64_t now,
			 struct rating_result *out, struct merr *e)
{
	size_t k = 0;

	out->assessed = true; /* the arithmetic assumes an assessment; rating_compute checks */
	out->d = n ? m_calloc(n, sizeof(*out->d)) : NULL;
	if (n && !out->d)
		return merr_set(e, M_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		const struct rating_category *c = classify(&items[i]);
		struct rating_deduction *d = &out->d[k];
		if (!c)
			continue;
		d->finding_id = items[i].finding_id;
		d->category = c->id;
		d->full = full_points(c, &items[i], now, d->factors, sizeof(d->factors));
		snprintf(d->title, sizeof(d->title), "%s", items[i].title ? items[i].title : "");
		snprintf(d->asset, sizeof(d->asset), "%s", items[i].asset ? items[i].asset : "");
		k++;
	}
	out->n_d = k;
	out->lost = allocate(out->d, k);
	out->score = (RATING_FULL - out->lost) / 10.0;
	out->raw_grade = out->grade = rating_grade_for(out->score);
	return 0;
}
