/*
 * scenario.c - the exercise scenario file: YAML read with libyaml's document API so every
 * error names its line ("FILE:LINE: field: message"); fixed lists of roles and action kinds.
 */
#include "base/compat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "base/buf.h"
#include "base/mem.h"
#include "exercise/exercise.h"

#ifndef MAMORI_REPO_DATA_DIR
#define MAMORI_REPO_DATA_DIR "data"
#endif

static const char *const roles[][3] = {
    {"operator_csirt", "事業者CSIRT", "operator CSIRT"},
    {"executive", "経営層", "executive"},
    {"ministry_analyst", "所管省庁 分析担当", "ministry analyst"},
    {"sector_bureau", "業所管部局", "sector bureau"},
    {"isac", "ISAC", "ISAC"},
    {"vendor_soc", "ベンダー／SOC", "vendor / SOC"},
};

static const char *const actions[][3] = {
    {"file_initial", "インシデント初報の提出", "file the initial incident report"},
    {"file_followup", "続報の提出", "file a follow-up report"},
    {"assess_severity", "NISC 深刻度の評価", "assess the NISC severity"},
    {"isolate", "機器・系統の隔離", "isolate the device or system"},
    {"block_traffic", "通信の遮断・緩和", "block or mitigate the traffic"},
    {"patch", "修正プログラムの適用", "apply the fix"},
    {"notify_ministry", "所管省庁への連絡", "notify the ministry"},
    {"share_iocs", "IoC の共有（TLP:AMBER）", "share IoCs (TLP:AMBER)"},
    {"escalate_exec", "経営層への報告", "report to the executives"},
    {"public_statement", "利用者への公表", "public statement"},
    {"decide", "意思決定", "decision"},
    {"message", "連絡・報告", "message"},
};

const char *ex_role_ja(const char *role)
{
	for (size_t i = 0; role && i < ARRAY_SIZE(roles); i++)
		if (!strcmp(roles[i][0], role))
			return roles[i][1];
	return NULL;
}

const char *ex_role_en(const char *role)
{
	for (size_t i = 0; role && i < ARRAY_SIZE(roles); i++)
		if (!strcmp(roles[i][0], role))
			return roles[i][2];
	return NULL;
}

const char *ex_action_en(const char *kind)
{
	for (size_t i = 0; kind && i < ARRAY_SIZE(actions); i++)
		if (!strcmp(actions[i][0], kind))
			return actions[i][2];
	return NULL;
}

const char *ex_action_ja(const char *kind)
{
	for (size_t i = 0; kind && i < ARRAY_SIZE(actions); i++)
		if (!strcmp(actions[i][0], kind))
			return actions[i][1];
	return NULL;
}

const char *ex_dir_default(void)
{
	const char *p = getenv("MAMORI_EXERCISES");
	return p && *p ? p : MAMORI_REPO_DATA_DIR "/exercises";
}

struct pctx {
	yaml_document_t doc;
	const char *file;
	struct merr *e;
	struct ex_scenario *sc;
};

static int pfail(struct pctx *c, const yaml_node_t *n, const char *field, const char *fmt,
		 const char *arg) __attribute__((format(printf, 4, 0)));
static int pfail(struct pctx *c, const yaml_node_t *n, const char *field, const char *fmt,
		 const char *arg)
{
	char msg[512];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(msg, sizeof(msg), fmt, arg ? arg : "");
#pragma GCC diagnostic pop
	return merr_at(c->e, M_EPARSE, c->file, n ? (long)n->start_mark.line + 1 : 1, -1, field,
		       "%s", msg);
}

static yaml_node_t *node(struct pctx *c, int i)
{
	return yaml_document_get_node(&c->doc, i);
}

static const char *sval(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static int text(struct pctx *c, const yaml_node_t *v, const char *field, char *dst, size_t cap)
{
	const char *s = sval(v);
	if (!s || !s[0])
		return pfail(c, v, field, "expected text%s", NULL);
	if (strlen(s) >= cap)
		return pfail(c, v, field, "too long%s", NULL);
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

static int dup(struct pctx *c, const yaml_node_t *v, const char *field, char **dst)
{
	const char *s = sval(v);
	if (!s || !s[0])
		return pfail(c, v, field, "expected text%s", NULL);
	if (strlen(s) >= EX_TEXT_MAX)
		return pfail(c, v, field, "too long%s", NULL);
	if (*dst)
		return pfail(c, v, field, "given twice%s", NULL);
	if (!(*dst = m_strdup(s)))
		return merr_set(c->e, M_ENOMEM, "out of memory");
	return 0;
}

static int ident(struct pctx *c, const yaml_node_t *v, const char *field, char *dst, size_t cap)
{
	int rc = text(c, v, field, dst, cap);
	if (rc)
		return rc;
	for (const char *p = dst; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return pfail(c, v, field, "'%s': use a-z, 0-9, - and _ only", dst);
	return 0;
}

/* "T+mm:ss" (mm up to 9999) or, with plain, "mm:ss" */
static int mmss(const char *s, bool t_prefix, int64_t *out)
{
	char *end;
	long m, sec;
	if (!s)
		return -1;
	if (t_prefix) {
		if (strncmp(s, "T+", 2))
			return -1;
		s += 2;
	}
	if (*s < '0' || *s > '9')
		return -1;
	m = strtol(s, &end, 10);
	if (*end != ':' || m > 9999 || end - s > 4)
		return -1;
	s = end + 1;
	if (strlen(s) != 2 || s[0] < '0' || s[0] > '5' || s[1] < '0' || s[1] > '9')
		return -1;
	sec = strtol(s, &end, 10);
	*out = m * 60 + sec;
	return 0;
}

static int seq_texts(struct pctx *c, yaml_node_t *v, const char *field, char **dst, size_t max,
		     size_t *n)
{
	if (!v || v->type != YAML_SEQUENCE_NODE ||
	    v->data.sequence.items.start == v->data.sequence.items.top)
		return pfail(c, v, field, "expected a non-empty list%s", NULL);
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
	     it++) {
		yaml_node_t *x = node(c, *it);
		if (*n >= max)
			return pfail(c, x, field, "too many items%s", NULL);
		dst[*n] = NULL;
		int rc = dup(c, x, field, &dst[*n]);
		if (rc)
			return rc;
		(*n)++;
	}
	return 0;
}

static bool has_role(const struct ex_scenario *sc, const char *r)
{
	for (size_t i = 0; i < sc->n_roles; i++)
		if (!strcmp(sc->roles[i], r))
			return true;
	return false;
}

static int load_expect(struct pctx *c, struct ex_inject *in, yaml_node_t *m)
{
	struct ex_expect *x = &in->expect[in->n_expect];
	bool got_who = false, got_action = false, got_within = false, got_points = false;
	int rc = 0;

	if (m->type != YAML_MAPPING_NODE)
		return pfail(c, m, "expect", "expected a mapping%s", NULL);
	memset(x, 0, sizeof(*x));
	x->late_points = -1;
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
		const char *key = sval(k);
		if (!key)
			return pfail(c, k, "expect", "bad key%s", NULL);
		if (!strcmp(key, "id"))
			rc = ident(c, v, "expect.id", x->id, sizeof(x->id));
		else if (!strcmp(key, "who")) {
			got_who = true;
			if (!(rc = text(c, v, "expect.who", x->who, sizeof(x->who)))) {
				if (!ex_role_ja(x->who))
					rc = pfail(c, v, "expect.who", "unknown role '%s'", x->who);
				else if (!has_role(c->sc, x->who))
					rc = pfail(c, v, "expect.who",
						   "role '%s' is not in the scenario's roles",
						   x->who);
			}
		} else if (!strcmp(key, "action")) {
			got_action = true;
			if (!(rc = text(c, v, "expect.action", x->action, sizeof(x->action))) &&
			    !ex_action_ja(x->action))
				rc = pfail(c, v, "expect.action", "unknown action '%s'", x->action);
		} else if (!strcmp(key, "option"))
			rc = ident(c, v, "expect.option", x->option, sizeof(x->option));
		else if (!strcmp(key, "within")) {
			got_within = true;
			if (mmss(sval(v), false, &x->within_s) || x->within_s <= 0)
				rc = pfail(c, v, "expect.within", "expected mm:ss, more than 0%s",
					   NULL);
		} else if (!strcmp(key, "points") || !strcmp(key, "late_points")) {
			const char *s = sval(v);
			char *end = NULL;
			long n = s ? strtol(s, &end, 10) : -1;
			if (!s || !*s || *end || n < 0 || n > 1000)
				rc = pfail(c, v, key, "expected a number 0..1000%s", NULL);
			else if (!strcmp(key, "points")) {
				got_points = true;
				x->points = (int)n;
			} else
				x->late_points = (int)n;
		} else if (!strcmp(key, "what"))
			rc = text(c, v, "expect.what", x->what_ja, sizeof(x->what_ja));
		else
			rc = pfail(c, k, "expect", "unknown key '%s'", key);
		if (rc)
			return rc;
	}
	if (!x->id[0] || !got_who || !got_action || !got_within || !got_points)
		return pfail(c, m, "expect", "id, who, action, within and points are required%s",
			     NULL);
	if (x->late_points < 0)
		x->late_points = x->points / 2;
	if (x->late_points > x->points)
		return pfail(c, m, "expect.late_points", "more than points%s", NULL);
	if (!strcmp(x->action, "decide") && x->option[0]) {
		bool ok = false;
		for (size_t i = 0; i < in->n_options; i++)
			ok |= !strcmp(in->options[i], x->option);
		if (!ok)
			return pfail(c, m, "expect.option",
				     "'%s' is not one of the inject's options", x->option);
	}
	for (size_t i = 0; i < c->sc->n_injects; i++)
		for (size_t j = 0; j < c->sc->injects[i].n_expect; j++)
			if (!strcmp(c->sc->injects[i].expect[j].id, x->id))
				return pfail(c, m, "expect.id", "'%s' given twice", x->id);
	for (size_t j = 0; j < in->n_expect; j++)
		if (!strcmp(in->expect[j].id, x->id))
			return pfail(c, m, "expect.id", "'%s' given twice", x->id);
	in->n_expect++;
	return 0;
}

static int load_inject(struct pctx *c, yaml_node_t *m)
{
	struct ex_scenario *sc = c->sc;
	struct ex_inject *in = &sc->injects[sc->n_injects];
	yaml_node_t *expect = NULL, *branch = NULL;
	bool got_at = false;
	int rc = 0;

	if (m->type != YAML_MAPPING_NODE)
		return pfail(c, m, "injects", "expected a mapping%s", NULL);
	memset(in, 0, sizeof(*in));
	in->line = (int)m->start_mark.line + 1;
	sc->n_injects++; /* owned texts freed with the scenario even on failure */
	for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
		const char *key = sval(k);
		if (!key)
			return pfail(c, k, "injects", "bad key%s", NULL);
		if (!strcmp(key, "id"))
			rc = ident(c, v, "injects.id", in->id, sizeof(in->id));
		else if (!strcmp(key, "at")) {
			got_at = true;
			if (mmss(sval(v), true, &in->at_s))
				rc = pfail(c, v, "injects.at", "expected T+mm:ss%s", NULL);
		} else if (!strcmp(key, "channel")) {
			if (!(rc = text(c, v, "injects.channel", in->channel,
					sizeof(in->channel))) &&
			    strcmp(in->channel, "console") && strcmp(in->channel, "mail") &&
			    strcmp(in->channel, "phone"))
				rc = pfail(c, v, "injects.channel",
					   "'%s': expected console, mail or phone", in->channel);
		} else if (!strcmp(key, "to")) {
			if (!(rc = text(c, v, "injects.to", in->to, sizeof(in->to)))) {
				if (!ex_role_ja(in->to))
					rc = pfail(c, v, "injects.to", "unknown role '%s'", in->to);
				else if (!has_role(sc, in->to))
					rc = pfail(c, v, "injects.to",
						   "role '%s' is not in the scenario's roles",
						   in->to);
			}
		} else if (!strcmp(key, "content_ja"))
			rc = dup(c, v, "injects.content_ja", &in->content_ja);
		else if (!strcmp(key, "content_en"))
			rc = dup(c, v, "injects.content_en", &in->content_en);
		else if (!strcmp(key, "attachment")) {
			rc = text(c, v, "injects.attachment", in->attachment,
				  sizeof(in->attachment));
			if (!rc && !ex_attach_name_ok(in->attachment))
				rc = pfail(
				    c, v, "injects.attachment",
				    "'%s' is not a plain file name (.txt .log .csv .json .pdf "
				    ".png .jpg) / ファイル名が不正です",
				    in->attachment);
		} else if (!strcmp(key, "options")) {
			if (!v || v->type != YAML_SEQUENCE_NODE)
				rc = pfail(c, v, "injects.options", "expected a list%s", NULL);
			for (yaml_node_item_t *it = v && !rc ? v->data.sequence.items.start : NULL;
			     it && it < v->data.sequence.items.top && !rc; it++) {
				if (in->n_options >= EX_OPTIONS_MAX)
					rc = pfail(c, v, "injects.options", "too many%s", NULL);
				else
					rc = ident(c, node(c, *it), "injects.options",
						   in->options[in->n_options++], 48);
			}
		} else if (!strcmp(key, "branch"))
			branch = v;
		else if (!strcmp(key, "expect"))
			expect = v;
		else
			rc = pfail(c, k, "injects", "unknown key '%s'", key);
		if (rc)
			return rc;
	}
	if (!in->id[0] || !got_at || !in->channel[0] || !in->to[0] || !in->content_ja)
		return pfail(c, m, "injects", "id, at, channel, to and content_ja are required%s",
			     NULL);
	for (size_t i = 0; i + 1 < sc->n_injects; i++) {
		if (!strcmp(sc->injects[i].id, in->id))
			return pfail(c, m, "injects.id", "'%s' given twice", in->id);
	}
	if (sc->n_injects > 1 && in->at_s < sc->injects[sc->n_injects - 2].at_s)
		return pfail(c, m, "injects.at", "time out of order (before inject '%s')",
			     sc->injects[sc->n_injects - 2].id);
	if (branch) {
		if (branch->type != YAML_MAPPING_NODE)
			return pfail(c, branch, "injects.branch", "expected a mapping%s", NULL);
		for (yaml_node_pair_t *p = branch->data.mapping.pairs.start;
		     p < branch->data.mapping.pairs.top; p++) {
			yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
			const char *key = sval(k);
			if (key && !strcmp(key, "inject"))
				rc = ident(c, v, "injects.branch.inject", in->branch_inject, 48);
			else if (key && !strcmp(key, "option"))
				rc = ident(c, v, "injects.branch.option", in->branch_option, 48);
			else
				rc = pfail(c, k, "injects.branch", "unknown key '%s'", key);
			if (rc)
				return rc;
		}
		const struct ex_inject *b = NULL;
		for (size_t i = 0; i + 1 < sc->n_injects; i++)
			if (!strcmp(sc->injects[i].id, in->branch_inject))
				b = &sc->injects[i];
		if (!in->branch_inject[0] || !in->branch_option[0])
			return pfail(c, branch, "injects.branch",
				     "inject and option are required%s", NULL);
		if (!b)
			return pfail(c, branch, "injects.branch.inject",
				     "no earlier inject '%s' to branch on", in->branch_inject);
		bool ok = false;
		for (size_t i = 0; i < b->n_options; i++)
			ok |= !strcmp(b->options[i], in->branch_option);
		if (!ok)
			return pfail(c, branch, "injects.branch.option",
				     "'%s' is not an option of that inject", in->branch_option);
	}
	if (expect) {
		if (expect->type != YAML_SEQUENCE_NODE)
			return pfail(c, expect, "injects.expect", "expected a list%s", NULL);
		for (yaml_node_item_t *it = expect->data.sequence.items.start;
		     it < expect->data.sequence.items.top; it++) {
			if (in->n_expect >= EX_EXPECT_MAX)
				return pfail(c, expect, "injects.expect", "too many%s", NULL);
			if ((rc = load_expect(c, in, node(c, *it))))
				return rc;
		}
	}
	return 0;
}

int ex_scenario_parse(const char *text_in, size_t len, const char *file, struct ex_scenario *sc,
		      struct merr *e)
{
	yaml_parser_t p;
	struct pctx c = {.file = file ? file : "scenario", .e = e, .sc = sc};
	yaml_node_t *root, *injects = NULL;
	int rc = 0;

	memset(sc, 0, sizeof(*sc));
	sc->pass_percent = 60;
	if (len > EX_FILE_MAX)
		return merr_at(e, M_ETOOBIG, c.file, -1, -1, NULL, "scenario larger than %d bytes",
			       EX_FILE_MAX);
	if (!yaml_parser_initialize(&p))
		return merr_set(e, M_ENOMEM, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)text_in, len);
	if (!yaml_parser_load(&p, &c.doc)) {
		rc = merr_at(e, M_EPARSE, c.file, (long)p.problem_mark.line + 1, -1, NULL, "%s",
			     p.problem ? p.problem : "bad YAML");
		yaml_parser_delete(&p);
		return rc;
	}
	yaml_parser_delete(&p);
	root = yaml_document_get_root_node(&c.doc);
	if (!root || root->type != YAML_MAPPING_NODE) {
		rc = pfail(&c, root, "scenario", "expected a mapping%s", NULL);
		goto out;
	}
	/* roles first: injects and expectations are checked against them */
	for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < root->data.mapping.pairs.top;
	     q++) {
		yaml_node_t *k = node(&c, q->key), *v = node(&c, q->value);
		if (!sval(k) || strcmp(sval(k), "roles"))
			continue;
		if (!v || v->type != YAML_SEQUENCE_NODE) {
			rc = pfail(&c, v, "roles", "expected a list%s", NULL);
			goto out;
		}
		for (yaml_node_item_t *it = v->data.sequence.items.start;
		     it < v->data.sequence.items.top; it++) {
			yaml_node_t *x = node(&c, *it);
			if (sc->n_roles >= ARRAY_SIZE(sc->roles)) {
				rc = pfail(&c, x, "roles", "too many%s", NULL);
				goto out;
			}
			if ((rc = text(&c, x, "roles", sc->roles[sc->n_roles], 32)))
				goto out;
			if (!ex_role_ja(sc->roles[sc->n_roles])) {
				rc = pfail(&c, x, "roles",
					   "unknown role '%s' (operator_csirt, executive, "
					   "ministry_analyst, sector_bureau, isac, vendor_soc)",
					   sc->roles[sc->n_roles]);
				goto out;
			}
			sc->n_roles++;
		}
	}
	for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < root->data.mapping.pairs.top;
	     q++) {
		yaml_node_t *k = node(&c, q->key), *v = node(&c, q->value);
		const char *key = sval(k);
		if (!key) {
			rc = pfail(&c, k, "scenario", "bad key%s", NULL);
			goto out;
		}
		if (!strcmp(key, "id"))
			rc = ident(&c, v, "id", sc->id, sizeof(sc->id));
		else if (!strcmp(key, "title"))
			rc = dup(&c, v, "title", &sc->title_ja);
		else if (!strcmp(key, "title_en"))
			rc = dup(&c, v, "title_en", &sc->title_en);
		else if (!strcmp(key, "background"))
			rc = dup(&c, v, "background", &sc->background);
		else if (!strcmp(key, "background_en"))
			rc = dup(&c, v, "background_en", &sc->background_en);
		else if (!strcmp(key, "objectives"))
			rc = seq_texts(&c, v, "objectives", sc->objectives, 16, &sc->n_objectives);
		else if (!strcmp(key, "sources"))
			rc = seq_texts(&c, v, "sources", sc->sources, 16, &sc->n_sources);
		else if (!strcmp(key, "roles"))
			;
		else if (!strcmp(key, "injects"))
			injects = v;
		else if (!strcmp(key, "scoring")) {
			if (!v || v->type != YAML_MAPPING_NODE)
				rc = pfail(&c, v, "scoring", "expected a mapping%s", NULL);
			for (yaml_node_pair_t *r = v && !rc ? v->data.mapping.pairs.start : NULL;
			     r && r < v->data.mapping.pairs.top && !rc; r++) {
				const char *sk = sval(node(&c, r->key)),
					   *sv = sval(node(&c, r->value));
				char *end = NULL;
				long n = sv ? strtol(sv, &end, 10) : -1;
				if (!sk || strcmp(sk, "pass"))
					rc = pfail(&c, node(&c, r->key), "scoring",
						   "unknown key '%s'", sk);
				else if (!sv || !*sv || *end || n < 0 || n > 100)
					rc = pfail(&c, node(&c, r->value), "scoring.pass",
						   "expected a percentage 0..100%s", NULL);
				else
					sc->pass_percent = (int)n;
			}
		} else
			rc = pfail(&c, k, "scenario", "unknown key '%s'", key);
		if (rc)
			goto out;
	}
	if (!sc->id[0] || !sc->title_ja || !sc->n_roles || !injects || !sc->n_objectives ||
	    !sc->n_sources || !sc->background) {
		rc = pfail(&c, root, "scenario",
			   "id, title, background, objectives, sources, roles and injects are "
			   "required%s",
			   NULL);
		goto out;
	}
	if (injects->type != YAML_SEQUENCE_NODE ||
	    injects->data.sequence.items.start == injects->data.sequence.items.top) {
		rc = pfail(&c, injects, "injects", "expected a non-empty list%s", NULL);
		goto out;
	}
	for (yaml_node_item_t *it = injects->data.sequence.items.start;
	     it < injects->data.sequence.items.top; it++) {
		if (sc->n_injects >= EX_INJECTS_MAX) {
			rc = pfail(&c, injects, "injects", "too many%s", NULL);
			goto out;
		}
		if ((rc = load_inject(&c, node(&c, *it))))
			goto out;
	}
out:
	yaml_document_delete(&c.doc);
	return rc;
}

int ex_scenario_load(const char *path, struct ex_scenario *sc, struct merr *e)
{
	struct buf b;
	int rc;

	memset(sc, 0, sizeof(*sc));
	buf_init(&b, EX_FILE_MAX + 1);
	if ((rc = buf_read_file(&b, path, e))) {
		buf_release(&b);
		return rc;
	}
	rc = ex_scenario_parse(b.len ? buf_str(&b) : "", b.len, path, sc, e);
	buf_release(&b);
	return rc;
}

void ex_scenario_free(struct ex_scenario *sc)
{
	if (!sc)
		return;
	m_free(sc->title_ja);
	m_free(sc->title_en);
	m_free(sc->background);
	m_free(sc->background_en);
	for (size_t i = 0; i < sc->n_objectives; i++)
		m_free(sc->objectives[i]);
	for (size_t i = 0; i < sc->n_sources; i++)
		m_free(sc->sources[i]);
	for (size_t i = 0; i < sc->n_injects; i++) {
		m_free(sc->injects[i].content_ja);
		m_free(sc->injects[i].content_en);
	}
	memset(sc, 0, sizeof(*sc));
}

const struct ex_inject *ex_inject_find(const struct ex_scenario *sc, const char *id)
{
	for (size_t i = 0; id && i < sc->n_injects; i++)
		if (!strcmp(sc->injects[i].id, id))
			return &sc->injects[i];
	return NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int ex_scenarios_list(const char *dir, cJSON **out, struct merr *e)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *names[256];
	size_t n = 0;
	int rc = 0;

	*out = NULL;
	if (!d)
		return merr_set(e, M_EIO, "%s: cannot open the scenario folder", dir);
	while ((de = readdir(d)) && n < ARRAY_SIZE(names)) {
		size_t l = strlen(de->d_name);
		if (l > 5 && !strcmp(de->d_name + l - 5, ".yaml") && de->d_name[0] != '.')
			names[n++] = m_strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	*out = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		struct ex_scenario sc;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i] ? names[i] : "");
		if (!rc && names[i] && !(rc = ex_scenario_load(path, &sc, e))) {
			cJSON *o = cJSON_CreateObject(),
			      *src = cJSON_AddArrayToObject(o, "sources");
			cJSON_AddStringToObject(o, "id", sc.id);
			cJSON_AddStringToObject(o, "title", sc.title_ja);
			cJSON_AddStringToObject(o, "title_en", sc.title_en ? sc.title_en : "");
			for (size_t j = 0; j < sc.n_sources; j++)
				cJSON_AddItemToArray(src, cJSON_CreateString(sc.sources[j]));
			cJSON_AddNumberToObject(o, "injects", (double)sc.n_injects);
			cJSON_AddStringToObject(o, "file", path);
			cJSON_AddItemToArray(*out, o);
		}
		ex_scenario_free(&sc);
		m_free(names[i]);
	}
	if (rc) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

int ex_scenario_path(const char *dir, const char *id_or_path, char *out, size_t cap, struct merr *e)
{
	struct stat st;
	if (strchr(id_or_path, '/') ||
	    (strlen(id_or_path) > 5 && !strcmp(id_or_path + strlen(id_or_path) - 5, ".yaml"))) {
		snprintf(out, cap, "%s", id_or_path);
		return 0;
	}
	for (const char *p = id_or_path; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '_'))
			return merr_set(e, M_EINVAL, "bad scenario id '%s'", id_or_path);
	snprintf(out, cap, "%s/%s.yaml", dir, id_or_path);
	if (stat(out, &st))
		return merr_set(e, M_ENOTFOUND, "no scenario '%s' in %s / シナリオがありません",
				id_or_path, dir);
	return 0;
}
