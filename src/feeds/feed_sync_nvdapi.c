/*
 * feed_sync_nvdapi.c - incremental sync from the NVD CVE API 2.0: lastModified windows of at
 * most 120 days, pages of 2,000 records, each page imported by the NVD adapter in one
 * transaction; the cursor (end of the last complete window) moves only when a window is whole.
 */
#include "base/compat.h"

#include <sys/stat.h>

#include "base/mtime.h"
#include "feeds/feed_sync_int.h"
#include "feeds/feeds_int.h"
#include "feeds/split.h"

#define NVDAPI_OFFICIAL "https://services.nvd.nist.gov/rest/json/cves/2.0"
#define NVDAPI_PER_PAGE 2000
#define NVDAPI_WINDOW_S (120LL * 86400)
#define NVDAPI_MAX_WINDOWS 400		  /* 130 years of 120-day windows */
#define NVDAPI_FIRST_SPAN (120LL * 86400) /* no cursor and no --since: the last 120 days */
#define NVDAPI_TOTAL_MAX 10000000LL
#define NVDAPI_RESTARTS 2 /* pagings of one window whose totalResults changed */
#define CURSOR_KEY "sync:nvd-api"

/* The paging members of a page: totalResults, startIndex, resultsPerPage; has_records. */
struct page_head {
	long long total, start, per;
	bool has_records;
};

static long long head_num(const struct split *sp, const char *key)
{
	const char *v = split_header(sp, key);
	char *end;
	long long n;
	if (!v || !*v)
		return -1;
	n = strtoll(v, &end, 10);
	return *end || n < 0 ? -1 : n;
}

/* Reads the members before "vulnerabilities" and whether one record follows. */
static int page_head_read(const char *path, struct page_head *h, struct merr *e)
{
	struct split *sp = NULL;
	struct split_rec rec;
	int rc;

	memset(h, 0, sizeof(*h));
	if ((rc = split_open_file(path, SPLIT_ARRAY, "vulnerabilities", 0, &sp, e)))
		return rc;
	rc = split_next(sp, &rec, e);
	h->has_records = rc == 1 || rc == M_ETOOBIG;
	h->total = head_num(sp, "totalResults");
	h->start = head_num(sp, "startIndex");
	h->per = head_num(sp, "resultsPerPage");
	split_free(sp);
	if (h->total < 0 || h->start < 0)
		return merr_at(e, M_EPARSE, path, -1, 0, "totalResults",
			       "page lacks totalResults/startIndex");
	if (h->total > NVDAPI_TOTAL_MAX)
		return merr_at(e, M_EPARSE, path, -1, 0, "totalResults",
			       "totalResults %lld is not believable", h->total);
	return 0;
}

/* "2024-01-01T00:00:00.000%2B00:00": ISO 8601 with an explicit UTC offset, URL-encoded. */
static void iso_param(int64_t t, char out[48])
{
	char u[TIME_STR_MAX];
	time_fmt_utc(t, u); /* 2026-11-23T03:40:47Z */
	snprintf(out, 48, "%.19s.000%%2B00:00", u);
}

struct window {
	int64_t from, to;
	long pages_cap;
	long *pages;
	const char *key; /* apiKey header value or NULL */
	char prefix[48]; /* "nvdapi-20240101T000000-" */
};

/* Fetches and imports every page of one window. Returns 0 when all pages imported. */
static int window_sync(struct fsync_run *r, const char *base, const char *dir, struct window *w)
{
	char from[48], to[48], hdr[300];
	const char *hdrs[2] = {NULL, NULL};
	long long start = 0, total = -1;
	int restarts = 0;
	long delay = fsync_delay(r->o, w->key ? 600 : 6000);
	int window_rc = 0;

	iso_param(w->from, from);
	iso_param(w->to, to);
	if (w->key) {
		snprintf(hdr, sizeof(hdr), "apiKey: %.250s", w->key);
		hdrs[0] = hdr;
	}
	for (;;) {
		char url[1024], path[700];
		struct page_head h;
		struct feeds_result ir;
		long long bytes = 0;
		long status = 0;
		struct merr e;
		int rc;

		merr_init(&e);
		if (*w->pages >= w->pages_cap) {
			merr_set(&e, M_ETOOBIG,
				 "page cap %ld reached (startIndex %lld of totalResults %lld): "
				 "cursor not moved",
				 w->pages_cap, start, total);
			fsync_report(r, "nvd-api", base, "", 0, false, &e);
			fsync_fail(r, M_ETOOBIG, &e);
			return M_ETOOBIG;
		}
		if (r->requests++ > 0)
			fsync_sleep_ms(delay);
		(*w->pages)++;
		snprintf(
		    url, sizeof(url),
		    "%s?lastModStartDate=%s&lastModEndDate=%s&startIndex=%lld&resultsPerPage=%d",
		    base, from, to, start, NVDAPI_PER_PAGE);
		/* A name per window and page: feed_errors of one page are not cleared by another. */
		snprintf(path, sizeof(path), "%s/%s%07lld.json", dir, w->prefix, start);
		rc = fsync_get_retry(r, url, hdrs, path, NULL, &status, &bytes, &e);
		if (rc == 0 && status != 200)
			rc = merr_set(&e, M_ENET, "%s: HTTP %ld", url, status);
		if (rc == 0 && (rc = page_head_read(path, &h, &e)) != 0)
			merr_set_file(&e, path);
		if (rc == 0 && h.start != start)
			rc = merr_at(&e, M_EPARSE, path, -1, 0, "startIndex",
				     "server answered startIndex %lld for %lld", h.start, start);
		if (rc) {
			/* No usable page: stop this window (the cursor stays). */
			fsync_report(r, "nvd-api", url, path, bytes, false, &e);
			fsync_fail(r, rc, &e);
			return rc;
		}
		fsync_report(r, "nvd-api", url, path, bytes, false, NULL);
		if (total >= 0 && h.total != total) {
			/* Records changed while we paged: the offsets moved, a record may have
			 * slipped between two pages. Page the window again from the start. */
			if (restarts++ >= NVDAPI_RESTARTS) {
				merr_at(&e, M_EPARSE, path, -1, 0, "totalResults",
					"%s: totalResults keeps changing (%lld, then %lld)", url,
					total, h.total);
				fsync_fail(r, M_EPARSE, &e);
				return M_EPARSE;
			}
			start = 0;
			total = -1;
			continue;
		}
		total = h.total;
		if (!h.has_records && h.total > start) {
			/* totalResults promised more: a lying or changing server. */
			merr_at(&e, M_EPARSE, path, -1, 0, "totalResults",
				"%s: no records at startIndex %lld of totalResults %lld", url,
				start, total);
			fsync_fail(r, M_EPARSE, &e);
			return M_EPARSE;
		}
		if (h.has_records && !r->o->no_import &&
		    fsync_import(r, path, url, FEEDS_NVD, NVDAPI_PER_PAGE, &ir) != 0)
			window_rc = M_EPARSE; /* logged with URL + offset; other pages go on */
		if (!h.has_records)
			break;
		start += h.per > 0 && h.per <= NVDAPI_PER_PAGE ? h.per : NVDAPI_PER_PAGE;
		if (start >= total)
			break;
	}
	return window_rc;
}

#define KEY_SETTING "feeds.nvd_api_key"

int feeds_sync_set_nvd_api_key(struct store *s, const char *key, struct merr *e)
{
	struct store_stmt *q = NULL;
	int rc;

	if (!key || !*key || strlen(key) > 128 || strpbrk(key, "\r\n "))
		return merr_set(e, M_EINVAL,
				"an NVD API key is one word of at most 128 characters");
	rc = store_prepare(s,
			   "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
			   " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
			   " updated_at = excluded.updated_at",
			   &q, e);
	if (rc)
		return rc;
	stmt_bind_text(q, 1, KEY_SETTING);
	stmt_bind_text(q, 2, key);
	stmt_bind_int64(q, 3, time_now());
	rc = feeds_exec(q, e);
	stmt_finalize(q);
	return rc;
}

/* The key kept by `feeds sync --save-nvd-api-key`, when the caller gave none. */
static void stored_key(struct store *s, char *out, size_t cap)
{
	struct store_stmt *q = NULL;
	out[0] = '\0';
	if (!s || store_prepare(s, "SELECT value FROM settings WHERE key = ?", &q, NULL))
		return;
	stmt_bind_text(q, 1, KEY_SETTING);
	if (stmt_step(q, NULL) == 1 && stmt_text(q, 0))
		snprintf(out, cap, "%s", stmt_text(q, 0));
	stmt_finalize(q);
}

int fsync_nvdapi(struct fsync_run *r)
{
	const struct feeds_sync_opts *o = r->o;
	char base[512], dir[600], cur[128], key[160];
	int64_t from, now = time_now();
	long pages = 0;
	struct merr e;
	int rc = 0;

	merr_init(&e);
	if (o->nvdapi_url)
		snprintf(base, sizeof(base), "%s", o->nvdapi_url);
	else if (o->base_url && *o->base_url)
		snprintf(base, sizeof(base), "%s%srest/json/cves/2.0", o->base_url,
			 o->base_url[strlen(o->base_url) - 1] == '/' ? "" : "/");
	else
		snprintf(base, sizeof(base), "%s", NVDAPI_OFFICIAL);
	snprintf(dir, sizeof(dir), "%s/nvd-api", o->dest);
	if (fsync_mkdir_p(dir)) {
		merr_at(&e, M_EIO, dir, -1, -1, NULL, "cannot create folder");
		fsync_fail(r, M_EIO, &e);
		return M_EIO;
	}
	if (o->nvd_api_key && *o->nvd_api_key)
		snprintf(key, sizeof(key), "%s", o->nvd_api_key);
	else
		stored_key(r->s, key, sizeof(key));
	fsync_cursor_get(r->s, CURSOR_KEY, cur, sizeof(cur));
	if (cur[0] && time_parse(cur, &from) == 0) {
		/* resume at the cursor */
	} else if (o->since && time_parse(o->since, &from) == 0) {
		/* first run from --since */
	} else if (o->since) {
		merr_set(&e, M_EINVAL, "--since %s is not an ISO 8601 date", o->since);
		fsync_fail(r, M_EINVAL, &e);
		return M_EINVAL;
	} else {
		from = now - NVDAPI_FIRST_SPAN;
	}
	for (int n = 0; from < now && n < NVDAPI_MAX_WINDOWS; n++) {
		struct window w = {.from = from,
				   .pages_cap = o->max_pages > 0 ? o->max_pages : 1000,
				   .pages = &pages,
				   .key = key[0] ? key : NULL};
		char iso[TIME_STR_MAX];
		w.to = from + NVDAPI_WINDOW_S < now ? from + NVDAPI_WINDOW_S : now;
		time_fmt_utc(from, iso); /* 2024-01-01T00:00:00Z -> nvdapi-20240101T000000- */
		snprintf(w.prefix, sizeof(w.prefix), "nvdapi-%.4s%.2s%.2sT%.2s%.2s%.2s-", iso,
			 iso + 5, iso + 8, iso + 11, iso + 14, iso + 17);
		if ((rc = window_sync(r, base, dir, &w)) != 0)
			break; /* later windows wait: the cursor must not skip this one */
		time_fmt_utc(w.to, iso);
		/* Downloaded but not imported (--no-import): the store has not caught up. */
		if (!o->no_import &&
		    (rc = fsync_cursor_put(r->s, CURSOR_KEY, base, iso, &e)) != 0) {
			fsync_fail(r, rc, &e);
			break;
		}
		if (!o->no_import)
			fsync_forget(r->s, dir, w.prefix, "nvd");
		from = w.to;
	}
	return rc;
}
