/*
 * feed_sync_cve5.c - CVE JSON 5 from the cvelistV5 release assets: the hourly delta zip
 * (records added or changed since midnight UTC) or a baseline zip holding a nested cves.zip,
 * read with libarchive and turned into one JSON line per record for the CVE 5 adapter.
 */
#include "base/compat.h"

#include <errno.h>

#include <sys/stat.h>
#include <unistd.h>

#include "feeds/archive_lazy.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "feeds/feed_sync_int.h"

#define CVE5_OFFICIAL                                                                     \
	"https://github.com/CVEProject/cvelistV5/releases/download/cve_{date}_{hour}00Z/" \
	"{date}_delta_CVEs_at_{hour}00Z.zip"
#define CVE5_BASE_TEMPLATE "cve5/cve_{date}_{hour}00Z/{date}_delta_CVEs_at_{hour}00Z.zip"
#define CVE5_MEMBER_MAX ((size_t)8 << 20)
#define CVE5_MEMBERS_MAX 2000000L
#define CVE5_HOURS_BACK 4 /* a release is published some minutes after its hour */
#define CURSOR_KEY "sync:cve5"

static bool is_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < '0' || p[i] > '9')
			return false;
	return true;
}

int feeds_cve5_member_name(const char *name, size_t len)
{
	const char *base = name;
	size_t n;

	if (len == 0 || len > 255 || memchr(name, '\0', len) || name[0] == '/')
		return M_EPARSE;
	for (size_t i = 0; i < len; i++) {
		if (name[i] == '\\' || (unsigned char)name[i] < 0x20)
			return M_EPARSE;
		if (name[i] == '.' && i + 1 < len && name[i + 1] == '.' &&
		    (i == 0 || name[i - 1] == '/'))
			return M_EPARSE; /* "..": never a record, maybe an attack */
		if (name[i] == '/')
			base = name + i + 1;
	}
	n = len - (size_t)(base - name);
	/* CVE-YYYY-NNNN[N...].json */
	if (n < 18 || n > 40 || memcmp(base, "CVE-", 4) != 0 || !is_digits(base + 4, 4) ||
	    base[8] != '-' || memcmp(base + n - 5, ".json", 5) != 0 ||
	    !is_digits(base + 9, n - 14) || n - 14 < 4)
		return 1; /* not a record: skip */
	return 0;
}

/* libarchive's message, which may be NULL. */
static const char *aerr(struct archive *a)
{
	const char *m = archive_error_string(a);
	return m ? m : "unreadable archive";
}

struct unzip {
	FILE *out;
	long members, skipped, bad_names;
	char first_bad[300];
	struct archive *outer; /* for a nested zip */
	char rbuf[65536];
};

/* Appends one member as a single line (JSON needs no raw newline outside strings). */
static int member_line(struct archive *a, struct unzip *u, struct merr *e)
{
	char chunk[16384];
	size_t total = 0;
	la_ssize_t n;

	while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0) {
		total += (size_t)n;
		if (total > CVE5_MEMBER_MAX)
			return merr_set(e, M_ETOOBIG, "member larger than %zu bytes",
					CVE5_MEMBER_MAX);
		for (la_ssize_t i = 0; i < n; i++)
			if (chunk[i] == '\n' || chunk[i] == '\r')
				chunk[i] = ' ';
		if (fwrite(chunk, 1, (size_t)n, u->out) != (size_t)n)
			return merr_set(e, M_EIO, "write failed");
	}
	if (n < 0)
		return merr_set(e, M_EPARSE, "%s", aerr(a));
	if (fputc('\n', u->out) == EOF)
		return merr_set(e, M_EIO, "write failed");
	u->members++;
	return 0;
}

static la_ssize_t nested_read(struct archive *a, void *arg, const void **p)
{
	struct unzip *u = arg;
	(void)a;
	*p = u->rbuf;
	return archive_read_data(u->outer, u->rbuf, sizeof(u->rbuf));
}

static int walk(struct archive *a, struct unzip *u, int depth, struct merr *e);

static int nested(struct unzip *u, struct archive *outer, struct merr *e)
{
	struct archive *in = archive_read_new();
	int rc;
	if (!in)
		return merr_set(e, M_ENOMEM, "out of memory");
	archive_read_support_format_zip_streamable(in);
	u->outer = outer;
	if (archive_read_open(in, u, NULL, nested_read, NULL) != ARCHIVE_OK)
		rc = merr_set(e, M_EPARSE, "nested zip: %s", aerr(in));
	else
		rc = walk(in, u, 1, e);
	archive_read_free(in);
	return rc;
}

static int walk(struct archive *a, struct unzip *u, int depth, struct merr *e)
{
	struct archive_entry *ent;
	int r;

	while ((r = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(ent);
		size_t nl = name ? strlen(name) : 0;
		int ok;

		if (u->members + u->skipped >= CVE5_MEMBERS_MAX)
			return merr_set(e, M_ETOOBIG, "more than %ld members", CVE5_MEMBERS_MAX);
		if (archive_entry_filetype(ent) != AE_IFREG) {
			u->skipped++;
			continue;
		}
		ok = name ? feeds_cve5_member_name(name, nl) : M_EPARSE;
		if (ok == 1 && depth == 0 && nl > 4 && strcmp(name + nl - 4, ".zip") == 0) {
			int rc = nested(u, a, e);
			if (rc)
				return rc;
			continue;
		}
		if (ok < 0) {
			if (!u->bad_names++)
				snprintf(u->first_bad, sizeof(u->first_bad), "%.250s",
					 name ? name : "(none)");
			continue;
		}
		if (ok == 1) {
			u->skipped++;
			continue;
		}
		{
			int rc = member_line(a, u, e);
			if (rc) {
				char msg[400];
				snprintf(msg, sizeof(msg), "%.250s: %.140s", name, e->msg);
				merr_set(e, rc, "%s", msg);
				return rc;
			}
		}
	}
	if (r != ARCHIVE_EOF)
		return merr_set(e, M_EPARSE, "zip: %s", aerr(a));
	return 0;
}

int feeds_cve5_zip_lines(const void *p, size_t len, const char *path, FILE *out,
			 struct feeds_cve5_zip *z, struct merr *e)
{
	struct archive *a = archive_read_new();
	struct unzip *u;
	struct merr le; /* walk() reads the message back: never NULL inside */
	int rc, orc;

	memset(z, 0, sizeof(*z));
	merr_init(&le);
	if (!a)
		return merr_set(e, M_ENOMEM, "out of memory");
	if (!(u = m_calloc(1, sizeof(*u)))) { /* 64 KB read buffer: not on the stack */
		archive_read_free(a);
		return merr_set(e, M_ENOMEM, "out of memory");
	}
	u->out = out;
	archive_read_support_format_zip(a);
	orc = p ? archive_read_open_memory(a, p, len) : archive_read_open_filename(a, path, 65536);
	if (orc != ARCHIVE_OK)
		rc = merr_set(&le, M_EPARSE, "%s", aerr(a));
	else
		rc = walk(a, u, 0, &le);
	archive_read_free(a);
	z->members = u->members;
	z->skipped = u->skipped;
	z->bad_names = u->bad_names;
	snprintf(z->first_bad, sizeof(z->first_bad), "%s", u->first_bad);
	m_free(u);
	if (rc && path)
		merr_set_file(&le, path);
	if (rc && e)
		*e = le;
	return rc;
}

/* Zip at path -> JSON lines at out_path. */
static int unzip_records(const char *path, const char *out_path, struct feeds_cve5_zip *z,
			 struct merr *e)
{
	FILE *out = fopen(out_path, "wb");
	int rc;

	if (!out)
		return merr_at(e, M_EIO, out_path, -1, -1, NULL, "cannot write: %s",
			       strerror(errno));
	rc = feeds_cve5_zip_lines(NULL, 0, path, out, z, e);
	if (fclose(out) != 0 && rc == 0)
		rc = merr_at(e, M_EIO, out_path, -1, -1, NULL, "write failed");
	return rc;
}

/* Replaces {date} and {hour} in tpl. */
static void expand(const char *tpl, const char *date, int hour, char *out, size_t cap)
{
	size_t o = 0;
	while (*tpl && o + 1 < cap) {
		if (strncmp(tpl, "{date}", 6) == 0) {
			o += (size_t)snprintf(out + o, cap - o, "%s", date);
			tpl += 6;
		} else if (strncmp(tpl, "{hour}", 6) == 0) {
			o += (size_t)snprintf(out + o, cap - o, "%02d", hour);
			tpl += 6;
		} else {
			out[o++] = *tpl++;
		}
		if (o >= cap)
			o = cap - 1;
	}
	out[o] = '\0';
}

/* Downloads, unpacks and imports one release asset. */
static int one_release(struct fsync_run *r, const char *url, const char *dir, const char *tag)
{
	char zip[700], part[720], lines[720];
	struct feeds_result ir;
	struct feeds_cve5_zip u = {0};
	long long bytes = 0;
	long status = 0;
	struct merr e;
	int rc;

	merr_init(&e);
	snprintf(zip, sizeof(zip), "%s/cve5-delta-%s.zip", dir, tag);
	snprintf(part, sizeof(part), "%s.part", zip);
	snprintf(lines, sizeof(lines), "%s/cve5-delta-%s.jsonl", dir, tag);
	rc = fsync_get_retry(r, url, NULL, part, NULL, &status, &bytes, &e);
	if (rc == 0 && status == 404) {
		unlink(part);
		return 1; /* not published (yet) */
	}
	if (rc == 0 && status != 200)
		rc = merr_set(&e, M_ENET, "%s: HTTP %ld", url, status);
	if (rc == 0 && rename(part, zip) != 0)
		rc = merr_at(&e, M_EIO, zip, -1, -1, NULL, "rename failed");
	if (rc == 0)
		rc = unzip_records(zip, lines, &u, &e);
	if (rc == 0 && u.bad_names)
		merr_at(&e, M_EPARSE, zip, -1, -1, "name", "%ld member names refused (first: %s)",
			u.bad_names, u.first_bad);
	fsync_report(r, "cve5", url, zip, bytes, false, rc || u.bad_names ? &e : NULL);
	if (rc) {
		unlink(part);
		fsync_fail(r, rc, &e);
		return rc;
	}
	if (u.bad_names)
		fsync_fail(r, M_EPARSE, &e);
	if (!r->o->no_import && u.members > 0)
		rc = fsync_import(r, lines, url, FEEDS_CVE5, 0, &ir);
	return rc;
}

/*
 * Imports the newest release at or before t, trying `tries` hours back (a release appears
 * some minutes after its hour). Returns 0 with its tag in done, 1 when none was found, 2
 * when the newest is the cursor (imported before), or an error.
 */
static int newest(struct fsync_run *r, const char *tpl, const char *dir, const char *cur, int64_t t,
		  int tries, char *done, size_t done_cap)
{
	for (int back = 0; back < tries; back++, t -= 3600) {
		char iso[TIME_STR_MAX], date[16], tag[32], url[800];
		int hour, rc;

		time_fmt_utc(t, iso);
		snprintf(date, sizeof(date), "%.10s", iso);
		hour = (iso[11] - '0') * 10 + (iso[12] - '0');
		snprintf(tag, sizeof(tag), "%s_%02d00Z", date, hour);
		expand(tpl, date, hour, url, sizeof(url));
		if (strcmp(cur, tag) == 0) {
			fsync_report(r, "cve5", url, "", 0, true, NULL);
			return 2;
		}
		if (r->requests++ > 0)
			fsync_sleep_ms(fsync_delay(r->o, 0));
		if ((rc = one_release(r, url, dir, tag)) == 0)
			snprintf(done, done_cap, "%s", tag);
		if (rc != 1)
			return rc;
	}
	return 1;
}

int fsync_cve5(struct fsync_run *r)
{
	const struct feeds_sync_opts *o = r->o;
	char tpl[600], dir[600], cur[64], done[64] = "", yday[TIME_STR_MAX];
	int64_t now = time_now(), t;
	struct merr e;
	int rc;

	merr_init(&e);
	if (o->cve5_url)
		snprintf(tpl, sizeof(tpl), "%s", o->cve5_url);
	else if (o->base_url && *o->base_url)
		snprintf(tpl, sizeof(tpl), "%s%s" CVE5_BASE_TEMPLATE, o->base_url,
			 o->base_url[strlen(o->base_url) - 1] == '/' ? "" : "/");
	else
		snprintf(tpl, sizeof(tpl), "%s", CVE5_OFFICIAL);
	snprintf(dir, sizeof(dir), "%s/cve5-delta", o->dest);
	if (fsync_mkdir_p(dir)) {
		merr_at(&e, M_EIO, dir, -1, -1, NULL, "cannot create folder");
		fsync_fail(r, M_EIO, &e);
		return M_EIO;
	}
	fsync_cursor_get(r->s, CURSOR_KEY, cur, sizeof(cur));
	/* A delta holds the changes since its midnight: when the last run was yesterday, the
	 * newest delta of yesterday comes first, then today's. */
	time_fmt_utc(now - 86400, yday);
	if (cur[0] && strncmp(cur, yday, 10) == 0 && time_parse(yday, &t) == 0) {
		t = t - t % 86400 + 23 * 3600;
		rc = newest(r, tpl, dir, cur, t, CVE5_HOURS_BACK, done, sizeof(done));
		if (rc < 0)
			return rc;
		if (rc == 0 && !o->no_import &&
		    (rc = fsync_cursor_put(r->s, CURSOR_KEY, tpl, done, &e))) {
			fsync_fail(r, rc, &e);
			return rc;
		}
		if (rc == 0)
			snprintf(cur, sizeof(cur), "%s", done);
	}
	rc = newest(r, tpl, dir, cur, now, CVE5_HOURS_BACK, done, sizeof(done));
	if (rc == 1) {
		merr_set(&e, M_ENOTFOUND, "no cvelistV5 delta found in the last %d hours (%s)",
			 CVE5_HOURS_BACK, tpl);
		fsync_fail(r, M_ENOTFOUND, &e);
		return M_ENOTFOUND;
	}
	if (rc == 0 && !o->no_import && (rc = fsync_cursor_put(r->s, CURSOR_KEY, tpl, done, &e)))
		fsync_fail(r, rc, &e);
	return rc == 2 ? 0 : rc;
}
