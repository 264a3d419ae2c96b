/* schedule.c - the rescan schedule (CyHy-style host priorities): hosts with KEV or critical
 * findings come back within hours, clean ones weekly, new ones at once, dark ones monthly. */
#include "base/compat.h"

#include "base/mem.h"
#include "findings/findings.h"
#include "inventory/inventory.h"

#define H 3600LL
#define D (24 * H)

/* CyHy: critical/KEV 12 h, high 24 h, medium 4 d, low 6 d, clean 7 d, new 14 d, dark 90 d.
 * mamori keeps the first five and changes two: a new host is scanned within the hour
 * (CyHy's 14 days leaves a new, unknown host unlooked-at for two weeks), and a dark host
 * every 30 days (a ministry's operators renumber more often than a 90-day look allows). */
static const struct finding_sched_level levels[] = {
    {0, "kev-critical", 12 * H, "KEV または緊急の脆弱性", "KEV or critical finding open"},
    {1, "high", 24 * H, "重要な脆弱性・危険なサービス", "high finding open"},
    {2, "medium", 4 * D, "警告レベルの指摘", "medium finding open"},
    {3, "low", 6 * D, "注意レベルの指摘", "low finding open"},
    {4, "clean", 7 * D, "指摘なし（応答あり）", "up, no open finding"},
    {5, "new", 1 * H, "未診断の新しいホスト", "new host, never scanned"},
    {6, "dark", 30 * D, "応答なし", "no open port in the last scan (dark)"},
};

const struct finding_sched_level *finding_sched_levels(size_t *n)
{
	*n = ARRAY_SIZE(levels);
	return levels;
}

int finding_sched_next(int prev, int target)
{
	if (prev < 0 || target >= 5 || prev >= 5 || target <= prev)
		return target;
	return prev + 1; /* decay one step per scan after fixes */
}

struct host {
	char ip[64];
	int target;
	int prev;
	char reason[256];
};

struct hosts {
	struct host *v;
	size_t n, cap;
};

static struct host *host_get(struct hosts *h, const char *ip)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->v[i].ip, ip))
			return &h->v[i];
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 32;
		struct host *v = m_realloc(h->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		h->v = v;
		h->cap = cap;
	}
	memset(&h->v[h->n], 0, sizeof(h->v[0]));
	snprintf(h->v[h->n].ip, sizeof(h->v[0].ip), "%s", ip);
	h->v[h->n].target = -1;
	h->v[h->n].prev = -1;
	return &h->v[h->n++];
}

/* Runs sql (org bound to ?1) and calls fn for each row; missing tables are skipped. */
static int each_row(struct store *s, const char *sql, const char *org,
		    int (*fn)(struct hosts *h, struct store_stmt *st), struct hosts *h,
		    struct merr *e)
{
	struct store_stmt *st = NULL;
	struct merr le;
	int rc;

	merr_init(&le);
	if ((rc = store_prepare(s, sql, &st, &le)))
		return strstr(le.msg, "no such table") ? 0 : merr_set(e, rc, "%s", le.msg);
	stmt_bind_text(st, 1, org);
	while ((rc = stmt_step(st, e)) == 1)
		if ((rc = fn(h, st)))
			break;
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int on_finding(struct hosts *h, struct store_stmt *st)
{
	struct host *x = host_get(h, stmt_text(st, 0));
	const char *sev = stmt_text(st, 1), *title = stmt_text(st, 3);
	bool kev = stmt_int64(st, 2) != 0, unconfirmed = stmt_int64(st, 4) != 0;
	int p = kev || !strcmp(sev, "critical") ? 0
		: !strcmp(sev, "high")		? 1
		: !strcmp(sev, "medium")	? 2
						: 3;
	/* a match that needs confirmation (unknown version, distro backport) comes back one
	 * level later: urgent enough to look again soon, not at the KEV pace */
	if (unconfirmed && !kev && p < 3)
		p++;
	if (!x)
		return M_ENOMEM;
	if (x->target < 0 || p < x->target) {
		x->target = p;
		snprintf(x->reason, sizeof(x->reason), "%s: %s", levels[p].why_ja, title);
	}
	return 0;
}

static int on_up(struct hosts *h, struct store_stmt *st)
{
	struct host *x = host_get(h, stmt_text(st, 0));
	if (!x)
		return M_ENOMEM;
	if (x->target < 0 || x->target > 4) {
		x->target = 4;
		snprintf(x->reason, sizeof(x->reason), "%s / %s", levels[4].why_ja,
			 levels[4].why_en);
	}
	return 0;
}

static int on_asset(struct hosts *h, struct store_stmt *st)
{
	struct host *x = host_get(h, stmt_text(st, 0));
	bool scanned = stmt_int64(st, 1) != 0;
	int p = scanned ? 6 : 5;
	if (!x)
		return M_ENOMEM;
	if (x->target < 0) {
		x->target = p;
		snprintf(x->reason, sizeof(x->reason), "%s / %s", levels[p].why_ja,
			 levels[p].why_en);
	}
	return 0;
}

static int on_prev(struct hosts *h, struct store_stmt *st)
{
	struct host *x = host_get(h, stmt_text(st, 0));
	if (!x)
		return M_ENOMEM;
	x->prev = (int)stmt_int64(st, 1);
	if (x->target < 0) { /* no longer anywhere: treat as dark */
		x->target = 6;
		snprintf(x->reason, sizeof(x->reason), "%s / %s", levels[6].why_ja,
			 levels[6].why_en);
	}
	return 0;
}

static int write_host(struct store *s, const char *org, const struct host *x, int64_t now,
		      struct merr *e)
{
	struct store_stmt *st = NULL;
	int p = finding_sched_next(x->prev, x->target);
	char reason[400];
	int rc;

	if (p != x->target)
		snprintf(reason, sizeof(reason),
			 "%s → 修正後の段階的緩和 / decaying one step after fixes",
			 levels[x->prev].level);
	else
		snprintf(reason, sizeof(reason), "%s", x->reason);
	rc = store_prepare(
	    s,
	    "INSERT INTO scan_schedule (org_slug, ip, priority, level, next_due, reason, "
	    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_slug, ip) DO "
	    "UPDATE SET priority = excluded.priority, level = excluded.level, next_due = "
	    "excluded.next_due, reason = excluded.reason, updated_at = excluded.updated_at",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, org);
	stmt_bind_text(st, 2, x->ip);
	stmt_bind_int64(st, 3, p);
	stmt_bind_text(st, 4, levels[p].level);
	stmt_bind_int64(st, 5, now + levels[p].interval);
	stmt_bind_text(st, 6, reason);
	stmt_bind_int64(st, 7, now);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

int finding_schedule_update(struct store *s, const char *org, int64_t now, struct merr *e)
{
	struct hosts h = {0};
	int rc = store_begin_immediate(s, e);

	if (rc)
		return rc;
	rc = each_row(s,
		      "SELECT ip, severity, kev = 1 AND needs_confirmation = 0, title, "
		      "needs_confirmation FROM "
		      "findings WHERE "
		      "org_slug = ?1 AND " FINDING_ACTIVE_SQL(
			  "") " AND ip IS NOT NULL AND severity != 'info' "
			      "ORDER BY id",
		      org, on_finding, &h, e);
	if (rc == 0)
		rc = each_row(
		    s,
		    "SELECT DISTINCT ip FROM observations WHERE org_slug = ?1 AND state = "
		    "'open' AND last_seen >= COALESCE((SELECT max(started_at) FROM scans WHERE "
		    "org_slug = ?1 AND state = 'done'), 0)",
		    org, on_up, &h, e);
	if (rc == 0)
		rc = each_row(
		    s, "SELECT DISTINCT ip FROM services WHERE org_slug = ?1 AND state != 'error'",
		    org, on_up, &h, e);
	if (rc == 0)
		rc = each_row(
		    s,
		    "SELECT a.value, EXISTS (SELECT 1 FROM scans WHERE org_slug = ?1 AND state "
		    "= 'done') FROM assets a JOIN orgs o ON o.id = a.org_id WHERE o.slug = ?1 "
		    "AND a.kind IN ('ipv4', 'ipv6') AND a.status = 'confirmed'",
		    org, on_asset, &h, e);
	if (rc == 0)
		rc = each_row(s, "SELECT ip, priority FROM scan_schedule WHERE org_slug = ?1", org,
			      on_prev, &h, e);
	for (size_t i = 0; rc == 0 && i < h.n; i++)
		rc = write_host(s, org, &h.v[i], now, e);
	m_free(h.v);
	if (rc) {
		store_rollback(s);
		return rc;
	}
	return store_commit(s, e);
}

int finding_schedule_list(struct store *s, bool due_only, int64_t now,
			  int (*fn)(void *arg, const struct finding_sched_row *r), void *arg,
			  struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "SELECT org_slug, ip, priority, level, next_due, reason, updated_at FROM "
			  "scan_schedule WHERE (?1 = 0 OR next_due <= ?2) ORDER BY next_due, "
			  "priority, org_slug, ip",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, due_only);
	stmt_bind_int64(st, 2, now);
	while ((rc = stmt_step(st, e)) == 1) {
		struct finding_sched_row r = {
		    stmt_text(st, 0),	    stmt_text(st, 1),  stmt_text(st, 3), stmt_text(st, 5),
		    (int)stmt_int64(st, 2), stmt_int64(st, 4), stmt_int64(st, 6)};
		if ((rc = fn(arg, &r)))
			break;
	}
	stmt_finalize(st);
	return rc < 0 ? rc : rc;
}

int finding_schedule_due_orgs(struct store *s, int64_t now, int (*fn)(void *arg, const char *org),
			      void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "SELECT slug FROM orgs o WHERE EXISTS (SELECT 1 FROM scan_schedule WHERE "
			  "org_slug = o.slug AND next_due <= ?1) OR NOT EXISTS (SELECT 1 FROM "
			  "scan_schedule WHERE org_slug = o.slug) ORDER BY slug",
			  &st, e);
	if (rc)
		return rc;
	stmt_bind_int64(st, 1, now);
	while ((rc = stmt_step(st, e)) == 1)
		if ((rc = fn(arg, stmt_text(st, 0))))
			break;
	stmt_finalize(st);
	return rc < 0 ? rc : rc;
}

int finding_schedule_due_by_org(struct store *s, const struct inv_rows *rows, int64_t now,
				int64_t limit, int (*fn)(void *arg, const char *org, int64_t hosts),
				void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	char cond[160], sql[600];
	const char *val;
	int b = 1, rc = inv_rows_sql(rows, "s.org_slug", cond, sizeof(cond), &val);

	if (rc)
		return merr_set(e, rc, "row rule too long");
	snprintf(sql, sizeof(sql),
		 "SELECT s.org_slug, count(*) FROM scan_schedule s WHERE %s AND s.next_due <= ? "
		 "GROUP BY s.org_slug ORDER BY 2 DESC, 1 LIMIT ?",
		 cond);
	if ((rc = store_prepare(s, sql, &st, e)))
		return rc;
	if (val)
		stmt_bind_text(st, b++, val);
	stmt_bind_int64(st, b++, now);
	stmt_bind_int64(st, b, limit > 0 ? limit : -1);
	while ((rc = stmt_step(st, e)) == 1)
		if ((rc = fn(arg, stmt_text(st, 0), stmt_int64(st, 1))))
			break;
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}
