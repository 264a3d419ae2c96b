/* page_export.c - the assets and audit CSV downloads (issue 14), streamed like the findings
 * and alerts CSV (stream.c): the caller's organisations' assets (operators their own, bureau
 * users their sector's), the audit log for administrators and analysts. */
#include "base/compat.h"

#include "base/mem.h"
#include "base/mtime.h"
#include "auth/auth.h"
#include "inventory/inventory.h"
#include "web/web_int.h"

#define AUDIT_CSV_MAX 5000000

/* ---------------------------------------------------------------- assets */

struct assets_csv {
	struct web_arena a;
	struct inv_filter f;
	enum web_lang lang;
	struct web_stream *w;
};

static void assets_csv_free(void *p)
{
	struct assets_csv *x = p;

	web_arena_release(&x->a);
	m_free(x);
}

static int asset_row(void *arg, const struct inv_asset_row *a)
{
	struct assets_csv *x = arg;
	char first[TIME_STR_MAX] = "", last[TIME_STR_MAX] = "";

	if (a->first_seen)
		time_fmt_jst(a->first_seen, first);
	if (a->last_seen)
		time_fmt_jst(a->last_seen, last);
	const char *cells[] = {a->org,
			       web_code(x->lang, a->kind),
			       a->value,
			       web_code(x->lang, a->status),
			       a->source ? a->source : "",
			       a->declared_by ? a->declared_by : "",
			       a->note ? a->note : "",
			       first,
			       last};
	return web_csv_row(x->w, cells, ARRAY_SIZE(cells));
}

static int assets_csv_write(struct web_stream *w, struct store *s, void *ctx, struct merr *e)
{
	static const char *const head[] = {"事業者 / org",
					   "種別 / kind",
					   "値 / value",
					   "状態 / status",
					   "情報源 / source",
					   "申告者 / declared by",
					   "備考 / note",
					   "初確認 (JST) / first seen",
					   "最終確認 (JST) / last seen"};
	struct assets_csv *x = ctx;
	int rc;

	x->w = w;
	if ((rc = web_stream_write(w, "\xEF\xBB\xBF", 3)) ||
	    (rc = web_csv_row(w, head, ARRAY_SIZE(head))))
		return rc;
	return inv_assets_each(s, &x->f, asset_row, x, e);
}

/* GET /assets.csv[?org=SLUG][&sector=CODE]: the assets of the caller's organisations; asking
 * for another's is an empty file, as the lists answer. */
int web_get_assets_csv(struct web_req *r)
{
	const char *org = web_kv_get(&r->query, "org"), *sector = web_kv_get(&r->query, "sector");
	struct assets_csv *x;
	struct inv_filter f;
	bool none;
	int rc =
	    web_org_filter(r, org && org[0] ? org : NULL, sector && sector[0] ? sector : NULL, &f);

	none = rc == M_ENOTFOUND;
	if (rc && !none)
		return rc;
	if (!(x = m_calloc(1, sizeof(*x))))
		return M_ENOMEM;
	web_arena_init(&x->a, (size_t)4 << 10);
	x->lang = r->lang;
	x->f = f;
	/* nothing the caller may see: a slug no organisation has */
	x->f.slug = none ? "" : f.slug;
	if ((x->f.slug && !(x->f.slug = web_arena_strndup(&x->a, x->f.slug, strlen(x->f.slug)))) ||
	    (x->f.sector &&
	     !(x->f.sector = web_arena_strndup(&x->a, x->f.sector, strlen(x->f.sector))))) {
		assets_csv_free(x);
		return M_ENOMEM;
	}
	web_csv_begin(r, "mamori-assets.csv");
	return web_stream(r, assets_csv_write, x, assets_csv_free);
}

/* ---------------------------------------------------------------- audit */

struct audit_csv {
	struct web_stream *w;
};

static int audit_row(const struct auth_audit_row *a, void *arg)
{
	struct audit_csv *x = arg;
	char id[24], at[TIME_STR_MAX];

	snprintf(id, sizeof(id), "%lld", (long long)a->id);
	time_fmt_jst(a->at, at);
	const char *cells[] = {id,
			       at,
			       a->actor ? a->actor : "",
			       a->action ? a->action : "",
			       a->object ? a->object : "",
			       a->detail ? a->detail : ""};
	return web_csv_row(x->w, cells, ARRAY_SIZE(cells));
}

static int audit_csv_write(struct web_stream *w, struct store *s, void *ctx, struct merr *e)
{
	static const char *const head[] = {"番号 / id",	    "日時 (JST) / at", "実行者 / actor",
					   "操作 / action", "対象 / object",   "詳細 / detail"};
	struct audit_csv *x = ctx;
	int rc;

	x->w = w;
	if ((rc = web_stream_write(w, "\xEF\xBB\xBF", 3)) ||
	    (rc = web_csv_row(w, head, ARRAY_SIZE(head))))
		return rc;
	return auth_audit_list(s, AUDIT_CSV_MAX, 0, audit_row, x, NULL, e);
}

/* GET /audit.csv: the audit log, newest first (administrators and analysts, as /audit). */
int web_get_audit_csv(struct web_req *r)
{
	struct audit_csv *x = m_calloc(1, sizeof(*x));

	if (!x)
		return M_ENOMEM;
	web_csv_begin(r, "mamori-audit.csv");
	return web_stream(r, audit_csv_write, x, m_free);
}
