/* score.c - IPA-style points (実施している 4, 一部実施 2, 未実施 0, わからない -1, 該当しない
 * excluded) normalised to 0-100 per tier and section, the basic-done flag, evidence selectors
 * against open findings, advice and 要確認 (contradictions). Pure: no store. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/mem.h"
#include "checklist/checklist_int.h"

double cl_normalise(int points, int max)
{
	if (max <= 0)
		return -1;
	if (points < 0)
		points = 0;
	/* one decimal, rounded half up, on integers (no float drift in the table tests) */
	return (double)((points * 1000 + max / 2) / max) / 10.0;
}

static void part_add(struct cl_part *p, enum cl_answer a)
{
	p->n_items++;
	if (a == CL_NA) {
		p->n_na++;
		return;
	}
	p->max += 4;
	p->points += cl_answer_points(a);
	p->n_done += a == CL_DONE;
}

static void part_finish(struct cl_part *p)
{
	p->score = cl_normalise(p->points, p->max);
}

int cl_score_compute(const struct cl_catalogue *c, const struct cl_answers *a, const char *btype,
		     const char *size, struct cl_score *out)
{
	memset(out, 0, sizeof(*out));
	out->section = m_calloc(c->n_sec ? c->n_sec : 1, sizeof(*out->section));
	if (!out->section)
		return M_ENOMEM;
	out->n_section = c->n_sec;
	out->basic_done = true;
	for (size_t i = 0; i < c->n_items; i++) {
		const struct cl_item *it = &c->items[i];
		const struct cl_answer_row *r;
		enum cl_answer v;
		if (!cl_item_applies(it, btype, size))
			continue;
		r = cl_answers_find(a, it->id);
		v = r ? r->answer : CL_UNANSWERED;
		out->n_unanswered += v == CL_UNANSWERED;
		part_add(&out->total, v);
		part_add(&out->tier[it->tier], v);
		part_add(&out->section[it->section], v);
		if (it->tier == CL_BASIC && v != CL_DONE && v != CL_NA)
			out->basic_done = false;
	}
	if (out->tier[CL_BASIC].n_items == 0)
		out->basic_done = false;
	part_finish(&out->total);
	part_finish(&out->tier[0]);
	part_finish(&out->tier[1]);
	for (size_t i = 0; i < c->n_sec; i++)
		part_finish(&out->section[i]);
	return 0;
}

void cl_score_release(struct cl_score *s)
{
	m_free(s->section);
	s->section = NULL;
}

bool cl_evidence_match(const char *sel, const struct cl_finding *f, int64_t now)
{
	size_t n;

	if (!sel || !f->issue_key)
		return false;
	if (strcmp(sel, "kev:overdue") == 0)
		return f->kev && f->deadline > 0 && f->deadline < now;
	n = strlen(sel);
	if (n && sel[n - 1] == '*')
		return strncmp(f->issue_key, sel, n - 1) == 0;
	return strcmp(f->issue_key, sel) == 0;
}

/* ------------------------------------------------------------ evaluation as JSON */

static cJSON *part_json(const struct cl_part *p)
{
	cJSON *o = cJSON_CreateObject();

	if (p->score < 0)
		cJSON_AddNullToObject(o, "score");
	else
		cJSON_AddNumberToObject(o, "score", p->score);
	cJSON_AddNumberToObject(o, "points", p->points);
	cJSON_AddNumberToObject(o, "max", p->max);
	cJSON_AddNumberToObject(o, "items", p->n_items);
	cJSON_AddNumberToObject(o, "done", p->n_done);
	cJSON_AddNumberToObject(o, "na", p->n_na);
	return o;
}

static cJSON *refs_json(const struct cl_item *it)
{
	cJSON *o = cJSON_CreateObject(), *csf = cJSON_AddArrayToObject(o, "csf"),
	      *cpg = cJSON_AddArrayToObject(o, "cpg");

	for (size_t i = 0; i < it->n_csf; i++)
		cJSON_AddItemToArray(csf, cJSON_CreateString(it->csf[i]));
	for (size_t i = 0; i < it->n_cpg; i++)
		cJSON_AddItemToArray(cpg, cJSON_CreateString(it->cpg[i]));
	return o;
}

/* Open findings matching any of the item's evidence selectors, as JSON (NULL when none). */
static cJSON *evidence_json(const struct cl_item *it, const struct cl_finding *f, size_t nf,
			    int64_t now)
{
	cJSON *arr = NULL;

	for (size_t i = 0; i < nf; i++)
		for (size_t k = 0; k < it->n_evidence; k++)
			if (cl_evidence_match(it->evidence[k], &f[i], now)) {
				cJSON *o = cJSON_CreateObject();
				if (!arr)
					arr = cJSON_CreateArray();
				cJSON_AddNumberToObject(o, "finding", (double)f[i].id);
				cJSON_AddStringToObject(o, "issue", f[i].issue_key);
				cJSON_AddStringToObject(o, "title", f[i].title ? f[i].title : "");
				cJSON_AddStringToObject(o, "asset", f[i].asset ? f[i].asset : "");
				cJSON_AddStringToObject(o, "selector", it->evidence[k]);
				cJSON_AddItemToArray(arr, o);
				break;
			}
	return arr;
}

struct gap {
	const struct cl_item *it;
	enum cl_answer a;
	bool contradicted, evidence;
	long rank;
};

static int gap_cmp(const void *x, const void *y)
{
	const struct gap *a = x, *b = y;
	if (a->rank != b->rank)
		return a->rank > b->rank ? -1 : 1;
	return strcmp(a->it->id, b->it->id);
}

/* Advice order: 要確認 first, then basic before advanced, then own ASM evidence, then what
 * the item protects (impact), then how far from done the answer is. */
static long gap_rank(const struct gap *g)
{
	int far = g->a == CL_NOT_DONE ? 3 : g->a == CL_UNKNOWN ? 2 : g->a == CL_UNANSWERED ? 2 : 1;
	return (g->contradicted ? 10000 : 0) + (g->it->tier == CL_BASIC ? 1000 : 0) +
	       (g->evidence ? 100 : 0) + g->it->impact * 10 + far;
}

cJSON *cl_item_json(const struct cl_catalogue *c, const struct cl_item *it)
{
	cJSON *o = cJSON_CreateObject(), *bt = cJSON_CreateArray(), *sz = cJSON_CreateArray(),
	      *g = cJSON_CreateObject();
	size_t nbt;
	const struct cl_btype *t = cl_btypes(&nbt);
	static const char *const sizes[] = {"large", "medium", "small"};

	cJSON_AddStringToObject(o, "id", it->id);
	cJSON_AddStringToObject(o, "section", c->sec[it->section].id);
	cJSON_AddStringToObject(o, "section_ja", c->sec[it->section].ja);
	cJSON_AddStringToObject(o, "tier", it->tier == CL_BASIC ? "basic" : "advanced");
	for (size_t i = 0; i < nbt; i++)
		if (it->btypes & (1u << i))
			cJSON_AddItemToArray(bt, cJSON_CreateString(t[i].code));
	cJSON_AddItemToObject(o, "business_types", bt);
	for (size_t i = 0; i < 3; i++)
		if (it->sizes & (1u << i))
			cJSON_AddItemToArray(sz, cJSON_CreateString(sizes[i]));
	cJSON_AddItemToObject(o, "sizes", sz);
	cJSON_AddStringToObject(o, "impact",
				it->impact == 3	  ? "high"
				: it->impact == 2 ? "medium"
						  : "low");
	cJSON_AddStringToObject(o, "text_ja", it->text_ja);
	cJSON_AddStringToObject(o, "text_en", it->text_en);
	cJSON_AddStringToObject(g, "ja", it->guide_ja);
	cJSON_AddStringToObject(g, "en", it->guide_en);
	cJSON_AddItemToObject(o, "guidance", g);
	cJSON_AddItemToObject(o, "references", refs_json(it));
	if (it->n_evidence) {
		cJSON *ev = cJSON_AddArrayToObject(o, "evidence");
		for (size_t i = 0; i < it->n_evidence; i++)
			cJSON_AddItemToArray(ev, cJSON_CreateString(it->evidence[i]));
	}
	return o;
}

int cl_evaluate_json(const struct cl_catalogue *c, const struct cl_answers *a, const char *btype,
		     const char *size, const struct cl_finding *f, size_t nf, int64_t now,
		     cJSON *out)
{
	struct cl_score sc;
	struct gap *gaps;
	size_t ng = 0;
	cJSON *tiers, *secs, *adv, *con, *items;
	int basic_contradicted = 0;
	int rc = cl_score_compute(c, a, btype, size, &sc);

	if (rc)
		return rc;
	if (!(gaps = m_calloc(c->n_items ? c->n_items : 1, sizeof(*gaps)))) {
		cl_score_release(&sc);
		return M_ENOMEM;
	}
	cJSON_AddStringToObject(out, "catalogue", c->version);
	cJSON_AddItemToObject(out, "total", part_json(&sc.total));
	tiers = cJSON_AddObjectToObject(out, "tiers");
	cJSON_AddItemToObject(tiers, "basic", part_json(&sc.tier[CL_BASIC]));
	cJSON_AddItemToObject(tiers, "advanced", part_json(&sc.tier[CL_ADVANCED]));
	secs = cJSON_AddArrayToObject(out, "sections");
	for (size_t i = 0; i < c->n_sec; i++) {
		cJSON *s;
		if (!sc.section[i].n_items)
			continue;
		s = part_json(&sc.section[i]);
		cJSON_AddStringToObject(s, "id", c->sec[i].id);
		cJSON_AddStringToObject(s, "ja", c->sec[i].ja);
		cJSON_AddStringToObject(s, "en", c->sec[i].en);
		cJSON_AddItemToArray(secs, s);
	}
	con = cJSON_AddArrayToObject(out, "contradictions");
	items = cJSON_AddArrayToObject(out, "items");
	for (size_t i = 0; i < c->n_items; i++) {
		const struct cl_item *it = &c->items[i];
		const struct cl_answer_row *r;
		enum cl_answer v;
		cJSON *ev, *io;
		if (!cl_item_applies(it, btype, size))
			continue;
		r = cl_answers_find(a, it->id);
		v = r ? r->answer : CL_UNANSWERED;
		ev = evidence_json(it, f, nf, now);
		io = cJSON_CreateObject();
		cJSON_AddStringToObject(io, "id", it->id);
		cJSON_AddStringToObject(io, "section", c->sec[it->section].id);
		cJSON_AddStringToObject(io, "tier", it->tier == CL_BASIC ? "basic" : "advanced");
		cJSON_AddStringToObject(io, "answer", cl_answer_code(v));
		cJSON_AddStringToObject(io, "answer_ja", cl_answer_ja(v));
		cJSON_AddStringToObject(io, "answer_en", cl_answer_en(v));
		cJSON_AddStringToObject(io, "text_ja", it->text_ja);
		cJSON_AddStringToObject(io, "text_en", it->text_en);
		if (r && r->comment)
			cJSON_AddStringToObject(io, "comment", r->comment);
		else
			cJSON_AddNullToObject(io, "comment");
		if (v == CL_DONE && ev) {
			cJSON *co = cJSON_CreateObject();
			cJSON_AddStringToObject(io, "status", "要確認");
			cJSON_AddStringToObject(co, "item", it->id);
			cJSON_AddStringToObject(co, "tier",
						it->tier == CL_BASIC ? "basic" : "advanced");
			cJSON_AddStringToObject(co, "answer", cl_answer_code(v));
			cJSON_AddStringToObject(co, "text_ja", it->text_ja);
			cJSON_AddStringToObject(co, "text_en", it->text_en);
			cJSON_AddStringToObject(co, "guidance_ja", it->guide_ja);
			cJSON_AddStringToObject(co, "guidance_en", it->guide_en);
			cJSON_AddItemToObject(co, "findings", cJSON_Duplicate(ev, 1));
			cJSON_AddItemToArray(con, co);
			basic_contradicted += it->tier == CL_BASIC;
		} else {
			cJSON_AddStringToObject(io, "status",
						v == CL_DONE || v == CL_NA ? "ok" : "gap");
		}
		if (ev)
			cJSON_AddItemToObject(io, "evidence", ev);
		cJSON_AddItemToArray(items, io);
		if ((v != CL_DONE && v != CL_NA) || (v == CL_DONE && ev)) {
			struct gap *g = &gaps[ng++];
			g->it = it;
			g->a = v;
			g->contradicted = v == CL_DONE && ev;
			g->evidence = ev != NULL;
			g->rank = gap_rank(g);
		}
	}
	cJSON_AddBoolToObject(out, "basic_done", sc.basic_done && !basic_contradicted);
	/* the basic items answered done that observations contradict: the score counts them as
	 * answered, so a reader must be told why "done" is withheld (score + 要確認 together) */
	cJSON_AddNumberToObject(out, "basic_contradicted", basic_contradicted);
	cJSON_AddNumberToObject(out, "unanswered", sc.n_unanswered);
	qsort(gaps, ng, sizeof(*gaps), gap_cmp);
	adv = cJSON_AddArrayToObject(out, "advice");
	for (size_t i = 0; i < ng && i < CL_ADVICE_MAX; i++) {
		cJSON *o = cJSON_CreateObject();
		const struct cl_item *it = gaps[i].it;
		cJSON_AddNumberToObject(o, "rank", (double)(i + 1));
		cJSON_AddStringToObject(o, "item", it->id);
		cJSON_AddStringToObject(o, "tier", it->tier == CL_BASIC ? "basic" : "advanced");
		cJSON_AddStringToObject(o, "section_ja", c->sec[it->section].ja);
		cJSON_AddStringToObject(o, "section_en", c->sec[it->section].en);
		cJSON_AddStringToObject(o, "answer", cl_answer_code(gaps[i].a));
		cJSON_AddStringToObject(o, "answer_ja", cl_answer_ja(gaps[i].a));
		cJSON_AddStringToObject(o, "answer_en", cl_answer_en(gaps[i].a));
		cJSON_AddStringToObject(o, "impact",
					it->impact == 3	  ? "high"
					: it->impact == 2 ? "medium"
							  : "low");
		cJSON_AddBoolToObject(o, "contradicted", gaps[i].contradicted);
		cJSON_AddBoolToObject(o, "asm_evidence", gaps[i].evidence);
		cJSON_AddStringToObject(o, "text_ja", it->text_ja);
		cJSON_AddStringToObject(o, "text_en", it->text_en);
		cJSON_AddStringToObject(o, "guidance_ja", it->guide_ja);
		cJSON_AddStringToObject(o, "guidance_en", it->guide_en);
		cJSON_AddItemToArray(adv, o);
	}
	m_free(gaps);
	cl_score_release(&sc);
	return 0;
}
