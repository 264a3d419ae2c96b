/* sector.c - the sector comparison for bureaus and analysts: per business type and size, the
 * score distribution and per-item 実施率 over each operator's newest submitted set per JST
 * quarter, the last four quarters; no group of fewer than CL_K_MIN operators is shown, nor
 * one its business type's total would reveal by subtraction. Cached until a set is saved. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <pthread.h>

#include "base/mem.h"
#include "base/mtime.h"
#include "checklist/checklist_int.h"
#include "inventory/inventory.h"

#define NQ 4
#define NSZ 3
#define NBT 16

static const char *const size_names[NSZ] = {"large", "medium", "small"};

struct gstat {
	int n, basic_done;
	double sum_total, sum_basic, sum_adv;
	int n_total, n_basic, n_adv;
	int hist[10];
	bool shown;
};

struct istat {
	int answered, done, partial; /* answered excludes na */
};

struct comp {
	const struct cl_catalogue *c;
	size_t nbt;
	/* groups: bt * NSZ + size; then NBT totals per bt at NBT*NSZ + bt; overall last */
	struct gstat g[NQ][NBT * NSZ + NBT + 1];
	struct istat *it; /* [NQ][groups][items] */
	char q[NQ][16];
};

#define NG (NBT * NSZ + NBT + 1)
#define G_BT(bt) (NBT * NSZ + (bt))
#define G_ALL (NG - 1)

static struct istat *ist(struct comp *x, int q, int g, size_t i)
{
	return &x->it[((size_t)q * NG + (size_t)g) * x->c->n_items + i];
}

/* ------------------------------------------------------------ what -> filter */

struct codefind {
	const char *what;
	char code[64];
};

static int find_code(const char *code, const char *ja, const char *en, void *arg)
{
	struct codefind *f = arg;
	(void)en;
	if (strcmp(code, f->what) == 0 || (ja && strcmp(ja, f->what) == 0)) {
		snprintf(f->code, sizeof(f->code), "%s", code);
		return 1;
	}
	return 0;
}

/* Resolves what into a sector or business type code. */
static int resolve(struct store *s, const char *what, char sector[64], char btype[64],
		   struct merr *e)
{
	struct codefind f = {what, ""};
	size_t n;
	const struct cl_btype *bt = cl_btypes(&n);
	int rc;

	sector[0] = btype[0] = '\0';
	if (!what || !*what)
		return 0;
	if ((rc = inv_sectors(s, find_code, &f, e)) < 0)
		return rc;
	if (rc == 1) {
		snprintf(sector, 64, "%s", f.code);
		return 0;
	}
	if ((rc = inv_business_types(s, find_code, &f, e)) < 0)
		return rc;
	if (rc == 1) {
		snprintf(btype, 64, "%s", f.code);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(bt[i].ja, what)) {
			snprintf(btype, 64, "%s", bt[i].code);
			return 0;
		}
	return merr_set(e, M_ENOTFOUND, "'%.60s' is neither a sector nor a business type", what);
}

/* ------------------------------------------------------------ aggregation */

static int quarter_of(struct comp *x, const char *q)
{
	for (int i = 0; q && i < NQ; i++)
		if (strcmp(x->q[i], q) == 0)
			return i;
	return -1;
}

static void gadd(struct gstat *g, struct store_stmt *st)
{
	g->n++;
	g->basic_done += stmt_int64(st, 8) != 0;
	if (!stmt_is_null(st, 5)) {
		double v = stmt_double(st, 5);
		int b = (int)(v / 10);
		g->sum_total += v;
		g->n_total++;
		g->hist[b > 9 ? 9 : b < 0 ? 0 : b]++;
	}
	if (!stmt_is_null(st, 6)) {
		g->sum_basic += stmt_double(st, 6);
		g->n_basic++;
	}
	if (!stmt_is_null(st, 7)) {
		g->sum_adv += stmt_double(st, 7);
		g->n_adv++;
	}
}

struct chosen {
	int64_t id;
	int q, bt, sz;
};

/* Item ids sorted for bsearch: millions of answer rows are looked up. */
struct iid {
	const char *id;
	size_t ix;
};

static int cmp_iid(const void *a, const void *b)
{
	return strcmp(((const struct iid *)a)->id, ((const struct iid *)b)->id);
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = ((const struct chosen *)a)->id, y = ((const struct chosen *)b)->id;
	return x < y ? -1 : x > y;
}

/* Binds the two queries' filter: the quarters (?1-?4), the sector (?5) or business type (?6)
 * asked for, and the caller's own sector (?7, a bureau user); "" and NULL bind NULL. */
static void bind_filter(struct store_stmt *st, const struct comp *x, const char *sector,
			const char *btype, const char *only_sector)
{
	for (int i = 0; i < NQ; i++)
		stmt_bind_text(st, i + 1, x->q[i]);
	if (*sector)
		stmt_bind_text(st, 5, sector);
	else
		stmt_bind_null(st, 5);
	if (*btype)
		stmt_bind_text(st, 6, btype);
	else
		stmt_bind_null(st, 6);
	stmt_bind_text(st, 7, only_sector);
}

static int aggregate(struct store *s, struct comp *x, const char *sector, const char *btype,
		     const char *only_sector, struct merr *e)
{
	struct store_stmt *st = NULL;
	struct chosen *ch = NULL;
	size_t nch = 0, cap = 0;
	char prev_org[160] = "", prev_q[16] = "";
	int rc;

	/* newest submitted set per (org, quarter): rows come sorted, the first of a pair wins */
	rc = store_prepare(
	    s,
	    "SELECT id, org_slug, business_type, size_class, quarter, score_total, score_basic, "
	    "score_advanced, basic_done FROM checklist_sets WHERE state = 'submitted' AND quarter "
	    "IN (?1, ?2, ?3, ?4) AND (CAST(?5 AS TEXT) IS NULL OR sector = ?5) AND (CAST(?6 AS "
	    "TEXT) IS NULL OR "
	    "business_type = ?6) AND (CAST(?7 AS TEXT) IS NULL OR sector = ?7) ORDER BY org_slug, "
	    "quarter, "
	    "submitted_at DESC, id DESC",
	    &st, e);
	if (rc)
		return rc;
	bind_filter(st, x, sector, btype, only_sector);
	while ((rc = stmt_step(st, e)) == 1) {
		const char *org = stmt_text(st, 1), *q = stmt_text(st, 4);
		int qi = quarter_of(x, q), bt = cl_btype_index(stmt_text(st, 2)), sz = -1;
		unsigned sb = cl_size_bit(stmt_text(st, 3));
		if (!org || !q || (!strcmp(org, prev_org) && !strcmp(q, prev_q)))
			continue;
		snprintf(prev_org, sizeof(prev_org), "%s", org);
		snprintf(prev_q, sizeof(prev_q), "%s", q);
		if (qi < 0)
			continue;
		sz = sb == CL_SIZE_LARGE    ? 0
		     : sb == CL_SIZE_MEDIUM ? 1
		     : sb == CL_SIZE_SMALL  ? 2
					    : -1;
		gadd(&x->g[qi][G_ALL], st);
		if (bt >= 0) {
			gadd(&x->g[qi][G_BT(bt)], st);
			if (sz >= 0)
				gadd(&x->g[qi][bt * NSZ + sz], st);
		}
		if (nch == cap) {
			void *v = m_realloc(ch, (cap = cap ? cap * 2 : 1024) * sizeof(*ch));
			if (!v) {
				rc = merr_set(e, M_ENOMEM, "out of memory");
				break;
			}
			ch = v;
		}
		ch[nch++] = (struct chosen){stmt_int64(st, 0), qi, bt, sz};
	}
	stmt_finalize(st);
	if (rc < 0) {
		m_free(ch);
		return rc;
	}
	if (nch) /* ch is NULL when no set was chosen: qsort must not see it */
		qsort(ch, nch, sizeof(*ch), cmp_id);
	struct iid *ids = m_calloc(x->c->n_items ? x->c->n_items : 1, sizeof(*ids));
	if (!ids) {
		m_free(ch);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < x->c->n_items; i++)
		ids[i] = (struct iid){x->c->items[i].id, i};
	qsort(ids, x->c->n_items, sizeof(*ids), cmp_iid);
	/* the answers of the chosen sets, walked in set order */
	rc = store_prepare(s,
			   "SELECT a.set_id, a.item_id, a.answer FROM checklist_sets s JOIN "
			   "checklist_answers a ON a.set_id = s.id WHERE s.state = 'submitted' AND "
			   "s.quarter IN (?1, ?2, ?3, ?4) AND (CAST(?5 AS TEXT) IS NULL OR "
			   "s.sector = ?5) AND (CAST(?6 AS TEXT) IS "
			   "NULL OR s.business_type = ?6) AND (CAST(?7 AS TEXT) IS NULL OR "
			   "s.sector = ?7) ORDER BY "
			   "a.set_id",
			   &st, e);
	if (rc) {
		m_free(ch);
		m_free(ids);
		return rc;
	}
	bind_filter(st, x, sector, btype, only_sector);
	{
		size_t k = 0;
		while ((rc = stmt_step(st, e)) == 1) {
			int64_t sid = stmt_int64(st, 0);
			struct iid key = {stmt_text(st, 1), 0}, *hit;
			const char *av = stmt_text(st, 2);
			enum cl_answer a = CL_UNANSWERED;
			size_t ii;
			int gs[3], ng = 0;
			while (k < nch && ch[k].id < sid)
				k++;
			if (k == nch || ch[k].id != sid)
				continue;
			if (!key.id || !av ||
			    !(hit = bsearch(&key, ids, x->c->n_items, sizeof(*ids), cmp_iid)))
				continue;
			ii = hit->ix;
			/* stored codes only: done, partial, not_done, unknown, na */
			a = av[0] == 'd'		   ? CL_DONE
			    : av[0] == 'p'		   ? CL_PARTIAL
			    : av[0] == 'u'		   ? CL_UNKNOWN
			    : av[0] == 'n' && av[1] == 'a' ? CL_NA
							   : CL_NOT_DONE;
			gs[ng++] = G_ALL;
			if (ch[k].bt >= 0) {
				gs[ng++] = G_BT(ch[k].bt);
				if (ch[k].sz >= 0)
					gs[ng++] = ch[k].bt * NSZ + ch[k].sz;
			}
			for (int g = 0; g < ng; g++) {
				struct istat *t = ist(x, ch[k].q, gs[g], ii);
				if (a == CL_NA)
					continue;
				t->answered++;
				t->done += a == CL_DONE;
				t->partial += a == CL_PARTIAL;
			}
		}
	}
	stmt_finalize(st);
	m_free(ch);
	m_free(ids);
	return rc < 0 ? rc : 0;
}

/* k-anonymity: a group under CL_K_MIN operators is withheld, and so is a total whose shown
 * parts would reveal a withheld remainder of 1..K-1 operators by subtraction (the total is
 * withheld rather than a part: the parts stay, and nothing can be subtracted from it). */
static void suppress(struct gstat *const *parts, size_t n, struct gstat *total)
{
	int visible = 0, rem;

	for (size_t i = 0; i < n; i++) {
		parts[i]->shown = parts[i]->n >= CL_K_MIN;
		if (parts[i]->shown)
			visible += parts[i]->n;
	}
	rem = total->n - visible;
	total->shown = total->n >= CL_K_MIN && !(rem > 0 && rem < CL_K_MIN);
}

static cJSON *gjson(struct comp *x, int gi, const char *bt, const char *size)
{
	cJSON *o = cJSON_CreateObject(), *qs, *items;
	size_t nbt;
	const struct cl_btype *t = cl_btypes(&nbt);
	int cur = NQ - 1;

	if (bt) {
		cJSON_AddStringToObject(o, "business_type", bt);
		cJSON_AddStringToObject(o, "business_type_ja", t[cl_btype_index(bt)].ja);
	}
	if (size)
		cJSON_AddStringToObject(o, "size", size);
	cJSON_AddBoolToObject(o, "shown", x->g[cur][gi].shown);
	if (x->g[cur][gi].shown)
		cJSON_AddNumberToObject(o, "operators", x->g[cur][gi].n);
	qs = cJSON_AddArrayToObject(o, "quarters");
	for (int q = 0; q < NQ; q++) {
		struct gstat *g = &x->g[q][gi];
		cJSON *qo = cJSON_CreateObject();
		cJSON_AddStringToObject(qo, "quarter", x->q[q]);
		cJSON_AddBoolToObject(qo, "shown", g->shown);
		if (g->shown) {
			cJSON *h = cJSON_AddArrayToObject(qo, "distribution");
			cJSON_AddNumberToObject(qo, "operators", g->n);
			cJSON_AddNumberToObject(
			    qo, "mean_total",
			    g->n_total ? (double)(long)(g->sum_total / g->n_total * 10 + 0.5) / 10
				       : 0);
			cJSON_AddNumberToObject(
			    qo, "mean_basic",
			    g->n_basic ? (double)(long)(g->sum_basic / g->n_basic * 10 + 0.5) / 10
				       : 0);
			cJSON_AddNumberToObject(
			    qo, "mean_advanced",
			    g->n_adv ? (double)(long)(g->sum_adv / g->n_adv * 10 + 0.5) / 10 : 0);
			cJSON_AddNumberToObject(
			    qo, "basic_done_rate",
			    (double)(long)(1000.0 * g->basic_done / g->n + 0.5) / 10);
			for (int b = 0; b < 10; b++)
				cJSON_AddItemToArray(h, cJSON_CreateNumber(g->hist[b]));
		}
		cJSON_AddItemToArray(qs, qo);
	}
	items = cJSON_AddArrayToObject(o, "items");
	if (x->g[cur][gi].shown)
		for (size_t i = 0; i < x->c->n_items; i++) {
			struct istat *a = ist(x, cur, gi, i), *p = ist(x, cur - 1, gi, i);
			cJSON *io;
			if (!a->answered && !p->answered)
				continue;
			io = cJSON_CreateObject();
			cJSON_AddStringToObject(io, "item", x->c->items[i].id);
			cJSON_AddStringToObject(
			    io, "tier", x->c->items[i].tier == CL_BASIC ? "basic" : "advanced");
			/* a rate over fewer than K answers (na excluded) is withheld too */
			if (a->answered >= CL_K_MIN)
				cJSON_AddNumberToObject(
				    io, "rate",
				    (double)(long)(1000.0 * a->done / a->answered + 0.5) / 10);
			else
				cJSON_AddNullToObject(io, "rate");
			if (x->g[cur - 1][gi].shown && p->answered >= CL_K_MIN)
				cJSON_AddNumberToObject(
				    io, "rate_prev",
				    (double)(long)(1000.0 * p->done / p->answered + 0.5) / 10);
			else
				cJSON_AddNullToObject(io, "rate_prev");
			cJSON_AddItemToArray(items, io);
		}
	return o;
}

static int compute(struct store *s, const char *what, const char *only_sector, int64_t now,
		   cJSON **out, struct merr *e)
{
	char sector[64], btype[64];
	struct comp *x;
	size_t nbt;
	const struct cl_btype *t = cl_btypes(&nbt);
	cJSON *o, *groups, *bts;
	int rc;

	if ((rc = resolve(s, what, sector, btype, e)))
		return rc;
	if (only_sector && *sector && strcmp(sector, only_sector))
		return merr_set(e, M_ENOTFOUND, "no such sector among yours");
	if (!(x = m_calloc(1, sizeof(*x))))
		return merr_set(e, M_ENOMEM, "out of memory");
	if ((rc = cl_catalogue_get(NULL, NULL, &x->c, e))) {
		m_free(x);
		return rc;
	}
	x->nbt = nbt;
	time_quarter(now, x->q[NQ - 1]);
	for (int i = NQ - 1; i > 0; i--)
		time_quarter_prev(x->q[i], x->q[i - 1]);
	if (!(x->it = m_calloc((size_t)NQ * NG * (x->c->n_items ? x->c->n_items : 1),
			       sizeof(*x->it)))) {
		m_free(x);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	if ((rc = aggregate(s, x, sector, btype, only_sector, e))) {
		m_free(x->it);
		m_free(x);
		return rc;
	}
	for (int q = 0; q < NQ; q++) {
		struct gstat *bt_tot[NBT];
		for (size_t b = 0; b < nbt; b++) {
			struct gstat *parts[NSZ] = {&x->g[q][b * NSZ], &x->g[q][b * NSZ + 1],
						    &x->g[q][b * NSZ + 2]};
			suppress(parts, NSZ, &x->g[q][G_BT(b)]);
			bt_tot[b] = &x->g[q][G_BT(b)];
		}
		/* the overall total against what is visible of each business type: its total
		 * when shown, else its shown size groups */
		{
			struct gstat *all = &x->g[q][G_ALL];
			int visible = 0, rem;
			for (size_t b = 0; b < nbt; b++) {
				if (bt_tot[b]->shown)
					visible += bt_tot[b]->n;
				else
					for (int z = 0; z < NSZ; z++)
						visible += x->g[q][b * NSZ + z].shown
							       ? x->g[q][b * NSZ + z].n
							       : 0;
			}
			rem = all->n - visible;
			all->shown = all->n >= CL_K_MIN && !(rem > 0 && rem < CL_K_MIN);
		}
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "what", what ? what : "");
	if (*sector)
		cJSON_AddStringToObject(o, "sector", sector);
	if (*btype)
		cJSON_AddStringToObject(o, "business_type", btype);
	cJSON_AddNumberToObject(o, "k", CL_K_MIN);
	cJSON_AddStringToObject(o, "catalogue", x->c->version);
	cJSON_AddStringToObject(o, "quarter", x->q[NQ - 1]);
	{
		cJSON *qs = cJSON_AddArrayToObject(o, "quarters");
		for (int q = 0; q < NQ; q++)
			cJSON_AddItemToArray(qs, cJSON_CreateString(x->q[q]));
	}
	cJSON_AddItemToObject(o, "overall", gjson(x, G_ALL, NULL, NULL));
	bts = cJSON_AddArrayToObject(o, "business_types");
	groups = cJSON_AddArrayToObject(o, "groups");
	for (size_t b = 0; b < nbt; b++) {
		bool any = false;
		for (int q = 0; q < NQ; q++)
			any |= x->g[q][G_BT(b)].n > 0;
		if (!any)
			continue;
		cJSON_AddItemToArray(bts, gjson(x, G_BT((int)b), t[b].code, NULL));
		for (int z = 0; z < NSZ; z++) {
			bool anyz = false;
			for (int q = 0; q < NQ; q++)
				anyz |= x->g[q][b * NSZ + z].n > 0;
			if (anyz)
				cJSON_AddItemToArray(
				    groups, gjson(x, (int)b * NSZ + z, t[b].code, size_names[z]));
		}
	}
	m_free(x->it);
	m_free(x);
	*out = o;
	return 0;
}

/* ------------------------------------------------------------ cache */

/* A computed comparison, shared read-only by every request that asks for it: counted
 * references, freed when replaced and no longer used. */
struct cl_sector_ref {
	char key[160];
	int64_t gen;
	cJSON *v;
	char *text; /* compact JSON, printed on first use */
	size_t len;
	int refs;
	bool dead;
	bool refreshing; /* a newer generation is being computed: serve this one meanwhile */
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct cl_sector_ref *sc_cache[32];
static size_t sc_next;

static void ref_free(struct cl_sector_ref *x)
{
	cJSON_Delete(x->v);
	cJSON_free(x->text);
	m_free(x);
}

/* Drops slot i (caller holds the mutex). */
static void drop(size_t i)
{
	struct cl_sector_ref *x = sc_cache[i];
	sc_cache[i] = NULL;
	if (!x)
		return;
	x->dead = true;
	if (x->refs == 0)
		ref_free(x);
}

void cl_sector_cache_clear(void)
{
	pthread_mutex_lock(&cache_mu);
	for (size_t i = 0; i < ARRAY_SIZE(sc_cache); i++)
		drop(i);
	pthread_mutex_unlock(&cache_mu);
}

const char *cl_sector_ref_key(const struct cl_sector_ref *x, char *out, size_t cap)
{
	snprintf(out, cap, "%s#%lld", x->key, (long long)x->gen);
	return out;
}

void cl_sector_put(struct cl_sector_ref *x)
{
	if (!x)
		return;
	pthread_mutex_lock(&cache_mu);
	if (--x->refs == 0 && x->dead)
		ref_free(x);
	pthread_mutex_unlock(&cache_mu);
}

const char *cl_sector_text(struct cl_sector_ref *x, size_t *len)
{
	const char *t;

	pthread_mutex_lock(&cache_mu);
	if (!x->text && (x->text = cJSON_PrintUnformatted(x->v)))
		x->len = strlen(x->text);
	t = x->text;
	*len = x->len;
	pthread_mutex_unlock(&cache_mu);
	return t;
}

int cl_sector_get(struct store *s, const char *what, const char *only_sector, int64_t now,
		  const cJSON **out, struct cl_sector_ref **ref, struct merr *e)
{
	char key[160], q[16];
	int64_t gen = 0;
	struct cl_sector_ref *x = NULL;
	cJSON *v = NULL;
	int rc;

	*out = NULL;
	*ref = NULL;
	/* the newest set id: any save changes it (rowid max: one index step) */
	if ((rc = store_query_int(s, "SELECT max(id) FROM checklist_sets", &gen, e)))
		return rc;
	time_quarter(now, q);
	snprintf(key, sizeof(key), "%s|%s|%s", what ? what : "", only_sector ? only_sector : "", q);
	pthread_mutex_lock(&cache_mu);
	for (size_t i = 0; i < ARRAY_SIZE(sc_cache) && !x; i++) {
		struct cl_sector_ref *c = sc_cache[i];
		if (!c || strcmp(c->key, key))
			continue;
		/* the current generation; or, while one request computes the new one, the previous
		 * (stale while revalidating: a submission does not make every reader compute) */
		if (c->gen == gen || c->refreshing) {
			x = c;
			x->refs++;
		} else {
			c->refreshing = true;
		}
	}
	pthread_mutex_unlock(&cache_mu);
	if (!x) {
		if ((rc = compute(s, what, only_sector, now, &v, e))) {
			pthread_mutex_lock(&cache_mu);
			for (size_t i = 0; i < ARRAY_SIZE(sc_cache); i++)
				if (sc_cache[i] && !strcmp(sc_cache[i]->key, key))
					sc_cache[i]->refreshing = false;
			pthread_mutex_unlock(&cache_mu);
			return rc;
		}
		if (!(x = m_calloc(1, sizeof(*x)))) {
			cJSON_Delete(v);
			return merr_set(e, M_ENOMEM, "out of memory");
		}
		snprintf(x->key, sizeof(x->key), "%s", key);
		x->gen = gen;
		x->v = v;
		x->refs = 1;
		pthread_mutex_lock(&cache_mu);
		{
			size_t slot = ARRAY_SIZE(sc_cache);
			for (size_t i = 0; i < ARRAY_SIZE(sc_cache); i++)
				if (sc_cache[i] && !strcmp(sc_cache[i]->key, key))
					slot = i; /* an older generation of the same key */
			if (slot == ARRAY_SIZE(sc_cache))
				slot = sc_next++ % ARRAY_SIZE(sc_cache);
			drop(slot);
			sc_cache[slot] = x;
		}
		pthread_mutex_unlock(&cache_mu);
	}
	*out = x->v;
	*ref = x;
	return 0;
}

int cl_sector_json(struct store *s, const char *what, const char *only_sector, int64_t now,
		   cJSON **out, struct merr *e)
{
	const cJSON *v;
	struct cl_sector_ref *x;
	int rc = cl_sector_get(s, what, only_sector, now, &v, &x, e);

	*out = NULL;
	if (rc)
		return rc;
	*out = cJSON_Duplicate(v, 1);
	cl_sector_put(x);
	return *out ? 0 : merr_set(e, M_ENOMEM, "out of memory");
}
