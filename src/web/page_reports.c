/* page_reports.c - quarterly and sector reports to download from the folder `mamori report
 * --out DIR` writes (`mamori serve --reports-dir DIR`): lists, downloads, "generate now". */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/json.h"
#include "base/mtime.h"
#include "inventory/inventory.h"
#include "report/report.h"
#include "web/web_int.h"

#define REP_FILE_MAX ((size_t)7 << 20) /* below the response buffer's 8 MB cap */

/* Report rendering (pango, fontconfig) is not known to be safe from several threads. */
static pthread_mutex_t render_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *L(const struct web_req *r, const char *ja, const char *en)
{
	return r->lang == WEB_LANG_EN ? en : ja;
}

bool web_report_file_parse(const char *file, char period[8], const char **ext)
{
	size_t f;

	if (!report_file_parse(file, period, &f))
		return false;
	*ext = report_formats[f].ext;
	return true;
}

/* An operator's reports are DIR/<slug>-<period>.*: a slug the inventory reserves (one that
 * could name something else, like sector-railways) has none, even in a store imported before
 * the inventory refused it. */
static bool org_name_safe(const char *slug)
{
	return report_name_safe(slug) && !inv_slug_reserved(slug);
}

/* Appends s percent-encoded for an RFC 5987 filename* value. */
static int add_attr_encoded(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			     (*p >= '0' && *p <= '9') || strchr("-._~", *p);
		int rc = plain ? buf_addc(b, (char)*p)
			       : buf_addf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
		if (rc)
			return rc;
	}
	return 0;
}

/* Sends DIR/<name> (DIR/<sub>/<name> when sub is not NULL) as an attachment called
 * ascii_name (filename*: utf8_name). */
static int send_file(struct web_req *r, const char *sub, const char *name, size_t fmt,
		     const char *ascii_name, const char *utf8_name)
{
	const char *dir = r->opts ? r->opts->reports_dir : NULL;
	struct buf disp;
	struct stat st;
	char chunk[65536];
	ssize_t n;
	int dfd, fd, rc = 0;

	if (!dir)
		return merr_set(&r->err, M_ENOTFOUND, "no reports folder (serve --reports-dir)");
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return M_ENOTFOUND;
	if (sub) {
		int sfd = openat(dfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(dfd);
		if ((dfd = sfd) < 0)
			return M_ENOTFOUND;
	}
	/* name holds no '/' (checked by the callers); O_NOFOLLOW refuses a planted symlink. */
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return M_ENOTFOUND;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (size_t)st.st_size > REP_FILE_MAX) {
		close(fd);
		return M_ENOTFOUND;
	}
	buf_reset(&r->out);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if ((rc = buf_add(&r->out, chunk, (size_t)n)))
			break;
	close(fd);
	if (rc || n < 0)
		return rc ? rc : M_EIO;
	r->ctype = report_formats[fmt].ctype;
	buf_init(&disp, sizeof(r->disposition) - 1);
	if (buf_addf(&disp, "attachment; filename=\"%s\"; filename*=UTF-8''", ascii_name) ||
	    add_attr_encoded(&disp, utf8_name))
		buf_reset(&disp);
	snprintf(r->disposition, sizeof(r->disposition), "%s",
		 disp.len ? buf_str(&disp) : "attachment");
	buf_release(&disp);
	return 0;
}

/* ---- one operator's quarterly reports ---- */

static void org_prefix(const char *slug, char *out, size_t cap)
{
	snprintf(out, cap, "%s-", slug);
}

void web_org_reports(struct web_req *r, const struct inv_org *o)
{
	struct report_files *l = web_arena_alloc(&r->arena, sizeof(*l));
	char prefix[160];

	web_out(r, "<section id=\"reports\"><h2>%s</h2>",
		L(r, "四半期報告書", "Quarterly reports"));
	if (!l || !org_name_safe(o->slug)) {
		web_out(r, "<p class=\"empty\">%T</p></section>", M_NO_DATA_YET);
		return;
	}
	org_prefix(o->slug, prefix, sizeof(prefix));
	report_files_list(r->opts ? r->opts->reports_dir : NULL, prefix, l);
	if (l->n == 0)
		web_out(r, "<p class=\"empty\">%T</p>", M_NO_DATA_YET);
	else
		web_out(r, "<table id=\"report-list\"><tr><th>%T</th><th>%s</th></tr>", M_PERIOD,
			L(r, "ダウンロード", "Download"));
	for (size_t i = 0; i < l->n; i++) {
		web_out(r, "<tr><td>%s</td><td>", l->v[i].period);
		/* both languages side by side: 日本語 (the report of record), then English */
		for (int en = 0; en < 2; en++)
			for (size_t f = 0; f < REPORT_FORMATS; f++) {
				bool have = en ? l->v[i].fmt_en[f] : l->v[i].fmt[f];
				int64_t size = en ? l->v[i].size_en[f] : l->v[i].size[f];
				if (!have)
					continue;
				web_out(
				    r,
				    "<a class=\"report-%s%s\" href=\"/orgs/%u/reports/%u%s.%s\" "
				    "hreflang=\"%s\" download>%s %s (%L KB)</a> ",
				    report_formats[f].ext, en ? "-en" : "", o->slug, l->v[i].period,
				    en ? "-en" : "", report_formats[f].ext, en ? "en" : "ja",
				    en ? L(r, "英語版", "English") : L(r, "日本語版", "Japanese"),
				    f == 0 ? "PDF" : "HTML", (size + 1023) / 1024);
			}
		web_out(r, "</td></tr>");
	}
	if (l->n)
		web_out(r, "</table>");
	if (r->who.role == AUTH_ROLE_ANALYST && r->opts && r->opts->reports_dir) {
		char period[16];
		time_quarter(r->now, period);
		web_out(r,
			"<form method=\"post\" action=\"/orgs/%u/reports\" class=\"inline\">"
			"<label>%T <input name=\"period\" value=\"%s\" size=\"7\" "
			"pattern=\"[0-9]{4}Q[1-4]\"></label> ",
			o->slug, M_PERIOD, period);
		web_csrf_field(r);
		web_out(r, "<button type=\"submit\" id=\"generate-report\">%s</button></form>",
			L(r, "今すぐ作成", "Generate now"));
	}
	web_out(r, "</section>");
}

int web_get_org_report(struct web_req *r)
{
	const char *file = web_kv_get(&r->params, "file");
	struct inv_doc *d = NULL;
	char period[8], name[200], ascii[200], utf8[400];
	size_t fmt;
	bool en;
	int rc;

	if (!report_file_parse_lang(file, period, &fmt, &en))
		return M_ENOTFOUND;
	if ((rc = web_org_load(r, 0, &d)))
		return rc;
	if (!org_name_safe(d->orgs[0].slug)) {
		inv_doc_free(d);
		return M_ENOTFOUND;
	}
	/* The file name comes from the stored slug and the checked period, never the URL. */
	snprintf(name, sizeof(name), "%s-%s%s.%s", d->orgs[0].slug, period, en ? "-en" : "",
		 report_formats[fmt].ext);
	snprintf(ascii, sizeof(ascii), "%s", name);
	snprintf(utf8, sizeof(utf8), "%s-%s%s.%s",
		 en && d->orgs[0].name_en ? d->orgs[0].name_en
		 : d->orgs[0].name_ja	  ? d->orgs[0].name_ja
					  : d->orgs[0].slug,
		 period, en ? "-en" : "", report_formats[fmt].ext);
	inv_doc_free(d);
	return send_file(r, NULL, name, fmt, ascii, utf8);
}

static cJSON *list_json(const struct report_files *l, const char *base)
{
	cJSON *o = cJSON_CreateObject(), *items = cJSON_AddArrayToObject(o, "items");
	char url[300];

	for (size_t i = 0; i < l->n; i++) {
		cJSON *x = cJSON_CreateObject(), *fm = cJSON_AddArrayToObject(x, "formats");
		json_add_str(x, "period", l->v[i].period);
		for (size_t k = 0; k < 2 * REPORT_FORMATS; k++) {
			size_t f = k % REPORT_FORMATS;
			bool en = k >= REPORT_FORMATS;
			cJSON *y;
			if (!(en ? l->v[i].fmt_en[f] : l->v[i].fmt[f]))
				continue;
			y = cJSON_CreateObject();
			snprintf(url, sizeof(url), "%s/%s%s.%s", base, l->v[i].period,
				 en ? "-en" : "", report_formats[f].ext);
			json_add_str(y, "format", report_formats[f].ext);
			json_add_str(y, "lang", en ? "en" : "ja");
			json_add_str(y, "url", url);
			cJSON_AddNumberToObject(
			    y, "size", (double)(en ? l->v[i].size_en[f] : l->v[i].size[f]));
			cJSON_AddItemToArray(fm, y);
		}
		cJSON_AddItemToArray(items, x);
	}
	cJSON_AddNumberToObject(o, "total", (double)l->n);
	return o;
}

int web_api_org_reports(struct web_req *r)
{
	struct report_files *l = web_arena_alloc(&r->arena, sizeof(*l));
	struct inv_doc *d = NULL;
	char prefix[160], base[200];
	int rc;

	if (!l)
		return M_ENOMEM;
	if ((rc = web_org_load(r, 0, &d)))
		return rc;
	if (org_name_safe(d->orgs[0].slug)) {
		org_prefix(d->orgs[0].slug, prefix, sizeof(prefix));
		report_files_list(r->opts ? r->opts->reports_dir : NULL, prefix, l);
	} else {
		l->n = 0;
	}
	snprintf(base, sizeof(base), "/orgs/%s/reports", d->orgs[0].slug);
	inv_doc_free(d);
	return web_json_reply(r, 200, list_json(l, base));
}

int web_post_org_report(struct web_req *r)
{
	const char *p = web_kv_get(&r->form, "period");
	struct report_opts o = {0};
	struct inv_doc *d = NULL;
	char period[16], loc[300];
	int rc;

	if (!r->opts || !r->opts->reports_dir)
		return merr_set(
		    &r->err, M_EUNSUPPORTED,
		    "報告書フォルダが未設定です / no reports folder (serve --reports-dir)");
	if (p && *p) {
		if (!report_period_valid(p, strlen(p)))
			return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "period",
				       "period must look like 2026Q4");
		snprintf(period, sizeof(period), "%s", p);
	} else {
		time_quarter(r->now, period);
	}
	if ((rc = web_org_load(r, 0, &d)))
		return rc;
	o.period = period;
	o.out_dir = r->opts->reports_dir;
	o.now = r->now;
	/* both languages, so the list always offers the two */
	pthread_mutex_lock(&render_lock);
	o.lang = REPORT_JA;
	rc = report_quarterly(r->s, d->orgs[0].slug, &o, &r->err);
	o.lang = REPORT_EN;
	if (rc == 0)
		rc = report_quarterly(r->s, d->orgs[0].slug, &o, &r->err);
	pthread_mutex_unlock(&render_lock);
	snprintf(loc, sizeof(loc), "/orgs/%s#reports", d->orgs[0].slug);
	inv_doc_free(d);
	return rc ? rc : web_redirect(r, loc);
}

/* ---- sector reports (bureau: its sector; analyst: all) ---- */

/* A link to /reports under the operators list, for the roles that may open it. */
void web_reports_link(struct web_req *r)
{
	if (web_role_may_get(r->who.role, "/reports"))
		web_out(r, "<p><a href=\"/reports\" id=\"sector-reports-link\">%s</a></p>",
			L(r, "分野別報告書", "Sector reports"));
}

struct sectors {
	size_t n;
	struct {
		char code[AUTH_SECTOR_MAX], ja[96], en[96];
	} s[32];
};

static int add_sector(const char *code, const char *ja, const char *en, void *arg)
{
	struct sectors *sn = arg;

	if (sn->n == ARRAY_SIZE(sn->s))
		return 0;
	snprintf(sn->s[sn->n].code, sizeof(sn->s[0].code), "%s", code);
	snprintf(sn->s[sn->n].ja, sizeof(sn->s[0].ja), "%s", ja);
	snprintf(sn->s[sn->n].en, sizeof(sn->s[0].en), "%s", en);
	sn->n++;
	return 0;
}

/* DIR/sectors, where sector reports are (report.h); NULL without a reports folder. */
static const char *sector_folder(struct web_req *r)
{
	const char *dir = r->opts ? r->opts->reports_dir : NULL;
	size_t n = dir ? strlen(dir) + sizeof(REPORT_SECTOR_DIR) + 1 : 0;
	char *p = dir ? web_arena_alloc(&r->arena, n) : NULL;

	if (p)
		snprintf(p, n, "%s/%s", dir, REPORT_SECTOR_DIR);
	return p;
}

/* The caller's sectors: all for analysts, its own for bureau users. */
static int visible_sectors(struct web_req *r, struct sectors *out)
{
	struct sectors all = {0};
	int rc;

	out->n = 0;
	if ((rc = inv_sectors(r->s, add_sector, &all, &r->err)))
		return rc;
	for (size_t i = 0; i < all.n; i++)
		if (r->who.role == AUTH_ROLE_ANALYST ||
		    (r->who.role == AUTH_ROLE_BUREAU && strcmp(all.s[i].code, r->who.sector) == 0))
			out->s[out->n++] = all.s[i];
	return 0;
}

/* The {sector} parameter when it is one of the caller's sectors; M_ENOTFOUND otherwise. */
static int sector_param(struct web_req *r, struct sectors *sn, size_t *idx)
{
	const char *code = web_kv_get(&r->params, "sector");
	int rc = visible_sectors(r, sn);

	if (rc)
		return rc;
	for (size_t i = 0; code && i < sn->n; i++)
		if (strcmp(sn->s[i].code, code) == 0 && report_name_safe(code)) {
			*idx = i;
			return 0;
		}
	return M_ENOTFOUND;
}

int web_page_reports(struct web_req *r)
{
	const char *sector_dir;
	struct sectors sn;
	struct report_files *l = web_arena_alloc(&r->arena, sizeof(*l));
	int rc;

	if (!l)
		return M_ENOMEM;
	if ((rc = visible_sectors(r, &sn)))
		return rc;
	sector_dir = sector_folder(r);
	web_page_begin(r, M_NAV_ORGS);
	web_out(r,
		"<h2>%s</h2><table id=\"sector-reports\"><tr><th>%T</th><th>%T</th><th>%s</th>"
		"</tr>",
		L(r, "分野別報告書", "Sector reports"), M_SECTOR, M_PERIOD,
		L(r, "ダウンロード", "Download"));
	for (size_t k = 0; k < sn.n; k++) {
		char prefix[160];
		if (!report_name_safe(sn.s[k].code))
			continue;
		snprintf(prefix, sizeof(prefix), "%s-", sn.s[k].code);
		report_files_list(sector_dir, prefix, l);
		for (size_t i = 0; i < l->n; i++) {
			web_out(r, "<tr><td>%s</td><td>%s</td><td>",
				r->lang == WEB_LANG_EN ? sn.s[k].en : sn.s[k].ja, l->v[i].period);
			for (int en = 0; en < 2; en++)
				for (size_t f = 0; f < REPORT_FORMATS; f++)
					if (en ? l->v[i].fmt_en[f] : l->v[i].fmt[f])
						web_out(r,
							"<a class=\"sector-%s%s\" "
							"href=\"/sectors/%u/reports/%u%s.%s\" "
							"hreflang=\"%s\" download>%s %s</a> ",
							report_formats[f].ext, en ? "-en" : "",
							sn.s[k].code, l->v[i].period,
							en ? "-en" : "", report_formats[f].ext,
							en ? "en" : "ja",
							en ? L(r, "英語版", "English")
							   : L(r, "日本語版", "Japanese"),
							f == 0 ? "PDF" : "HTML");
			web_out(r, "</td></tr>");
		}
	}
	web_out(r, "</table>");
	web_page_end(r);
	return 0;
}

int web_get_sector_report(struct web_req *r)
{
	struct sectors sn;
	char period[8], name[200], ascii[220], utf8[400];
	size_t fmt, k;
	bool en;
	int rc;

	if (!report_file_parse_lang(web_kv_get(&r->params, "file"), period, &fmt, &en))
		return M_ENOTFOUND;
	if ((rc = sector_param(r, &sn, &k)))
		return rc;
	snprintf(name, sizeof(name), "%s-%s%s.%s", sn.s[k].code, period, en ? "-en" : "",
		 report_formats[fmt].ext);
	snprintf(ascii, sizeof(ascii), "sector-%s", name);
	snprintf(utf8, sizeof(utf8), "%s-%s%s.%s", en ? sn.s[k].en : sn.s[k].ja, period,
		 en ? "-en" : "", report_formats[fmt].ext);
	return send_file(r, REPORT_SECTOR_DIR, name, fmt, ascii, utf8);
}

int web_api_sector_reports(struct web_req *r)
{
	struct sectors sn;
	struct report_files *l = web_arena_alloc(&r->arena, sizeof(*l));
	char prefix[160], base[200];
	size_t k;
	int rc;

	if (!l)
		return M_ENOMEM;
	if ((rc = sector_param(r, &sn, &k)))
		return rc;
	snprintf(prefix, sizeof(prefix), "%s-", sn.s[k].code);
	report_files_list(sector_folder(r), prefix, l);
	snprintf(base, sizeof(base), "/sectors/%s/reports", sn.s[k].code);
	return web_json_reply(r, 200, list_json(l, base));
}
