/* asm.c - the ASM cycle as a table of steps over one asm_runs row: each step is idempotent
 * (its output is upserted rows), so continuing a killed run at its step converges. */
#include "base/compat.h"

#include "base/stop.h"
#include <cjson/cJSON.h>

#include "asm/asm.h"
#include "base/mtime.h"
#include "discover/discover.h"
#include "findings/findings.h"
#include "identify/identify.h"
#include "rating/rating.h"
#include "scan/scan.h"

struct run {
	struct store *s;
	const char *org;
	const struct asm_opts *o;
	int64_t now, id, started_at;
	struct asm_summary *sum;
	char line[512];
	struct merr *e;
};

typedef int (*step_fn)(struct run *r);

/* Runs sql with ?1 = t1 (text or NULL), ?2 = i1, ?3 = i2. */
static int exec1(struct store *s, const char *sql, const char *t1, int64_t i1, int64_t i2,
		 struct merr *e);

static const char *const step_names[] = {"discover", "scan",	 "identify", "findings",
					 "rating",   "schedule", "done"};

const char *asm_step_name(enum asm_step s)
{
	return (unsigned)s < ARRAY_SIZE(step_names) ? step_names[s] : "?";
}

void asm_opts_init(struct asm_opts *o, const char *data_dir)
{
	memset(o, 0, sizeof(*o));
	o->data_dir = data_dir;
	o->mode = "connect";
	o->ports = "top";
	o->rate = 2000;
}

static void note_skip(struct run *r, const char *what)
{
	size_t len = strlen(r->sum->skipped);
	snprintf(r->sum->skipped + len, sizeof(r->sum->skipped) - len, "%s%s", len ? "; " : "",
		 what);
}

/* ---------------------------------------------------------------- steps */

static int step_discover(struct run *r)
{
	struct disc_resolver res;
	struct disc_dns_stats st = {0};
	char spec[256] = "";
	struct merr le;
	int rc;

	if (r->o->resolver)
		snprintf(spec, sizeof(spec), "%s", r->o->resolver);
	else if ((rc = disc_resolver_setting(r->s, spec, sizeof(spec), r->e)))
		return rc;
	if (!spec[0]) {
		note_skip(r, "discover: no resolver (--resolver or dns.resolver)");
		snprintf(r->line, sizeof(r->line),
			 "リゾルバ未設定のため省略 / skipped: no resolver");
		return 0;
	}
	if ((rc = disc_resolver_open(spec, 2000, 2, &res, r->e)))
		return rc;
	merr_init(&le);
	rc = disc_dns_run(r->s, r->org, &res, r->now, 60, NULL, NULL, &st, &le);
	disc_resolver_release(&res);
	if (rc == M_ETIMEOUT) { /* earlier DNS rows stay; a silent resolver is not "no SPF" */
		note_skip(r, "discover: resolver did not answer");
		snprintf(r->line, sizeof(r->line), "リゾルバ応答なし / resolver timed out: %.300s",
			 le.msg);
		return 0;
	}
	if (rc)
		return merr_set(r->e, rc, "%s", le.msg);
	snprintf(r->line, sizeof(r->line),
		 "%ld 名, %ld レコード (新規 %ld), 候補 %ld / names, "
		 "records (new), candidates",
		 st.names, st.records, st.records_new, st.candidates_new);
	return 0;
}

static int step_scan(struct run *r)
{
	struct scan_config cfg;
	struct scan_ports ports = {0};
	struct scan_scope sc;
	struct scan_outcome oc;
	int64_t id = 0;
	int rc;

	scan_config_init(&cfg);
	scan_scope_init(&sc);
	cfg.mode = r->o->mode ? r->o->mode : "connect";
	cfg.rate = r->o->rate > 0 ? r->o->rate : 2000;
	cfg.stop = r->o->stop;
	scan_key_random(cfg.key);
	rc = scan_ports_parse(r->o->ports ? r->o->ports : "top", &ports, r->e);
	if (rc == 0)
		rc = scan_scope_resolve(r->s, r->org, false, NULL, time_now(), &sc, r->e);
	if (rc == 0 && sc.targets.n == 0)
		rc = merr_set(r->e, M_ESCOPE, "nothing to scan: no address of %s is in scope",
			      r->org);
	if (rc == 0) {
		cfg.ports = &ports;
		cfg.targets = &sc.targets;
		cfg.allowed = &sc.allowed;
		cfg.scope_kind = sc.kind;
		cfg.report_closed = cfg.report_filtered = false;
		rc = scan_session_run(r->s, r->org, NULL, &cfg, 0, NULL, &id, &oc, r->e);
	}
	if (rc == 0 && !oc.complete)
		rc = merr_set(r->e, M_EINTR, "scan %lld stopped before the end (%s)", (long long)id,
			      oc.interrupted ? "interrupted" : "time limit");
	if (rc == 0)
		rc = exec1(
		    r->s,
		    "UPDATE asm_runs SET scan_id = ?2 WHERE id = ?3 AND CAST(?1 AS TEXT) IS NULL",
		    NULL, id, r->id, r->e);
	if (rc == 0)
		snprintf(r->line, sizeof(r->line),
			 "scan %lld: %llu 送信, 開放 %llu / sent, open ports (%.1f s)",
			 (long long)id, (unsigned long long)oc.c.sent,
			 (unsigned long long)oc.c.open, oc.elapsed);
	scan_scope_release(&sc);
	scan_ports_release(&ports);
	return rc;
}

/* The scan this run made (kept in its row, so a resumed run finds it). */
static int run_scan_id(struct run *r, int64_t *id)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(r->s, "SELECT scan_id FROM asm_runs WHERE id = ?", &st, r->e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, r->id);
	rc = stmt_step(st, r->e);
	*id = rc == 1 ? stmt_int64(st, 0) : 0;
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	return *id > 0 ? 0 : merr_set(r->e, M_ENOTFOUND, "identify: this run has no finished scan");
}

static int step_identify(struct run *r)
{
	struct ident_run_opts o;
	struct ident_run_result res;
	int64_t scan_id = 0;
	int rc;

	memset(&res, 0, sizeof(res));
	rc = run_scan_id(r, &scan_id);
	/* The ports this run's scan found open: that scan walked the org's whole scope, so
	 * they are the org's whole open-port set (for the run's port list) and the identify
	 * run is complete; ports open in older scans only are gone. */
	if (rc == 0) {
		ident_run_opts_init(&o);
		o.data_dir = r->o->data_dir;
		o.org = r->org;
		o.only_scan = scan_id;
		o.whole_scan = true;
		o.max_orgs = 1;
		o.stop = r->o->stop;
		o.timeout = r->o->id_timeout;
		rc = ident_run_org(r->s, &o, &res, r->e);
	}
	if (rc == 0 && res.k.interrupted)
		rc = merr_set(r->e, M_EINTR, "identify interrupted");
	if (rc == 0)
		ident_run_summary(&res, r->line, sizeof(r->line));
	ident_run_result_release(&res);
	return rc;
}

static int step_findings(struct run *r)
{
	struct finding_opts fo;
	struct finding_stats st;
	int rc;

	finding_opts_init(&fo, r->o->data_dir, r->now);
	rc = finding_evaluate(r->s, r->org, &fo, &st, r->e);
	if (rc == 0)
		snprintf(
		    r->line, sizeof(r->line),
		    "新規 %ld, 再発 %ld, 修正 %ld, 継続 %ld / new, reopened, fixed, still open",
		    st.opened, st.reopened, st.fixed, st.still_open);
	return rc;
}

static int step_rating(struct run *r)
{
	struct rating_result res;
	int rc = rating_compute(r->s, r->org, r->now, &res, r->e);

	if (rc == 0)
		rc = rating_store(r->s, &res, r->now, r->e);
	if (rc == 0 && !res.assessed)
		snprintf(r->line, sizeof(r->line), "%s: 未診断 / not assessed", res.period);
	else if (rc == 0)
		snprintf(r->line, sizeof(r->line),
			 "%s: %c (%.1f 点 / points, 減点 %zu 件 / deductions)", res.period,
			 res.grade, res.score, res.n_d);
	rating_result_release(&res);
	return rc;
}

static int step_schedule(struct run *r)
{
	int rc = finding_schedule_update(r->s, r->org, r->now, r->e);
	if (rc == 0)
		snprintf(r->line, sizeof(r->line), "再診断予定を更新 / rescan schedule updated");
	return rc;
}

static const step_fn steps[ASM_DONE] = {step_discover, step_scan,   step_identify,
					step_findings, step_rating, step_schedule};

/* ---------------------------------------------------------------- the run row */

static int exec1(struct store *s, const char *sql, const char *t1, int64_t i1, int64_t i2,
		 struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, sql, &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, t1);
	stmt_bind_int64(st, 2, i1);
	stmt_bind_int64(st, 3, i2);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* The unfinished run of org to continue, or a new one. */
static int open_run(struct run *r, enum asm_step *from)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(r->s,
			  "SELECT id, step, started_at FROM asm_runs WHERE org_slug = ? AND state "
			  "IN ('running', 'failed') ORDER BY id DESC LIMIT 1",
			  &st, r->e);
	*from = ASM_DISCOVER;
	if (rc)
		return rc;
	stmt_bind_text(st, 1, r->org);
	rc = stmt_step(st, r->e);
	if (rc == 1) {
		r->id = stmt_int64(st, 0);
		r->started_at = stmt_int64(st, 2);
		for (int i = 0; i < ASM_DONE; i++)
			if (!strcmp(step_names[i], stmt_text(st, 1)))
				*from = (enum asm_step)i;
	}
	stmt_finalize(st);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		r->sum->resumed = true;
		r->sum->resumed_at = *from;
		return exec1(r->s,
			     "UPDATE asm_runs SET state = 'running', error = ?1 WHERE id = ?2 "
			     "AND ?3 = ?3",
			     NULL, r->id, 0, r->e);
	}
	r->started_at = r->now;
	rc = store_prepare(
	    r->s,
	    "INSERT INTO asm_runs (org_slug, started_at, state, step, params) VALUES (?, "
	    "?, 'running', 'discover', ?) RETURNING id",
	    &st, r->e);
	if (rc)
		return rc;
	{
		char params[512];
		snprintf(params, sizeof(params), "{\"mode\":\"%s\",\"ports\":\"%.400s\"}",
			 r->o->mode ? r->o->mode : "connect", r->o->ports ? r->o->ports : "top");
		stmt_bind_text(st, 1, r->org);
		stmt_bind_int64(st, 2, r->now);
		stmt_bind_text(st, 3, params);
	}
	rc = stmt_step(st, r->e);
	if (rc == 1)
		r->id = stmt_int64(st, 0);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int count_events(struct run *r, const char *ev, long *out)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(r->s,
			       "SELECT count(*) FROM finding_events v JOIN findings f ON f.id = "
			       "v.finding_id WHERE f.org_slug = ? AND v.event = ? AND v.at >= ?",
			       &st, r->e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, r->org);
	stmt_bind_text(st, 2, ev);
	stmt_bind_int64(st, 3, r->started_at);
	if ((rc = stmt_step(st, r->e)) == 1)
		*out = (long)stmt_int64(st, 0);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Grade and score of the newest snapshot computed before (or, after = true, at any time
 * up to now) the run. */
static int snapshot(struct run *r, bool after, char *grade, double *score)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(r->s,
			       "SELECT grade, score FROM ratings WHERE org_slug = ? AND (? = 1 OR "
			       "computed_at < ?) ORDER BY computed_at DESC, id DESC LIMIT 1",
			       &st, r->e);
	*grade = '\0';
	*score = 0;
	if (rc)
		return rc;
	stmt_bind_text(st, 1, r->org);
	stmt_bind_int64(st, 2, after);
	stmt_bind_int64(st, 3, r->started_at);
	if ((rc = stmt_step(st, r->e)) == 1) {
		*grade = stmt_text(st, 0)[0];
		*score = stmt_double(st, 1);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int summarise(struct run *r)
{
	struct asm_summary *m = r->sum;
	struct rating_result res;
	int64_t open = 0;
	struct store_stmt *st = NULL;
	int rc = count_events(r, "opened", &m->opened);

	if (rc == 0)
		rc = count_events(r, "fixed", &m->fixed);
	if (rc == 0)
		rc = count_events(r, "reopened", &m->reopened);
	if (rc == 0)
		rc = snapshot(r, false, &m->grade_before, &m->score_before);
	if (rc == 0)
		rc = snapshot(r, true, &m->grade_after, &m->score_after);
	if (rc == 0 &&
	    (rc = store_prepare(
		 r->s, "SELECT count(*) FROM findings WHERE org_slug = ? AND state = 'open'", &st,
		 r->e)) == 0) {
		stmt_bind_text(st, 1, r->org);
		if ((rc = stmt_step(st, r->e)) == 1)
			open = stmt_int64(st, 0), rc = 0;
		stmt_finalize(st);
	}
	m->still_open = (long)open - m->opened - m->reopened;
	if (m->still_open < 0)
		m->still_open = 0;
	if (rc == 0 && (rc = rating_compute(r->s, r->org, r->now, &res, r->e)) == 0) {
		for (size_t i = 0; i < res.n_d && m->n_top < ASM_TOP_REASONS; i++)
			if (res.d[i].applied > 0)
				snprintf(m->top[m->n_top++], sizeof(m->top[0]),
					 "-%.1f %.250s (%.100s)", res.d[i].applied / 10.0,
					 res.d[i].title, res.d[i].asset);
		rating_result_release(&res);
	}
	return rc;
}

int asm_run_org(struct store *s, const char *org, const struct asm_opts *o, int64_t now,
		struct asm_summary *sum, struct merr *e)
{
	struct run r = {s, org, o, now, 0, 0, sum, "", e};
	enum asm_step from;
	int rc;

	memset(sum, 0, sizeof(*sum));
	if ((rc = open_run(&r, &from)))
		return rc;
	sum->run_id = r.id;
	for (int i = from; rc == 0 && i < ASM_DONE; i++) {
		if (stop_level_of(o->stop)) {
			rc = merr_set(e, M_EINTR, "stopped before %s", step_names[i]);
			break;
		}
		rc = exec1(s, "UPDATE asm_runs SET step = ?1 WHERE id = ?2 AND ?3 = ?3",
			   step_names[i], r.id, 0, e);
		if (rc)
			break;
		if (o->progress)
			o->progress(o->progress_arg, org, (enum asm_step)i, NULL);
		r.line[0] = '\0';
		rc = steps[i](&r);
		if (rc == 0 && o->progress)
			o->progress(o->progress_arg, org, (enum asm_step)i, r.line);
	}
	if (rc) {
		char msg[700];
		merr_format(e, msg, sizeof(msg));
		exec1(s,
		      "UPDATE asm_runs SET state = 'failed', error = ?1 WHERE id = ?2 AND ?3 = ?3",
		      msg, r.id, 0, NULL);
		return rc;
	}
	rc = summarise(&r);
	if (rc == 0)
		rc = exec1(
		    s,
		    "UPDATE asm_runs SET state = 'done', step = 'done', finished_at = ?2 WHERE "
		    "id = ?3 AND CAST(?1 AS TEXT) IS NULL",
		    NULL, time_now(), r.id, e);
	return rc;
}
