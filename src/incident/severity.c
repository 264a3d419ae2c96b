/*
 * severity.c - the NISC 「サイバー攻撃による重要インフラサービス障害等の深刻度評価基準（初版）」:
 * three axes rated 0-4, the overall level is the highest axis (表1, 表3); predicted and final
 * assessments both kept. Beside it an NCISS-style 0-100 score from data/nciss.yaml.
 */
#include "base/compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/buf.h"
#include "base/mem.h"
#include "incident/incident_int.h"

#ifndef MAMORI_REPO_DATA_DIR
#define MAMORI_REPO_DATA_DIR "data"
#endif

/* 表1 深刻度表, wording exactly as NISC gives it (seed 002). */
static const char *const level_names[5] = {"レベル0（なし）", "レベル1（低）", "レベル2（中）",
					   "レベル3（高）", "レベル4（危機）"};
static const char *const level_texts[5] = {
    "サービスの持続性又はサービスに関する安全性に、影響なし",
    "サービスの持続性又はサービスに関する安全性に、ほぼ影響なし",
    "サービスの持続性又はサービスに関する安全性に、一定の影響が発生",
    "サービスの持続性又はサービスに関する安全性に、大きな影響が発生",
    "サービスの持続性又はサービスに関する安全性に、著しく深刻な影響が発生"};

/* The same in English for the /en console and English reports. */
static const char *const level_names_en[5] = {"Level 0 (none)", "Level 1 (low)", "Level 2 (medium)",
					      "Level 3 (high)", "Level 4 (critical)"};
static const char *const level_texts_en[5] = {
    "No impact on service continuity or safety", "Almost no impact on service continuity or safety",
    "Some impact on service continuity or safety", "Large impact on service continuity or safety",
    "Extremely severe impact on service continuity or safety"};

const char *inc_level_name(int level)
{
	return level >= 0 && level <= 4 ? level_names[level] : NULL;
}

const char *inc_level_text(int level)
{
	return level >= 0 && level <= 4 ? level_texts[level] : NULL;
}

const char *inc_level_name_en(int level)
{
	return level >= 0 && level <= 4 ? level_names_en[level] : NULL;
}

const char *inc_level_text_en(int level)
{
	return level >= 0 && level <= 4 ? level_texts_en[level] : NULL;
}

int inc_level_overall(int continuity, int safety, int trust)
{
	int m = continuity;

	if (continuity < 0 || continuity > 4 || safety < 0 || safety > 4 || trust < 0 || trust > 4)
		return -1;
	if (safety > m)
		m = safety;
	if (trust > m)
		m = trust;
	return m;
}

/* ------------------------------------------------------------ NCISS-style score */

static int atoi_safe(const char *s)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);
	return *s && !*end && v >= 0 && v <= 1000000 ? (int)v : -1;
}

const char *inc_nciss_default_path(void)
{
	const char *p = getenv("MAMORI_NCISS");
	return p && *p ? p : MAMORI_REPO_DATA_DIR "/nciss.yaml";
}

#define NC_CATS 16
#define NC_OPTS 24
struct nc_cat {
	char id[48];
	int weight, n;
	char opt[NC_OPTS][64];
	int val[NC_OPTS];
};

static const char *sv(yaml_document_t *d, int i)
{
	yaml_node_t *n = yaml_document_get_node(d, i);
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *get(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
		if (sv(d, p->key) && !strcmp(sv(d, p->key), key))
			return yaml_document_get_node(d, p->value);
	return NULL;
}

static const char *getstr(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	yaml_node_t *n = get(d, m, key);
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int nc_load(const char *path, struct nc_cat *cats, int *ncat, struct merr *e)
{
	yaml_document_t d;
	yaml_node_t *top, *list;
	int rc;

	*ncat = 0;
	if ((rc = inc_yaml_load(path, &d, e)))
		return rc;
	top = yaml_document_get_root_node(&d);
	list = get(&d, top, "categories");
	if (!list || list->type != YAML_SEQUENCE_NODE) {
		rc = merr_at(e, M_EPARSE, path, -1, -1, "categories", "expected a list");
		goto out;
	}
	for (yaml_node_item_t *it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top && *ncat < NC_CATS; it++) {
		yaml_node_t *c = yaml_document_get_node(&d, *it), *opts = get(&d, c, "options");
		struct nc_cat *k = &cats[*ncat];
		const char *id = getstr(&d, c, "id"), *w = getstr(&d, c, "weight");

		memset(k, 0, sizeof(*k));
		if (!id || !w || atoi_safe(w) <= 0 || !opts || opts->type != YAML_SEQUENCE_NODE) {
			rc = merr_at(e, M_EPARSE, path, c ? (long)c->start_mark.line + 1 : -1, -1,
				     "categories", "a category needs id, weight > 0 and options");
			goto out;
		}
		snprintf(k->id, sizeof(k->id), "%s", id);
		k->weight = atoi_safe(w);
		for (yaml_node_item_t *o = opts->data.sequence.items.start;
		     o < opts->data.sequence.items.top && k->n < NC_OPTS; o++) {
			yaml_node_t *on = yaml_document_get_node(&d, *o);
			const char *oid = getstr(&d, on, "id"), *v = getstr(&d, on, "value");
			if (!oid || !v) {
				rc = merr_at(e, M_EPARSE, path,
					     on ? (long)on->start_mark.line + 1 : -1, -1, "options",
					     "an option needs id and value");
				goto out;
			}
			snprintf(k->opt[k->n], sizeof(k->opt[0]), "%s", oid);
			k->val[k->n++] = atoi_safe(v);
		}
		(*ncat)++;
	}
out:
	yaml_document_delete(&d);
	return rc;
}

int inc_nciss_score(const char *path, const char *const *pairs, size_t n, int *score,
		    cJSON **chosen, struct merr *e)
{
	struct nc_cat *cats = m_calloc(NC_CATS, sizeof(*cats));
	int ncat = 0, rc;
	long sum = 0, lo = 0, hi = 0;
	int pick[NC_CATS];

	*score = -1;
	if (chosen)
		*chosen = NULL;
	if (!cats)
		return merr_set(e, M_ENOMEM, "out of memory");
	if ((rc = nc_load(path ? path : inc_nciss_default_path(), cats, &ncat, e)))
		goto out;
	for (int i = 0; i < NC_CATS; i++)
		pick[i] = -1;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(pairs[i], '=');
		int ci = -1, oi = -1;
		if (!eq) {
			rc = merr_set(e, M_EINVAL, "NCISS: expected CATEGORY=OPTION, got '%s'",
				      pairs[i]);
			goto out;
		}
		for (int c = 0; c < ncat; c++)
			if (strlen(cats[c].id) == (size_t)(eq - pairs[i]) &&
			    !strncmp(cats[c].id, pairs[i], (size_t)(eq - pairs[i])))
				ci = c;
		if (ci < 0) {
			rc = merr_set(e, M_EINVAL, "NCISS: unknown category in '%s'", pairs[i]);
			goto out;
		}
		for (int o = 0; o < cats[ci].n; o++)
			if (!strcmp(cats[ci].opt[o], eq + 1))
				oi = o;
		if (oi < 0) {
			rc = merr_set(e, M_EINVAL, "NCISS: unknown option in '%s'", pairs[i]);
			goto out;
		}
		/* several options of one category: the highest counts ({max}) */
		if (pick[ci] < 0 || cats[ci].val[oi] > cats[ci].val[pick[ci]])
			pick[ci] = oi;
	}
	if (chosen)
		*chosen = cJSON_CreateObject();
	for (int c = 0; c < ncat; c++) {
		int mn = cats[c].val[0], mx = cats[c].val[0];
		for (int o = 1; o < cats[c].n; o++) {
			if (cats[c].val[o] < mn)
				mn = cats[c].val[o];
			if (cats[c].val[o] > mx)
				mx = cats[c].val[o];
		}
		lo += (long)cats[c].weight * mn;
		hi += (long)cats[c].weight * mx;
		sum += (long)cats[c].weight * (pick[c] >= 0 ? cats[c].val[pick[c]] : mn);
		if (chosen && *chosen && pick[c] >= 0)
			cJSON_AddStringToObject(*chosen, cats[c].id, cats[c].opt[pick[c]]);
	}
	*score = hi > lo ? (int)((100 * (sum - lo) + (hi - lo) / 2) / (hi - lo)) : 0;
	if (*score < 0)
		*score = 0;
	if (*score > 100)
		*score = 100;
out:
	m_free(cats);
	return rc;
}

/* ------------------------------------------------------------ assessments */

/* The indicator fields (表2) from the latest version's impact and safety sections. */
static cJSON *indicators(struct store *s, int64_t id, struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *out = cJSON_CreateObject(), *doc = NULL;
	int rc = store_prepare(s,
			       "SELECT body FROM incident_versions WHERE incident_id = ? ORDER BY "
			       "seq DESC LIMIT 1",
			       &st, e);
	if (rc || !out) {
		cJSON_Delete(out);
		return NULL;
	}
	stmt_bind_int64(st, 1, id);
	if (stmt_step(st, e) == 1)
		doc = cJSON_Parse(stmt_text(st, 0));
	stmt_finalize(st);
	{
		cJSON *imp = cJSON_GetObjectItemCaseSensitive(doc, "impact");
		cJSON *saf = cJSON_GetObjectItemCaseSensitive(doc, "safety");
		cJSON *c = cJSON_AddObjectToObject(out, "continuity");
		cJSON *sf = cJSON_AddObjectToObject(out, "safety");
		/* 提供支障（範囲・時間・代替性）, 同時多発性 */
		static const char *const ck[] = {"users", "area",	 "routes", "start",
						 "end",	  "alternative", "sites"};
		static const char *const sk[] = {"persons", "damage_yen", "evacuation",
						 "environment", "sites"};
		for (size_t i = 0; i < ARRAY_SIZE(ck); i++) {
			cJSON *v = cJSON_GetObjectItemCaseSensitive(imp, ck[i]);
			if (v)
				cJSON_AddItemToObject(c, ck[i], cJSON_Duplicate(v, true));
		}
		for (size_t i = 0; i < ARRAY_SIZE(sk); i++) {
			cJSON *v = cJSON_GetObjectItemCaseSensitive(saf, sk[i]);
			if (v)
				cJSON_AddItemToObject(sf, sk[i], cJSON_Duplicate(v, true));
		}
	}
	cJSON_Delete(doc);
	return out;
}

int inc_assess(const struct inc_ctx *c, int64_t id, const struct inc_assessment *a, int *level,
	       int *nciss_score, struct merr *e)
{
	struct store_stmt *st = NULL;
	cJSON *ind = NULL, *chosen = NULL;
	char *ind_s = NULL, *nc_s = NULL, org[128], d[256];
	int lv = inc_level_overall(a->continuity, a->safety, a->trust), score = -1, rc;

	*level = -1;
	*nciss_score = -1;
	if (lv < 0)
		return merr_set(e, M_EINVAL, "each axis is a level from 0 to 4 / 各観点は0～4");
	if (a->n_nciss &&
	    (rc = inc_nciss_score(a->nciss_path, a->nciss, a->n_nciss, &score, &chosen, e)))
		return rc;
	if ((rc = store_begin_immediate(c->s, e)))
		goto out;
	if ((rc = inc_org_of_run(c->s, id, c->exercise_run, org, sizeof(org), e)))
		goto fail;
	if (!(ind = indicators(c->s, id, e)) || !(ind_s = cJSON_PrintUnformatted(ind)) ||
	    (chosen && !(nc_s = cJSON_PrintUnformatted(chosen)))) {
		rc = merr_set(e, M_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = store_prepare(c->s,
				"INSERT INTO incident_assessments (incident_id, kind, at, by, "
				"continuity, safety, trust, level, reason_continuity, "
				"reason_safety, reason_trust, indicators, nciss_score, nciss) "
				"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
				&st, e)))
		goto fail;
	stmt_bind_int64(st, 1, id);
	stmt_bind_text(st, 2, a->final ? "final" : "predicted");
	stmt_bind_int64(st, 3, c->now);
	stmt_bind_text(st, 4, c->actor);
	stmt_bind_int64(st, 5, a->continuity);
	stmt_bind_int64(st, 6, a->safety);
	stmt_bind_int64(st, 7, a->trust);
	stmt_bind_int64(st, 8, lv);
	stmt_bind_text(st, 9, a->reason_continuity);
	stmt_bind_text(st, 10, a->reason_safety);
	stmt_bind_text(st, 11, a->reason_trust);
	stmt_bind_text(st, 12, ind_s);
	if (score >= 0)
		stmt_bind_int64(st, 13, score);
	else
		stmt_bind_null(st, 13);
	stmt_bind_text(st, 14, nc_s);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	/* The incident's level: the final assessment once there is one, else the latest
	 * predicted one. */
	if ((rc = store_prepare(c->s,
				"UPDATE incidents SET level = ?, level_kind = ?, updated_at = ? "
				"WHERE id = ? AND (? = 'final' OR level_kind IS NULL OR level_kind "
				"= 'predicted')",
				&st, e)))
		goto fail;
	stmt_bind_int64(st, 1, lv);
	stmt_bind_text(st, 2, a->final ? "final" : "predicted");
	stmt_bind_int64(st, 3, c->now);
	stmt_bind_int64(st, 4, id);
	stmt_bind_text(st, 5, a->final ? "final" : "predicted");
	rc = stmt_step(st, e);
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	snprintf(d, sizeof(d),
		 "{\"kind\":\"%s\",\"continuity\":%d,\"safety\":%d,\"trust\":%d,\"level\":%d,"
		 "\"nciss_score\":%d}",
		 a->final ? "final" : "predicted", a->continuity, a->safety, a->trust, lv, score);
	{
		char obj[48];
		snprintf(obj, sizeof(obj), "incident:%lld", (long long)id);
		if ((rc = inc_event(c, id, 0, "assess", false, d, e)) ||
		    (rc = inc_audit(c, "incident.assess", obj, d, e)))
			goto fail;
	}
	if ((rc = store_commit(c->s, e)))
		goto fail;
	*level = lv;
	*nciss_score = score;
	goto out;
fail:
	store_rollback(c->s);
out:
	cJSON_Delete(ind);
	cJSON_Delete(chosen);
	cJSON_free(ind_s);
	cJSON_free(nc_s);
	return rc;
}
