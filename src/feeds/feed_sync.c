/*
 * feed_sync.c - downloads the feed files with libcurl: conditional requests (ETag,
 * If-Modified-Since), resume of partial downloads (Range), size and SHA-256 check against an
 * NVD .meta file, atomic rename into the destination folder, then import.
 */
#include "base/compat.h"

#include <errno.h>

#include <dirent.h>
#include <openssl/evp.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/curl_lazy.h"
#include "base/buf.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "feeds/feed_sync_int.h"
#include "feeds/feeds_int.h"

#define DOWNLOAD_MAX ((curl_off_t)4 << 30)
#define META_MAX 4096

/* The official sources (see docs/FEEDS.md); with --base-url each becomes BASE/<dir>/<file>. */
static const struct sync_target {
	const char *name;
	enum feeds_kind kind;
	const char *dir, *file;
	const char *official;
	bool meta; /* an NVD .meta file sits next to it */
} targets[] = {
    {"kev", FEEDS_KEV, "kev", "known_exploited_vulnerabilities.json",
     "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json", false},
    {"epss", FEEDS_EPSS, "epss", "epss_scores-current.csv.gz",
     "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz", false},
    {"nvd-modified", FEEDS_NVD, "nvd", "nvdcve-2.0-modified.json.gz",
     "https://nvd.nist.gov/feeds/json/cve/2.0/nvdcve-2.0-modified.json.gz", true},
};
#define NVD_YEAR_URL "https://nvd.nist.gov/feeds/json/cve/2.0/"

struct meta {
	long long size, gz_size;
	char sha256[65];
	char last_modified[64];
	bool valid;
};

struct xfer {
	FILE *f;
	struct buf *mem;
	curl_off_t written;
	char etag[256], last_modified[128];
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	if (x->written + (curl_off_t)len > DOWNLOAD_MAX)
		return 0;
	if (x->mem) {
		if (buf_add(x->mem, p, len))
			return 0;
	} else if (fwrite(p, 1, len, x->f) != len) {
		return 0;
	}
	x->written += (curl_off_t)len;
	return len;
}

static void header_value(const char *p, size_t len, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name);
	if (len <= nl || strncasecmp(p, name, nl) != 0)
		return;
	p += nl;
	len -= nl;
	while (len && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len && (p[len - 1] == '\r' || p[len - 1] == '\n' || p[len - 1] == ' '))
		len--;
	if (len >= cap)
		len = cap - 1;
	memcpy(out, p, len);
	out[len] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) { /* a new response (redirect): start over */
		x->etag[0] = x->last_modified[0] = '\0';
	}
	header_value(p, len, "etag:", x->etag, sizeof(x->etag));
	header_value(p, len, "last-modified:", x->last_modified, sizeof(x->last_modified));
	return len;
}

static CURL *easy_new(const char *url, long timeout_s, struct xfer *x)
{
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mamori/" MAMORI_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	return h;
}

static int fetch_mem(const char *url, long timeout_s, struct buf *out, struct merr *e)
{
	struct xfer x = {.mem = out};
	CURL *h = easy_new(url, timeout_s, &x);
	long status = 0;
	CURLcode cr;

	if (!h)
		return merr_set(e, M_ENOMEM, "cannot start libcurl");
	cr = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	if (cr != CURLE_OK)
		return merr_set(e, M_ENET, "%s: %s", url, curl_easy_strerror(cr));
	if (status != 200)
		return merr_set(e, M_ENET, "%s: HTTP %ld", url, status);
	return 0;
}

/* Parses the NVD .meta format: "key:value" lines (lastModifiedDate, size, gzSize, sha256). */
static void meta_parse(const char *p, struct meta *m)
{
	memset(m, 0, sizeof(*m));
	while (p && *p) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		const char *colon = memchr(p, ':', (size_t)(end - p));
		if (colon) {
			size_t kl = (size_t)(colon - p), vl = (size_t)(end - colon - 1);
			char v[128];
			if (vl && colon[vl] == '\r')
				vl--;
			if (vl >= sizeof(v))
				vl = sizeof(v) - 1;
			memcpy(v, colon + 1, vl);
			v[vl] = '\0';
			if (kl == 4 && strncmp(p, "size", 4) == 0)
				m->size = strtoll(v, NULL, 10);
			else if (kl == 6 && strncmp(p, "gzSize", 6) == 0)
				m->gz_size = strtoll(v, NULL, 10);
			else if (kl == 6 && strncmp(p, "sha256", 6) == 0)
				snprintf(m->sha256, sizeof(m->sha256), "%.64s", v);
			else if (kl == 16 && strncmp(p, "lastModifiedDate", 16) == 0)
				snprintf(m->last_modified, sizeof(m->last_modified), "%.63s", v);
		}
		p = nl ? nl + 1 : NULL;
	}
	m->valid = strlen(m->sha256) == 64 && m->size > 0;
}

/* SHA-256 (hex) and length of the decompressed content of path. */
static int hash_content(const char *path, char hex[65], long long *len, struct merr *e)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	struct split *sp = NULL;
	struct split_rec rec;
	unsigned char dig[32];
	unsigned int dl = 0;
	int rc;

	*len = 0;
	if (!md)
		return merr_set(e, M_ENOMEM, "out of memory");
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	rc = split_open_file(path, SPLIT_RAW, NULL, 0, &sp, e);
	while (rc == 0 && (rc = split_next(sp, &rec, e)) == 1) {
		EVP_DigestUpdate(md, rec.p, rec.len);
		*len += (long long)rec.len;
		rc = 0;
	}
	if (rc == 0) {
		EVP_DigestFinal_ex(md, dig, &dl);
		for (unsigned int i = 0; i < dl; i++)
			snprintf(hex + 2 * i, 3, "%02x", dig[i]);
	}
	split_free(sp);
	EVP_MD_CTX_free(md);
	return rc;
}

struct sync_state {
	char etag[256], last_modified[128];
};

static void state_get(struct store *s, const char *key, struct sync_state *st)
{
	struct store_stmt *q = NULL;
	memset(st, 0, sizeof(*st));
	if (!s ||
	    store_prepare(s, "SELECT etag, last_modified FROM feed_state WHERE feed = ?", &q, NULL))
		return;
	stmt_bind_text(q, 1, key);
	if (stmt_step(q, NULL) == 1) {
		snprintf(st->etag, sizeof(st->etag), "%s", stmt_text(q, 0) ? stmt_text(q, 0) : "");
		snprintf(st->last_modified, sizeof(st->last_modified), "%s",
			 stmt_text(q, 1) ? stmt_text(q, 1) : "");
	}
	stmt_finalize(q);
}

static int state_put(struct store *s, const char *key, const char *url, const struct sync_state *st,
		     struct merr *e)
{
	struct store_stmt *q = NULL;
	int rc;
	if (!s)
		return 0;
	rc = store_prepare(s,
			   "INSERT INTO feed_state (feed, source, last_import, etag, last_modified)"
			   " VALUES (?, ?, ?, ?, ?) ON CONFLICT(feed) DO UPDATE SET"
			   " source = excluded.source, last_import = excluded.last_import,"
			   " etag = excluded.etag, last_modified = excluded.last_modified",
			   &q, e);
	if (rc)
		return rc;
	stmt_bind_text(q, 1, key);
	stmt_bind_text(q, 2, url);
	stmt_bind_int64(q, 3, time_now());
	stmt_bind_text(q, 4, st->etag[0] ? st->etag : NULL);
	stmt_bind_text(q, 5, st->last_modified[0] ? st->last_modified : NULL);
	rc = feeds_exec(q, e);
	stmt_finalize(q);
	return rc;
}

int fsync_mkdir_p(const char *dir)
{
	char tmp[1024];
	snprintf(tmp, sizeof(tmp), "%s", dir);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, 0755);
			*p = '/';
		}
	}
	return mkdir(tmp, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int fsync_get(const char *url, const char *const *hdrs, long timeout_s, const char *path,
	      struct buf *mem, long *status, long long *bytes, struct merr *e)
{
	struct curl_slist *hl = NULL;
	struct xfer x = {.mem = mem};
	CURLcode cr;
	CURL *h;

	*status = 0;
	if (path && !(x.f = fopen(path, "wb")))
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot write: %s", strerror(errno));
	if (!(h = easy_new(url, timeout_s, &x))) {
		if (x.f)
			fclose(x.f);
		return merr_set(e, M_ENOMEM, "cannot start libcurl");
	}
	for (size_t i = 0; hdrs && hdrs[i]; i++)
		hl = curl_slist_append(hl, hdrs[i]);
	if (hl)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	cr = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hl);
	if (bytes)
		*bytes = (long long)x.written;
	if (x.f && fclose(x.f) != 0 && cr == CURLE_OK)
		return merr_at(e, M_EIO, path, -1, -1, NULL, "write failed");
	if (cr != CURLE_OK)
		return merr_set(e, M_ENET, "%s: %s", url, curl_easy_strerror(cr));
	return 0;
}

/* Worth another try: a cut transfer, rate limiting (NVD answers 403/429) or a 5xx. */
static bool transient(int rc, long status)
{
	return rc == M_ENET || (rc == 0 && (status == 403 || status == 429 || status >= 500));
}

void fsync_report(struct fsync_run *r, const char *name, const char *url, const char *path,
		  long long bytes, bool not_modified, const struct merr *e)
{
	struct feeds_sync_result sr = {0};

	snprintf(sr.name, sizeof(sr.name), "%s", name);
	snprintf(sr.url, sizeof(sr.url), "%s", url);
	snprintf(sr.path, sizeof(sr.path), "%s", path);
	sr.bytes = bytes;
	sr.not_modified = not_modified;
	sr.downloaded = !e && !not_modified;
	if (e)
		merr_format(e, sr.error, sizeof(sr.error));
	if (r->sync_cb)
		r->sync_cb(&sr, r->arg);
}

int fsync_get_retry(struct fsync_run *r, const char *url, const char *const *hdrs, const char *path,
		    struct buf *mem, long *status, long long *bytes, struct merr *e)
{
	int tries = r->o->retries >= 0 ? r->o->retries : 2, rc;
	for (int i = 0;; i++) {
		struct merr te;
		merr_init(&te);
		if (mem)
			buf_reset(mem);
		rc = fsync_get(url, hdrs, r->timeout, path, mem, status, bytes, &te);
		if (i >= tries || !transient(rc, *status)) {
			if (rc && e)
				*e = te;
			return rc;
		}
		/* Back off: the page delay times the attempt, at least 1 s unless delays are off. */
		fsync_sleep_ms(fsync_delay(r->o, 1000) * (i + 1));
	}
}

void fsync_forget(struct store *s, const char *dir, const char *prefix, const char *kind)
{
	struct store_stmt *q = NULL;
	size_t pl = strlen(prefix);
	struct dirent *d;
	DIR *dp = opendir(dir);

	if (!dp)
		return;
	if (s && store_prepare(s, "DELETE FROM feed_state WHERE feed = ?", &q, NULL))
		q = NULL;
	while ((d = readdir(dp)) != NULL) {
		char path[1200], key[400];
		if (strncmp(d->d_name, prefix, pl) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		unlink(path);
		if (q) {
			/* The import's own row for the file ("nvd/NAME"): the cursor replaces it. */
			snprintf(key, sizeof(key), "%s/%s", kind, d->d_name);
			stmt_reset(q);
			stmt_bind_text(q, 1, key);
			feeds_exec(q, NULL);
		}
	}
	closedir(dp);
	stmt_finalize(q);
}

void fsync_sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	if (ms > 0)
		nanosleep(&ts, NULL);
}

long fsync_delay(const struct feeds_sync_opts *o, long dflt)
{
	return o->page_delay_ms >= 0 ? o->page_delay_ms : dflt;
}

void fsync_cursor_get(struct store *s, const char *key, char *out, size_t cap)
{
	struct sync_state st;
	state_get(s, key, &st);
	snprintf(out, cap, "%s", st.last_modified);
}

int fsync_cursor_put(struct store *s, const char *key, const char *url, const char *value,
		     struct merr *e)
{
	struct sync_state st = {0};
	snprintf(st.last_modified, sizeof(st.last_modified), "%s", value);
	return state_put(s, key, url, &st, e);
}

void fsync_fail(struct fsync_run *r, int rc, const struct merr *e)
{
	if (rc && !r->first_rc) {
		r->first_rc = rc;
		if (e)
			r->first_e = *e;
	}
}

int fsync_import(struct fsync_run *r, const char *path, const char *url, enum feeds_kind kind,
		 size_t batch, struct feeds_result *ir)
{
	struct feeds_opts fo = r->o->import ? *r->o->import : (struct feeds_opts){0};
	struct merr e;
	int rc;

	merr_init(&e);
	fo.batch = batch;
	fo.resume = false;
	rc = feeds_import_file(r->s, path, kind, &fo, ir, &e);
	if (rc) {
		/* The URL says which request; the file, line and byte offset where in it. */
		struct merr ue;
		merr_init(&ue);
		merr_set(&ue, rc, "%.200s: %.200s:%ld:@%lld: %.200s", url,
			 e.file[0] ? e.file : path, e.line, e.offset, e.msg);
		fsync_fail(r, rc, &ue);
	}
	if (r->import_cb)
		r->import_cb(ir, r->arg);
	return rc;
}

/* One transfer into path.part (resumed when it exists); renamed into place when complete. */
static int download(const char *url, const char *path, long timeout_s, struct sync_state *st,
		    struct feeds_sync_result *r, struct merr *e)
{
	char part[600], range[64];
	struct curl_slist *hdrs = NULL;
	struct xfer x = {0};
	struct stat sb;
	long status = 0;
	curl_off_t have = 0;
	CURLcode cr;
	CURL *h;

	snprintf(part, sizeof(part), "%s.part", path);
	if (stat(part, &sb) == 0 && sb.st_size > 0)
		have = (curl_off_t)sb.st_size;
	x.f = fopen(part, have ? "ab" : "wb");
	if (!x.f)
		return merr_at(e, M_EIO, part, -1, -1, NULL, "cannot write: %s", strerror(errno));
	x.written = have;
	h = easy_new(url, timeout_s, &x);
	if (!h) {
		fclose(x.f);
		return merr_set(e, M_ENOMEM, "cannot start libcurl");
	}
	if (have) {
		snprintf(range, sizeof(range), "%lld-", (long long)have);
		curl_easy_setopt(h, CURLOPT_RANGE, range);
	} else if (stat(path, &sb) == 0) {
		/* Conditional only when we hold the file the validators describe. */
		char hv[400];
		if (st->etag[0]) {
			snprintf(hv, sizeof(hv), "If-None-Match: %s", st->etag);
			hdrs = curl_slist_append(hdrs, hv);
		}
		if (st->last_modified[0]) {
			snprintf(hv, sizeof(hv), "If-Modified-Since: %s", st->last_modified);
			hdrs = curl_slist_append(hdrs, hv);
		}
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	}
	cr = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdrs);
	if (have && status == 200) {
		/* The server ignored Range and sent the whole file after our partial bytes. */
		fclose(x.f);
		unlink(part);
		return merr_set(e, M_ENET, "%s: server ignored Range; partial file dropped, retry",
				url);
	}
	if (fclose(x.f) != 0 && cr == CURLE_OK)
		return merr_at(e, M_EIO, part, -1, -1, NULL, "write failed");
	if (cr != CURLE_OK)
		return merr_set(e, M_ENET, "%s: %s (partial download kept for resume)", url,
				curl_easy_strerror(cr));
	if (status == 304) {
		unlink(part);
		r->not_modified = true;
		return 0;
	}
	if (status == 416 && have) {
		/* Already complete: the partial file holds every byte. */
		status = 206;
	}
	if (status != 200 && status != 206) {
		unlink(part);
		return merr_set(e, M_ENET, "%s: HTTP %ld", url, status);
	}
	r->resumed = have > 0 && status == 206;
	r->bytes = (long long)x.written;
	if (x.etag[0])
		snprintf(st->etag, sizeof(st->etag), "%s", x.etag);
	if (x.last_modified[0])
		snprintf(st->last_modified, sizeof(st->last_modified), "%s", x.last_modified);
	return 0;
}

/* Checks the .part against the .meta, then renames it into place. */
static int verify_and_commit(const char *path, const struct meta *m, struct merr *e)
{
	char part[600], hex[65] = "";
	long long len = 0;
	struct stat sb;
	int rc;

	snprintf(part, sizeof(part), "%s.part", path);
	if (m && m->valid) {
		if (m->gz_size > 0 && stat(part, &sb) == 0 && (long long)sb.st_size != m->gz_size) {
			unlink(part);
			return merr_at(e, M_EPARSE, path, -1, -1, NULL,
				       "size %lld does not match gzSize %lld in .meta",
				       (long long)sb.st_size, m->gz_size);
		}
		if ((rc = hash_content(part, hex, &len, e))) {
			unlink(part);
			return rc;
		}
		if (len != m->size || strcasecmp(hex, m->sha256) != 0) {
			unlink(part);
			return merr_at(e, M_EPARSE, path, -1, -1, NULL,
				       "content (%lld bytes, sha256 %.16s…) does not match .meta "
				       "(%lld bytes, sha256 %.16s…)",
				       len, hex, m->size, m->sha256);
		}
	}
	if (rename(part, path) != 0)
		return merr_at(e, M_EIO, path, -1, -1, NULL, "rename failed: %s", strerror(errno));
	return 0;
}

static void target_url(const struct feeds_sync_opts *o, const char *dir, const char *file,
		       const char *official, char *out, size_t cap)
{
	if (o->base_url) {
		size_t n = strlen(o->base_url);
		snprintf(out, cap, "%s%s%s/%s", o->base_url,
			 n && o->base_url[n - 1] == '/' ? "" : "/", dir, file);
	} else {
		snprintf(out, cap, "%s", official);
	}
}

struct job {
	const char *name;
	enum feeds_kind kind;
	const char *dir;
	char file[128];
	char url[512], meta_url[512];
	bool meta;
};

static int sync_one(struct store *s, const struct feeds_sync_opts *o, const struct job *j,
		    struct feeds_sync_result *r, bool *changed, struct merr *e)
{
	long timeout = o->timeout_s > 0 ? o->timeout_s : 600;
	struct sync_state st;
	struct meta m = {0};
	char key[96], dir[600];
	struct stat sb;
	int rc;

	*changed = false;
	snprintf(key, sizeof(key), "sync:%s", j->name);
	snprintf(dir, sizeof(dir), "%s/%s", o->dest, j->dir);
	snprintf(r->path, sizeof(r->path), "%.380s/%.127s", dir, j->file);
	if (fsync_mkdir_p(dir))
		return merr_at(e, M_EIO, dir, -1, -1, NULL, "cannot create: %s", strerror(errno));
	state_get(s, key, &st);
	if (j->meta) {
		struct buf mb;
		buf_init(&mb, META_MAX);
		rc = fetch_mem(j->meta_url, timeout, &mb, e);
		if (rc == 0)
			meta_parse(buf_str(&mb), &m);
		buf_release(&mb);
		if (rc)
			return rc;
		if (!m.valid)
			return merr_set(e, M_EPARSE, "%s: not an NVD .meta file", j->meta_url);
		/* The .meta says what the file holds: unchanged content needs no download. */
		if (stat(r->path, &sb) == 0 && strcmp(st.last_modified, m.last_modified) == 0) {
			r->not_modified = true;
			return 0;
		}
	}
	{
		/* .meta files decide freshness for NVD; HTTP validators for the others. */
		struct sync_state dl = st;
		if (j->meta)
			memset(&dl, 0, sizeof(dl));
		if ((rc = download(j->url, r->path, timeout, &dl, r, e)))
			return rc;
		st = dl;
	}
	if (r->not_modified)
		return 0;
	if ((rc = verify_and_commit(r->path, j->meta ? &m : NULL, e)))
		return rc;
	if (j->meta)
		snprintf(st.last_modified, sizeof(st.last_modified), "%s", m.last_modified);
	r->downloaded = *changed = true;
	return state_put(s, key, j->url, &st, e);
}

static size_t make_jobs(const struct feeds_sync_opts *o, struct job *jobs, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(targets) && n < cap; i++, n++) {
		struct job *j = &jobs[n];
		memset(j, 0, sizeof(*j));
		j->name = targets[i].name;
		j->kind = targets[i].kind;
		j->dir = targets[i].dir;
		j->meta = targets[i].meta;
		snprintf(j->file, sizeof(j->file), "%s", targets[i].file);
		target_url(o, j->dir, j->file, targets[i].official, j->url, sizeof(j->url));
	}
	for (size_t y = 0; y < o->n_nvd_years && n < cap; y++, n++) {
		struct job *j = &jobs[n];
		char official[256];
		memset(j, 0, sizeof(*j));
		j->name = "nvd-year";
		j->kind = FEEDS_NVD;
		j->dir = "nvd";
		j->meta = true;
		snprintf(j->file, sizeof(j->file), "nvdcve-2.0-%d.json.gz", o->nvd_years[y]);
		snprintf(official, sizeof(official), NVD_YEAR_URL "%s", j->file);
		target_url(o, j->dir, j->file, official, j->url, sizeof(j->url));
	}
	for (size_t i = 0; i < n; i++) {
		if (!jobs[i].meta)
			continue;
		/* nvdcve-2.0-2016.json.gz -> nvdcve-2.0-2016.meta */
		snprintf(jobs[i].meta_url, sizeof(jobs[i].meta_url), "%.*s.meta",
			 (int)(strlen(jobs[i].url) - strlen(".json.gz")), jobs[i].url);
	}
	return n;
}

static int sync_files(struct store *s, const struct feeds_sync_opts *o, feeds_sync_fn sync_cb,
		      feeds_result_fn import_cb, void *arg, struct merr *e)
{
	struct job jobs[40];
	size_t n;
	int first_rc = 0;

	n = make_jobs(o, jobs, ARRAY_SIZE(jobs));
	for (size_t i = 0; i < n; i++) {
		struct feeds_sync_result r = {0};
		struct merr je;
		bool changed = false;
		int rc;

		merr_init(&je);
		snprintf(r.name, sizeof(r.name), "%s", jobs[i].name);
		snprintf(r.url, sizeof(r.url), "%s", jobs[i].url);
		rc = sync_one(s, o, &jobs[i], &r, &changed, &je);
		if (rc) {
			merr_format(&je, r.error, sizeof(r.error));
			if (!first_rc) {
				first_rc = rc;
				if (e)
					*e = je;
			}
		}
		if (sync_cb)
			sync_cb(&r, arg);
		if (!rc && changed && !o->no_import && s) {
			struct feeds_result ir;
			merr_init(&je);
			rc = feeds_import_file(s, r.path, jobs[i].kind, o->import, &ir, &je);
			if (rc && !first_rc) {
				first_rc = rc;
				if (e)
					*e = je;
			}
			if (import_cb)
				import_cb(&ir, arg);
		}
	}
	return first_rc;
}

int feeds_sync(struct store *s, const struct feeds_sync_opts *o, feeds_sync_fn sync_cb,
	       feeds_result_fn import_cb, void *arg, struct merr *e)
{
	static int (*const paged[])(struct fsync_run *) = {fsync_nvdapi, fsync_cve5, fsync_jvn};
	static const unsigned paged_bit[] = {FEEDS_SYNC_NVDAPI, FEEDS_SYNC_CVE5, FEEDS_SYNC_JVN};
	unsigned which = o->sources ? o->sources : FEEDS_SYNC_FILES;
	struct fsync_run run = {.s = s,
				.o = o,
				.sync_cb = sync_cb,
				.import_cb = import_cb,
				.arg = arg,
				.timeout = o->timeout_s > 0 ? o->timeout_s : 600};

	if (!o->dest || !*o->dest)
		return merr_set(e, M_EINVAL, "no destination folder");
	if (lazy_curl_global_init())
		return merr_set(e, M_ENOMEM, "cannot start libcurl");
	merr_init(&run.first_e);
	if (which & FEEDS_SYNC_FILES) {
		struct merr fe;
		merr_init(&fe);
		fsync_fail(&run, sync_files(s, o, sync_cb, import_cb, arg, &fe), &fe);
	}
	for (size_t i = 0; i < ARRAY_SIZE(paged); i++) {
		if (!(which & paged_bit[i]))
			continue;
		if (!s) {
			struct merr ne;
			merr_init(&ne);
			merr_set(&ne, M_EINVAL, "API sources need the store for their cursor");
			fsync_fail(&run, M_EINVAL, &ne);
			continue;
		}
		paged[i](&run); /* errors are kept in run */
	}
	if (run.first_rc && e)
		*e = run.first_e;
	return run.first_rc;
}
