/*
 * feed_sync_int.h - shared by the feed_sync*.c files only: one HTTP GET with libcurl, the
 * sync cursors kept in feed_state, and the three paged/archived sources.
 */
#ifndef MAMORI_FEEDS_FEED_SYNC_INT_H
#define MAMORI_FEEDS_FEED_SYNC_INT_H

#include "base/compat.h"

#include "base/buf.h"
#include "feeds/feeds.h"

/* Polite pause between requests to the same API: stop early when the run's deadline nears. */
void fsync_sleep_ms(long ms);
int fsync_mkdir_p(const char *dir);

/*
 * GET url into path (truncated first) or, with path NULL, into mem. hdrs (may be NULL) are
 * extra "Name: value" lines. Returns 0 when a response arrived (its code in *status), or
 * M_ENET / M_EIO with the URL in e.
 */
int fsync_get(const char *url, const char *const *hdrs, long timeout_s, const char *path,
	      struct buf *mem, long *status, long long *bytes, struct merr *e);

struct fsync_run;
/* fsync_get with up to o->retries more tries (default 2) after a cut transfer, 403/429 or a
 * 5xx, backing off by the page delay. */
int fsync_get_retry(struct fsync_run *r, const char *url, const char *const *hdrs, const char *path,
		    struct buf *mem, long *status, long long *bytes, struct merr *e);

/* Once a window is in the store: removes dir/prefix* and their feed_state rows (KIND/NAME),
 * so pages neither fill the disk nor the status list. Failed pages stay for a look. */
void fsync_forget(struct store *s, const char *dir, const char *prefix, const char *kind);

/* The cursor of a source ("sync:nvd-api") from feed_state.last_modified; "" when none. */
void fsync_cursor_get(struct store *s, const char *key, char *out, size_t cap);
int fsync_cursor_put(struct store *s, const char *key, const char *url, const char *value,
		     struct merr *e);

/* The default pause between API pages (ms) when o->page_delay_ms is negative. */
long fsync_delay(const struct feeds_sync_opts *o, long dflt);

/* Reports one request (sync_cb) and, after an import, its result (import_cb). */
struct fsync_run {
	struct store *s;
	const struct feeds_sync_opts *o;
	feeds_sync_fn sync_cb;
	feeds_result_fn import_cb;
	void *arg;
	long timeout;
	int first_rc;
	struct merr first_e;
	long requests; /* made in this run, for the caps */
};
void fsync_fail(struct fsync_run *r, int rc, const struct merr *e);
/* Tells the caller (sync_cb) about one request of source name: downloaded unless e or
 * not_modified. */
void fsync_report(struct fsync_run *r, const char *name, const char *url, const char *path,
		  long long bytes, bool not_modified, const struct merr *e);
/* Imports path as kind with a batch of `batch` records (one transaction per page). Returns
 * 0, or the file-level error (recorded with url in the run). */
int fsync_import(struct fsync_run *r, const char *path, const char *url, enum feeds_kind kind,
		 size_t batch, struct feeds_result *ir);

int fsync_nvdapi(struct fsync_run *r);
int fsync_cve5(struct fsync_run *r);
int fsync_jvn(struct fsync_run *r);

#endif
