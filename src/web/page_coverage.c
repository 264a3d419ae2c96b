/* page_coverage.c - honest coverage on the dashboard and the operator page: which operators
 * were assessed (未診断 otherwise: no grade), when they were last scanned, how many addresses of
 * their scope, and how old each feed's data is. Reads src/findings and src/vuln only. */
#include "base/compat.h"

#include "base/mtime.h"
#include "findings/findings.h"
#include "feeds/feeds.h"
#include "inventory/inventory.h"
#include "web/web_int.h"

/* The feeds' data age as one line of the panel. */
static void feeds_line(struct web_req *r)
{
	struct feeds_fresh ff[8];
	size_t n = 0;
	char d[TIME_STR_MAX];

	web_out(r, "<p class=\"feeds\" id=\"feed-age\">%T:", M_FEED_AGE);
	if (feeds_freshness(r->s, ff, ARRAY_SIZE(ff), &n, &r->err)) {
		merr_init(&r->err);
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (ff[i].data_at) {
			time_fmt_jst_date(ff[i].data_at, d);
			web_out(r, " <span class=\"feed\">%s %s (%L %T)</span>", ff[i].feed, d,
				(r->now - ff[i].data_at) / 86400, M_DAYS_OLD);
		} else {
			time_fmt_jst_date(ff[i].imported_at, d);
			web_out(r, " <span class=\"feed\">%s (%T %s)</span>", ff[i].feed,
				M_IMPORTED, d);
		}
	}
	if (!n)
		web_out(r, " %T", M_NO_DATA_YET);
	web_out(r, "</p>");
}

static void coverage_cells(struct web_req *r, const struct finding_coverage *c)
{
	if (!c->assessed)
		web_out(r, "<td class=\"warn\">%T</td>", M_NOT_ASSESSED);
	else
		web_out(r, "<td>%T</td>", M_ASSESSED);
	web_out(r, "<td>%s</td><td class=\"num\">%L / %L</td>", web_jst(r, c->last_scan),
		c->addrs_scanned, c->addrs_in_scope);
}

struct cov_ctx {
	struct web_req *r;
	struct inv_doc *names;
};

static int cov_row(void *arg, const char *org, const char *name, const struct finding_coverage *c)
{
	struct cov_ctx *x = arg;
	struct web_req *r = x->r;

	/* the English name on English pages (the list gives the Japanese one) */
	if (r->lang == WEB_LANG_EN && x->names)
		name = web_org_name(r, x->names, org);
	web_out(r, "<tr data-org=\"%s\"><td><a href=\"/orgs/%u\">%s</a></td>", org, org, name);
	coverage_cells(r, c);
	web_out(r, "</tr>");
	return 0;
}

static int count_assessed(void *arg, const char *org, const char *name,
			  const struct finding_coverage *c)
{
	(void)org;
	(void)name;
	*(int *)arg += c->assessed ? 1 : 0;
	return 0;
}

int web_assessed_count(struct web_req *r)
{
	const char *org = NULL, *sector = NULL;
	int n = 0;

	if (r->who.role == AUTH_ROLE_OPERATOR)
		org = r->who.org_slug;
	else if (r->who.role == AUTH_ROLE_BUREAU)
		sector = r->who.sector;
	else if (r->who.role != AUTH_ROLE_ANALYST)
		return 0;
	if (finding_coverage_list(r->s, org, sector, r->now, count_assessed, &n, &r->err)) {
		merr_init(&r->err);
		return 0;
	}
	return n;
}

/* The dashboard's coverage panel: every visible operator, assessed or 未診断, with its last scan
 * and coverage, then the feeds' data age. */
void web_panel_coverage(struct web_req *r)
{
	const char *org = NULL, *sector = NULL;

	if (r->who.role == AUTH_ROLE_OPERATOR)
		org = r->who.org_slug;
	else if (r->who.role == AUTH_ROLE_BUREAU)
		sector = r->who.sector;
	else if (r->who.role != AUTH_ROLE_ANALYST)
		return;
	web_out(r,
		"<section class=\"panel\" id=\"coverage\"><h2>%T</h2><details open><summary>%T"
		"</summary><div class=\"scroll\"><table><thead><tr><th>%T</th><th>%T</th><th>%T"
		"</th><th class=\"num\">%T</th></tr></thead><tbody>",
		M_COVERAGE, M_COVERAGE, M_ORG, M_ASSESSMENT, M_LAST_SCAN, M_ADDRS_SCANNED);
	struct cov_ctx x = {r, r->lang == WEB_LANG_EN ? web_org_names(r) : NULL};
	if (finding_coverage_list(r->s, org, sector, r->now, cov_row, &x, &r->err))
		merr_init(&r->err);
	inv_doc_free(x.names);
	web_out(r, "</tbody></table></div></details>");
	feeds_line(r);
	web_out(r, "</section>");
}

/* The operator page's coverage block. */
void web_org_coverage(struct web_req *r, const char *slug)
{
	struct finding_coverage c;

	web_out(r, "<section id=\"org-coverage\"><h2>%T</h2>", M_COVERAGE);
	if (finding_coverage(r->s, slug, r->now, &c, &r->err)) {
		merr_init(&r->err);
		web_out(r, "<p>%T</p></section>", M_NO_DATA_YET);
		return;
	}
	web_out(r,
		"<table><thead><tr><th>%T</th><th>%T</th><th class=\"num\">%T</th></tr></thead>"
		"<tbody><tr id=\"coverage-row\">",
		M_ASSESSMENT, M_LAST_SCAN, M_ADDRS_SCANNED);
	coverage_cells(r, &c);
	web_out(r, "</tr></tbody></table>");
	if (c.scope_from) {
		char d[TIME_STR_MAX];
		time_fmt_jst_date(c.scope_from, d);
		web_out(r, "<p>%T %s</p>", M_AUTHORISED_FROM, d);
	}
	feeds_line(r);
	web_out(r, "</section>");
}
