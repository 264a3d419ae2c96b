/*
 * detect.c - from matched posts to precursor alerts: the class rules (DDoSia list naming an
 * operator host, DDoS / leak / exploit vocabulary next to an operator's name, outage bursts
 * above the operator's own baseline), scores with their factors, waves (one alert per
 * operator, class and wave; near-duplicates by SimHash join their wave) and the alert sent
 * through the alert pipeline with what mamori knows of the operator and the named hosts.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <math.h>

#include "alert/alert.h"
#include "base/json.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "sns/sns_int.h"

double sns_kind_conf(const char *kind)
{
	static const struct {
		const char *k;
		double c;
	} t[] = {{"domain", 1.0}, {"address", 1.0}, {"name", 0.9},  {"cve", 0.9},
		 {"alias", 0.8},  {"keyword", 0.7}, {"regex", 0.7}, {"product", 0.5}};
	for (size_t i = 0; kind && i < ARRAY_SIZE(t); i++)
		if (!strcmp(kind, t[i].k))
			return t[i].c;
	return 0.5;
}

static double source_weight(const char *platform)
{
	if (!strcmp(platform, "ddosia") || !strcmp(platform, "leak-site"))
		return 1.0;
	if (!strcmp(platform, "telegram"))
		return 0.9;
	if (!strcmp(platform, "x"))
		return 0.8;
	return 0.7;
}

#define SCORE_MIN 0.4 /* below: not alerted (kept as a match) */

static int64_t wave_gap(enum sns_class c)
{
	switch (c) {
	case SNS_C_DDOS: return SNS_WAVE_GAP_DDOS;
	case SNS_C_LEAK: return SNS_WAVE_GAP_LEAK;
	case SNS_C_EXPLOIT: return SNS_WAVE_GAP_EXPLOIT;
	default: return SNS_WAVE_GAP_OUTAGE;
	}
}

/* One matched post, copied out of the row. */
struct mrow {
	int64_t post, created_at;
	uint64_t simhash;
	char org[128], term[256], kind[16], platform[32], post_id[256];
	unsigned classes;
	char rules[512];
	char *hostnames; /* JSON */
	char *text;
};

struct cand {
	enum sns_class cls;
	const char *rule;
	double score;
	bool join_only; /* outage posts after a burst: join an open wave, never start one */
	cJSON *reasons; /* owned */
};

struct det {
	struct store *s;
	const struct sns_import_opts *o;
	struct sns_import_stats *st;
	struct merr *e;
	struct sns_terms terms;
	int64_t *new_ids; /* alerts this run created: mailed after the last post */
	size_t n_new, cap_new;
};

/* The best weight of the rules of class c that hit, plus 0.1 for each further one (cap .95). */
static double class_weight(const char *rules, enum sns_class c, cJSON *why)
{
	double best = 0;
	int n = 0;
	char buf[512];
	snprintf(buf, sizeof buf, "%s", rules);
	for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (size_t i = 0; i < sns_n_rules; i++) {
			if (sns_rules[i].cls != c || strcmp(sns_rules[i].id, tok))
				continue;
			if (sns_rules[i].weight > best)
				best = sns_rules[i].weight;
			n++;
			if (why) {
				cJSON *r = cJSON_CreateObject();
				cJSON_AddStringToObject(r, "rule", sns_rules[i].id);
				cJSON_AddStringToObject(r, "reason", sns_rules[i].reason);
				cJSON_AddNumberToObject(r, "weight", sns_rules[i].weight);
				cJSON_AddItemToArray(why, r);
			}
		}
	}
	double w = best + 0.1 * (n > 1 ? n - 1 : 0);
	return w > 0.95 ? 0.95 : w;
}

static cJSON *reasons_new(const struct mrow *m, const char *rule, const char *why_ja_en, double p,
			  double conf, double src)
{
	cJSON *r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "rule", rule);
	cJSON_AddStringToObject(r, "reason", why_ja_en);
	cJSON *f = cJSON_AddObjectToObject(r, "factors");
	cJSON_AddNumberToObject(f, "p_class", round(p * 100) / 100);
	cJSON_AddNumberToObject(f, "entity_confidence", conf);
	cJSON_AddNumberToObject(f, "source_weight", src);
	cJSON *t = cJSON_AddObjectToObject(r, "matched");
	cJSON_AddStringToObject(t, "term", m->term);
	cJSON_AddStringToObject(t, "kind", m->kind);
	cJSON_AddStringToObject(t, "platform", m->platform);
	return r;
}

/* Hosts of a post under one of org's domain/address terms (label boundary). */
static void org_hosts(struct det *d, const struct mrow *m, cJSON *out)
{
	cJSON *hs = m->hostnames ? cJSON_Parse(m->hostnames) : NULL, *h;
	cJSON_ArrayForEach(h, hs)
	{
		if (!cJSON_IsString(h))
			continue;
		const char *v = h->valuestring;
		size_t vl = strlen(v);
		for (size_t i = 0; i < d->terms.n; i++) {
			const struct sns_term *t = &d->terms.v[i];
			if ((t->kind != SNS_K_DOMAIN && t->kind != SNS_K_ADDRESS) ||
			    strcmp(t->org, m->org))
				continue;
			size_t tl = strlen(t->norm);
			if (vl == tl ? !strcmp(v, t->norm)
				     : (vl > tl && v[vl - tl - 1] == '.' &&
					!strcmp(v + vl - tl, t->norm))) {
				cJSON *o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "host", v);
				cJSON_AddStringToObject(o, "under", t->norm);
				cJSON_AddNumberToObject(o, "first_seen", (double)m->created_at);
				cJSON_AddItemToArray(out, o);
				break;
			}
		}
	}
	cJSON_Delete(hs);
}

/* ------------------------------------------------------------ outage bursts */

static int count_between(struct det *d, const char *org, int64_t a, int64_t b, long *n)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    d->s,
	    "SELECT count(*) FROM sns_matches WHERE org_slug = ? AND (classes & 4) != 0"
	    " AND kind != 'product' AND created_at > ? AND created_at <= ?",
	    &st, d->e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_int64(st, 2, a);
	stmt_bind_int64(st, 3, b);
	rc = stmt_step(st, d->e);
	*n = rc == 1 ? (long)stmt_int64(st, 0) : 0;
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The burst test at time t: complaints in the window against the larger of the
 * hour-of-week baseline of past weeks, the trailing day and the floor (docs/SNS.md). */
static int outage_test(struct det *d, const struct mrow *m, bool *fire, cJSON **why)
{
	const int64_t t = m->created_at, W = SNS_OUTAGE_WINDOW_S;
	long k = 0, day = 0, how = 0;
	int64_t since = 0;
	*fire = false;
	/* No baseline yet: the operator's posts have been watched for less than a day. */
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    d->s, "SELECT coalesce(min(created_at), 0) FROM sns_matches WHERE org_slug = ?", &st,
	    d->e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, m->org);
	rc = stmt_step(st, d->e);
	since = rc == 1 ? stmt_int64(st, 0) : t;
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (t - since < SNS_OUTAGE_WARMUP_S)
		return 0;
	rc = count_between(d, m->org, t - W, t, &k);
	if (!rc)
		rc = count_between(d, m->org, t - 86400 - W, t - W, &day);
	for (int w = 1; !rc && w <= SNS_OUTAGE_WEEKS; w++) {
		long c = 0;
		rc = count_between(d, m->org, t - w * 604800L - 1800, t - w * 604800L + 1800, &c);
		how += c;
	}
	if (rc)
		return rc;
	double r_how = (double)how / (SNS_OUTAGE_WEEKS * 3600.0);
	double r_day = (double)day / 86400.0;
	double r_floor = SNS_OUTAGE_FLOOR_PER_H / 3600.0;
	double r = r_how > r_day ? r_how : r_day;
	const char *base = r_how > r_day ? "hour-of-week" : "trailing-24h";
	if (r < r_floor) {
		r = r_floor;
		base = "floor";
	}
	double lambda = r * (double)W, p = sns_poisson_tail(k, lambda);
	*fire = k >= SNS_OUTAGE_MIN_POSTS && p < SNS_OUTAGE_P;
	if (*fire) {
		*why = cJSON_CreateObject();
		cJSON_AddNumberToObject(*why, "window_s", (double)W);
		cJSON_AddNumberToObject(*why, "posts_in_window", (double)k);
		cJSON_AddNumberToObject(*why, "expected", round(lambda * 1000) / 1000);
		cJSON_AddStringToObject(*why, "baseline", base);
		cJSON_AddNumberToObject(*why, "posts_trailing_24h", (double)day);
		cJSON_AddNumberToObject(*why, "posts_same_hour_past_weeks", (double)how);
		cJSON_AddNumberToObject(*why, "p_value", p);
		cJSON_AddNumberToObject(*why, "threshold", SNS_OUTAGE_P);
	}
	return 0;
}

/* ------------------------------------------------------------ what mamori knows */

static void host_registration(struct det *d, const char *org, cJSON *hosts);

static void mamori_view(struct det *d, const char *org, int64_t t, cJSON *r)
{
	cJSON *v = cJSON_AddObjectToObject(r, "mamori");
	struct store_stmt *st = NULL;
	if (!store_prepare(
		d->s,
		"SELECT count(*), sum(service IN ('http', 'https') OR port IN (80, 443)),"
		" max(last_seen), sum(last_seen >= ?2 - 86400)"
		" FROM services WHERE org_slug = ?1 AND first_seen <= ?2 AND state != 'silent'",
		&st, NULL)) {
		stmt_bind_text(st, 1, org);
		stmt_bind_int64(st, 2, t);
		if (stmt_step(st, NULL) == 1) {
			cJSON_AddNumberToObject(v, "services", (double)stmt_int64(st, 0));
			cJSON_AddNumberToObject(v, "web_services", (double)stmt_int64(st, 1));
			cJSON_AddNumberToObject(v, "services_seen_last_day",
						(double)stmt_int64(st, 3));
			json_add_time(v, "services_last_seen", stmt_int64(st, 2));
		}
		stmt_finalize(st);
	}
	if (!store_prepare(d->s,
			   "SELECT count(*), sum(severity IN ('critical', 'high')), sum(kev)"
			   " FROM findings WHERE org_slug = ? AND state = 'open'",
			   &st, NULL)) {
		stmt_bind_text(st, 1, org);
		if (stmt_step(st, NULL) == 1) {
			cJSON_AddNumberToObject(v, "open_findings", (double)stmt_int64(st, 0));
			cJSON_AddNumberToObject(v, "open_high_or_critical",
						(double)stmt_int64(st, 1));
			cJSON_AddNumberToObject(v, "open_kev", (double)stmt_int64(st, 2));
		}
		stmt_finalize(st);
	}
	host_registration(d, org, cJSON_GetObjectItemCaseSensitive(r, "hosts"));
}

/* Each named host: an asset the operator registered, or only under its domain. */
static void host_registration(struct det *d, const char *org, cJSON *hosts)
{
	struct store_stmt *st = NULL;
	cJSON *h;
	cJSON_ArrayForEach(h, hosts)
	{
		const char *host =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "host"));
		if (!host ||
		    store_prepare(
			d->s,
			"SELECT a.kind, a.value FROM assets a JOIN orgs o ON o.id = a.org_id"
			" WHERE o.slug = ?1 AND a.status = 'confirmed' AND (a.value = ?2"
			" OR (a.kind = 'domain' AND ?2 LIKE '%.' || a.value))"
			" ORDER BY a.value = ?2 DESC LIMIT 1",
			&st, NULL))
			continue;
		stmt_bind_text(st, 1, org);
		stmt_bind_text(st, 2, host);
		if (stmt_step(st, NULL) == 1) {
			bool exact = !strcmp(stmt_text(st, 1), host);
			cJSON_AddStringToObject(h, "registered", exact ? "asset" : "under-domain");
			cJSON_AddStringToObject(h, "asset", stmt_text(st, 1));
		} else {
			cJSON_AddStringToObject(h, "registered", "no");
		}
		stmt_finalize(st);
	}
}

/* ------------------------------------------------------------ alerts */

/* A count of mamori's view (0 when absent). */
static int view_num(const cJSON *v, const char *key)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(v, key);
	return cJSON_IsNumber(n) && n->valuedouble >= 0 && n->valuedouble < 1e9
		   ? (int)n->valuedouble
		   : 0;
}

/* The alert's mail, composed once the run's posts have joined their waves: Japanese first,
 * then English; the evidence posts oldest first (the first SNS_MAIL_EVIDENCE, then how many
 * more), times in JST, the console link (or the CLI command) for the rest. */
static int send_alert(struct det *d, int64_t id)
{
	struct store_stmt *st = NULL;
	struct buf b, ev;
	char a[TIME_STR_MAX], z[TIME_STR_MAX], sub[512], org[128] = "", rule[64] = "";
	struct alert_msg msg = {0};
	enum sns_class cls = SNS_C_DDOS;
	double score = 0;
	int64_t first = 0, last = 0;
	cJSON *reasons = NULL;
	long shown = 0, total = 0;
	int rc = store_prepare(d->s,
			       "SELECT org_slug, class, rule, score, reasons, first_at, last_at"
			       " FROM sns_alerts WHERE id = ?",
			       &st, d->e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, id);
	if ((rc = stmt_step(st, d->e)) == 1) {
		snprintf(org, sizeof org, "%s", stmt_text(st, 0));
		(void)sns_class_parse(stmt_text(st, 1), &cls);
		snprintf(rule, sizeof rule, "%s", stmt_text(st, 2));
		score = stmt_double(st, 3);
		reasons = cJSON_Parse(stmt_text(st, 4) ? stmt_text(st, 4) : "{}");
		first = stmt_int64(st, 5);
		last = stmt_int64(st, 6);
	}
	stmt_finalize(st);
	if (rc != 1)
		return rc < 0 ? rc
			      : merr_set(d->e, M_ENOTFOUND, "no SNS alert %lld", (long long)id);
	time_fmt_jst(first, a);
	time_fmt_jst(last, z);
	buf_init(&b, 0);
	buf_init(&ev, 0);
	rc = sns_evidence_text(d->s, id, SNS_MAIL_EVIDENCE, "", &ev, &shown, &total, d->e);
	snprintf(sub, sizeof sub, "[SNS予兆 / SNS precursor] %s: %s / %s", org,
		 sns_class_title_ja(cls), sns_class_title_en(cls));
	if (!rc)
		rc = buf_addf(
		    &b,
		    "SNS モニタリングが予兆を検知しました（予兆検知 #%lld）。\n"
		    "組織: %s\n分類: %s (%s)\n規則: %s  スコア: %.2f\n"
		    "証拠の期間: %s 〜 %s（%ld 件）\n\n"
		    "証拠投稿（時刻順、最初の %ld 件）/ evidence posts (oldest first):\n%s",
		    (long long)id, org, sns_class_title_ja(cls), sns_class_name(cls), rule, score,
		    a, z, total, shown, buf_str(&ev));
	cJSON *hosts = cJSON_GetObjectItemCaseSensitive(reasons, "hosts"), *h;
	if (!rc && cJSON_GetArraySize(hosts))
		rc = buf_adds(&b, "\n名指しされたホスト / hosts named:\n");
	cJSON_ArrayForEach(h, hosts)
	{
		if (!rc)
			rc = buf_addf(
			    &b, "  - %s (登録 / registered: %s)\n",
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(h, "host")),
			    cJSON_GetStringValue(
				cJSON_GetObjectItemCaseSensitive(h, "registered")));
	}
	cJSON *v = cJSON_GetObjectItemCaseSensitive(reasons, "mamori");
	int svc = view_num(v, "services"), web = view_num(v, "web_services");
	int fnd = view_num(v, "open_findings"), hi = view_num(v, "open_high_or_critical");
	if (!rc && v)
		rc = buf_addf(&b,
			      "\nmamori の把握: 公開サービス %d 件 (Web %d)、未対応の指摘 %d 件"
			      " (高・緊急 %d)\n",
			      svc, web, fnd, hi);
	/* the recipients have the console, not the command line */
	if (!rc && d->o->ack_base)
		rc = buf_addf(&b, "\n全ての証拠 (コンソール): %s/sns/alerts/%lld\n", d->o->ack_base,
			      (long long)id);
	else if (!rc)
		rc = buf_addf(&b, "\n全ての証拠: コンソールの「SNS 予兆監視」、予兆検知 #%lld\n",
			      (long long)id);
	/* English (the alert pipeline's digest splits the body here) */
	if (!rc)
		rc = buf_addf(&b,
			      "\n---- English ----\n"
			      "SNS monitoring detected a precursor (alert #%lld) for %s: %s (%s), "
			      "rule %s, score %.2f.\n"
			      "Evidence: %ld posts from %s to %s; the first %ld are listed above "
			      "(times in JST)%s",
			      (long long)id, org, sns_class_title_en(cls), sns_class_name(cls),
			      rule, score, total, a, z, shown, total > shown ? "" : ".\n");
	if (!rc && total > shown)
		rc = buf_addf(&b, ", and %ld more.\n", total - shown);
	if (!rc && cJSON_GetArraySize(hosts))
		rc = buf_addf(&b, "Hosts named: %d (registration listed above).\n",
			      cJSON_GetArraySize(hosts));
	if (!rc && v)
		rc = buf_addf(&b,
			      "What mamori knows: %d open services (%d web), %d open findings (%d "
			      "high or critical).\n",
			      svc, web, fnd, hi);
	if (!rc && d->o->ack_base)
		rc = buf_addf(&b, "All evidence in the console: %s/sns/alerts/%lld\n",
			      d->o->ack_base, (long long)id);
	else if (!rc)
		rc = buf_addf(&b, "All evidence: the console's SNS page, precursor alert #%lld\n",
			      (long long)id);
	cJSON_Delete(reasons);
	buf_release(&ev);
	if (rc) {
		buf_release(&b);
		return rc;
	}
	snprintf(msg.org, sizeof msg.org, "%s", org);
	snprintf(msg.issue_key, sizeof msg.issue_key, "sns:%s:%lld", sns_class_name(cls),
		 (long long)id);
	msg.subject = m_strdup(sub);
	msg.body = buf_detach(&b, NULL);
	buf_release(&b);
	msg.urgent = cls == SNS_C_DDOS || cls == SNS_C_LEAK;
	msg.ack_base = d->o->ack_base;
	if (!msg.subject || !msg.body)
		rc = M_ENOMEM;
	else
		rc = alert_insert(d->s, &msg, d->o->now, d->e);
	m_free(msg.subject);
	m_free(msg.body);
	if (rc < 0)
		return rc;
	if ((rc =
		 store_prepare(d->s, "UPDATE sns_alerts SET alert_id = ? WHERE id = ?", &st, d->e)))
		return rc;
	stmt_bind_int64(st, 1, msg.id);
	stmt_bind_int64(st, 2, id);
	rc = stmt_step(st, d->e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int popcount64(uint64_t x)
{
	return __builtin_popcountll(x);
}

static int add_evidence(struct det *d, int64_t alert, int64_t post)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    d->s, "INSERT OR IGNORE INTO sns_alert_posts (alert, post) VALUES (?, ?)", &st, d->e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, alert);
	stmt_bind_int64(st, 2, post);
	rc = stmt_step(st, d->e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Evidence of a new outage wave: the complaints in its window. */
static int add_window(struct det *d, int64_t alert, const struct mrow *m)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(d->s,
			       "INSERT OR IGNORE INTO sns_alert_posts (alert, post) SELECT CAST(? "
			       "AS INTEGER), post FROM sns_matches"
			       " WHERE org_slug = ? AND (classes & 4) != 0 AND kind != 'product'"
			       " AND created_at > ? AND created_at <= ?",
			       &st, d->e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, alert);
	stmt_bind_text(st, 2, m->org);
	stmt_bind_int64(st, 3, m->created_at - SNS_OUTAGE_WINDOW_S);
	stmt_bind_int64(st, 4, m->created_at);
	rc = stmt_step(st, d->e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Joins the post to its (org, class) wave or starts a new one. */
static int wave(struct det *d, const struct mrow *m, struct cand *c)
{
	struct store_stmt *st = NULL;
	int64_t id = 0, first = 0, last = 0;
	uint64_t sh = 0;
	char *old_reasons = NULL;
	int rc = store_prepare(d->s,
			       "SELECT id, first_at, last_at, simhash, reasons FROM sns_alerts"
			       " WHERE org_slug = ? AND class = ? ORDER BY last_at DESC LIMIT 1",
			       &st, d->e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, m->org);
	stmt_bind_text(st, 2, sns_class_name(c->cls));
	if ((rc = stmt_step(st, d->e)) == 1) {
		id = stmt_int64(st, 0);
		first = stmt_int64(st, 1);
		last = stmt_int64(st, 2);
		sh = (uint64_t)stmt_int64(st, 3);
		old_reasons = m_strdup(stmt_text(st, 4) ? stmt_text(st, 4) : "{}");
	}
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	int64_t gap = wave_gap(c->cls);
	/* weak posts (below the alert threshold) never extend a wave: only outage complaints,
	 * which count by their number, join without a score of their own */
	bool strong = c->score >= SCORE_MIN || c->cls == SNS_C_OUTAGE;
	/* a complaint that does not fire the test itself extends an outage wave for at most
	 * SNS_OUTAGE_WAVE_MAX_S from its start: a steady high rate is the new baseline */
	if (c->cls == SNS_C_OUTAGE && c->join_only && id &&
	    m->created_at - first > SNS_OUTAGE_WAVE_MAX_S)
		strong = false;
	bool join = id && strong && m->created_at - last <= gap && m->created_at >= first - gap;
	/* a copy of the wave's first post (forwards, copy-paste) joins it for 30 days */
	if (!join && id && strong && c->cls != SNS_C_DDOS &&
	    popcount64(sh ^ m->simhash) <= SNS_SIMHASH_NEAR && m->created_at - last <= 30 * 86400)
		join = true;
	if (join) {
		/* new hosts of a DDoS wave are added with their own first appearance */
		char *nr = NULL;
		cJSON *hn = cJSON_GetObjectItemCaseSensitive(c->reasons, "hosts");
		if (cJSON_GetArraySize(hn)) {
			host_registration(d, m->org, hn);
			cJSON * or = cJSON_Parse(old_reasons), *h;
			cJSON *oh = cJSON_GetObjectItemCaseSensitive(or, "hosts");
			bool changed = false;
			cJSON_ArrayForEach(h, hn)
			{
				const char *host = cJSON_GetStringValue(
				    cJSON_GetObjectItemCaseSensitive(h, "host"));
				bool have = false;
				cJSON *x;
				cJSON_ArrayForEach(x, oh)
				{
					const char *v = cJSON_GetStringValue(
					    cJSON_GetObjectItemCaseSensitive(x, "host"));
					if (v && host && !strcmp(v, host))
						have = true;
				}
				if (!have && oh) {
					cJSON_AddItemToArray(oh, cJSON_Duplicate(h, true));
					changed = true;
				}
			}
			if (changed)
				nr = cJSON_PrintUnformatted(or);
			cJSON_Delete(or);
		}
		m_free(old_reasons);
		if ((rc = store_prepare(
			 d->s,
			 "UPDATE sns_alerts SET last_at = max(last_at, ?1), first_at = "
			 "min(first_at, ?1),"
			 " score = max(score, ?2), reasons = coalesce(?3, reasons) WHERE id = ?4",
			 &st, d->e))) {
			cJSON_free(nr);
			return rc;
		}
		stmt_bind_int64(st, 1, m->created_at);
		stmt_bind_double(st, 2, c->score);
		stmt_bind_text(st, 3, nr);
		stmt_bind_int64(st, 4, id);
		rc = stmt_step(st, d->e);
		stmt_finalize(st);
		cJSON_free(nr);
		if (rc < 0)
			return rc;
		d->st->alerts_updated++;
		return add_evidence(d, id, m->post);
	}
	m_free(old_reasons);
	if (c->join_only || c->score < SCORE_MIN)
		return 0;
	mamori_view(d, m->org, m->created_at, c->reasons);
	char *rs = cJSON_PrintUnformatted(c->reasons);
	if (!rs)
		return M_ENOMEM;
	rc = store_prepare(
	    d->s,
	    "INSERT INTO sns_alerts (org_slug, class, rule, score, reasons, first_at, last_at,"
	    " simhash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
	    &st, d->e);
	if (!rc) {
		stmt_bind_text(st, 1, m->org);
		stmt_bind_text(st, 2, sns_class_name(c->cls));
		stmt_bind_text(st, 3, c->rule);
		stmt_bind_double(st, 4, round(c->score * 1000) / 1000);
		stmt_bind_text(st, 5, rs);
		stmt_bind_int64(st, 6, m->created_at);
		stmt_bind_int64(st, 7, m->created_at);
		stmt_bind_int64(st, 8, (int64_t)m->simhash);
		stmt_bind_int64(st, 9, d->o->now);
		rc = stmt_step(st, d->e);
		id = rc == 1 ? stmt_int64(st, 0) : 0;
		stmt_finalize(st);
		rc = rc < 0 ? rc : 0;
	}
	if (!rc)
		rc = add_evidence(d, id, m->post);
	if (!rc && c->cls == SNS_C_OUTAGE)
		rc = add_window(d, id, m);
	if (!rc) { /* mailed at the end of the run, with the evidence the run adds */
		if (d->n_new == d->cap_new) {
			size_t nc = d->cap_new ? d->cap_new * 2 : 16;
			int64_t *nv = m_realloc(d->new_ids, nc * sizeof *nv);
			if (!nv)
				rc = M_ENOMEM;
			else {
				d->new_ids = nv;
				d->cap_new = nc;
			}
		}
		if (!rc)
			d->new_ids[d->n_new++] = id;
	}
	cJSON_free(rs);
	if (!rc)
		d->st->alerts_new++;
	return rc;
}

static int classify(struct det *d, const struct mrow *m)
{
	double conf = sns_kind_conf(m->kind), src = source_weight(m->platform);
	bool product = !strcmp(m->kind, "product");
	struct cand c[SNS_C_N];
	size_t n = 0;
	int rc = 0;

	if (!strcmp(m->platform, "ddosia")) {
		if (strcmp(m->kind, "domain") && strcmp(m->kind, "address"))
			return 0; /* a list names hosts: names and keywords do not count there */
		cJSON *r =
		    reasons_new(m, "ddosia-list",
				"DDoSia の攻撃対象リストに運用者のホストが載った / a DDoSia target "
				"list names the operator's host",
				0.95, conf, src);
		org_hosts(d, m, cJSON_AddArrayToObject(r, "hosts"));
		c[n++] = (struct cand){SNS_C_DDOS, "ddosia-list", 0.95 * conf * src, false, r};
	} else if (!strcmp(m->platform, "leak-site")) {
		if (!product) {
			cJSON *r = reasons_new(
			    m, "leak-site-post",
			    "リークサイトの投稿が運用者を名指し / a leak-site post names "
			    "the operator",
			    0.9, conf, src);
			c[n++] =
			    (struct cand){SNS_C_LEAK, "leak-site-post", 0.9 * conf * src, false, r};
		}
	} else {
		if ((m->classes & (1u << SNS_C_DDOS)) && !product) {
			cJSON *why = cJSON_CreateArray();
			double w = class_weight(m->rules, SNS_C_DDOS, why);
			cJSON *r = reasons_new(
			    m, "ddos-announcement",
			    "運用者名と DDoS・攻撃予告の語 / operator named with DDoS or "
			    "attack-announcement words",
			    w, conf, src);
			cJSON_AddItemToObject(r, "vocabulary", why);
			c[n++] = (struct cand){SNS_C_DDOS, "ddos-announcement", w * conf * src,
					       false, r};
		}
		if ((m->classes & (1u << SNS_C_LEAK)) && !product) {
			cJSON *why = cJSON_CreateArray();
			double w = class_weight(m->rules, SNS_C_LEAK, why);
			cJSON *r = reasons_new(
			    m, "leak-claim",
			    "運用者名と漏えい・身代金・アクセス販売の語 / operator named with "
			    "leak, ransom or access-sale words",
			    w, conf, src);
			cJSON_AddItemToObject(r, "vocabulary", why);
			c[n++] = (struct cand){SNS_C_LEAK, "leak-claim", w * conf * src, false, r};
		}
		if (m->classes & (1u << SNS_C_EXPLOIT)) {
			cJSON *why = cJSON_CreateArray();
			double w = class_weight(m->rules, SNS_C_EXPLOIT, why);
			bool cve = !strcmp(m->kind, "cve");
			const char *rule = cve	     ? "exploit-cve-open-finding"
					   : product ? "exploit-product"
						     : "exploit-chatter";
			if (cve && w < 0.8)
				w = 0.8; /* a CVE the operator has an open finding for */
			cJSON *r = reasons_new(
			    m, rule,
			    cve ? "運用者に未対応の指摘がある CVE の話題 / a CVE the operator "
				  "has an open finding for"
				: "運用者が使う製品・運用者名と悪用の語 / product the operator "
				  "runs "
				  "or its name, with exploit words",
			    w, product ? 0.8 : conf, src);
			cJSON_AddItemToObject(r, "vocabulary", why);
			c[n++] = (struct cand){SNS_C_EXPLOIT, rule,
					       w * (product ? 0.8 : conf) * src, false, r};
		}
		if ((m->classes & (1u << SNS_C_OUTAGE)) && !product) {
			bool fire = false;
			cJSON *why = NULL;
			if ((rc = outage_test(d, m, &fire, &why)))
				goto out;
			double w = class_weight(m->rules, SNS_C_OUTAGE, NULL);
			cJSON *r = reasons_new(
			    m, "outage-burst",
			    "障害・繋がらない等の投稿が運用者の平常値を超えて急増 / complaints "
			    "above the operator's own baseline",
			    0.9, conf, src);
			if (why)
				cJSON_AddItemToObject(r, "burst", why);
			(void)w;
			c[n++] = (struct cand){SNS_C_OUTAGE, "outage-burst", 0.9 * conf, !fire, r};
		}
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = wave(d, m, &c[i]);
out:
	for (size_t i = 0; i < n; i++)
		cJSON_Delete(c[i].reasons);
	return rc;
}

int sns_detect(struct store *s, int64_t run, const struct sns_import_opts *o,
	       struct sns_import_stats *st, struct merr *e)
{
	struct det d = {.s = s, .o = o, .st = st, .e = e};
	struct store_stmt *q = NULL;
	int rc;
	if ((rc = sns_terms_load(s, NULL, &d.terms, e)))
		return rc;
	/* Only the matched posts of this import are read back, oldest first. */
	rc = store_prepare(
	    s,
	    "SELECT m.post, p.created_at, p.simhash, m.org_slug, m.term, m.kind, p.platform,"
	    " p.post_id, m.classes, coalesce(m.rules, ''), p.hostnames, p.text"
	    " FROM sns_matches m JOIN sns_posts p ON p.id = m.post WHERE m.run = ?"
	    " ORDER BY p.created_at, m.post, m.org_slug",
	    &q, e);
	if (rc)
		goto out;
	stmt_bind_int64(q, 1, run);
	/* One row at a time (memory flat whatever the import's size): the detector writes
	 * sns_alerts, sns_alert_posts and alerts while this reads sns_matches and sns_posts. */
	if ((rc = store_begin(s, e))) {
		stmt_finalize(q);
		goto out;
	}
	struct mrow m;
	while ((rc = stmt_step(q, e)) == 1) {
		memset(&m, 0, sizeof m);
		m.post = stmt_int64(q, 0);
		m.created_at = stmt_int64(q, 1);
		m.simhash = (uint64_t)stmt_int64(q, 2);
		snprintf(m.org, sizeof m.org, "%s", stmt_text(q, 3));
		snprintf(m.term, sizeof m.term, "%s", stmt_text(q, 4));
		snprintf(m.kind, sizeof m.kind, "%s", stmt_text(q, 5));
		snprintf(m.platform, sizeof m.platform, "%s", stmt_text(q, 6));
		snprintf(m.post_id, sizeof m.post_id, "%s", stmt_text(q, 7));
		m.classes = (unsigned)stmt_int64(q, 8);
		snprintf(m.rules, sizeof m.rules, "%s", stmt_text(q, 9));
		m.hostnames = stmt_text(q, 10) ? m_strdup(stmt_text(q, 10)) : NULL;
		m.text = m_strndup(stmt_text(q, 11) ? stmt_text(q, 11) : "", 600);
		if (m.text) { /* cut on a character boundary */
			size_t tl = strlen(m.text), k = tl;
			while (k && ((unsigned char)m.text[k - 1] & 0xC0) == 0x80)
				k--; /* k - 1: the last character's first byte */
			if (k) {
				unsigned char lead = (unsigned char)m.text[k - 1];
				size_t need = lead < 0x80   ? 1
					      : lead < 0xE0 ? 2
					      : lead < 0xF0 ? 3
							    : 4;
				if (tl - (k - 1) < need)
					m.text[k - 1] = '\0';
			}
		}
		rc = classify(&d, &m);
		m_free(m.hostnames);
		m_free(m.text);
		if (rc)
			break;
	}
	stmt_finalize(q);
	for (size_t i = 0; rc >= 0 && i < d.n_new; i++)
		rc = send_alert(&d, d.new_ids[i]);
	if (rc < 0)
		store_rollback(s);
	else
		rc = store_commit(s, e);
out:
	m_free(d.new_ids);
	sns_terms_free(&d.terms);
	return rc < 0 ? rc : 0;
}
