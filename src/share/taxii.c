/* taxii.c - TAXII 2.1 pieces that are not HTTP: query parameters, the paging token and
 * status resources (the web front end, src/web/api_taxii.c, only calls these). */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>

#include "base/buf.h"
#include "base/mem.h"
#include "share/share.h"

void share_query_init(struct share_query *q, int vsel)
{
	memset(q, 0, sizeof(*q));
	q->added_after = -1;
	q->cursor_date = -1;
	q->vsel = vsel;
}

/* A TAXII timestamp, lenient in: Z or +00:00, any fractional digits. */
static int64_t taxii_ts(const char *v)
{
	char tmp[64];
	size_t n = strlen(v);

	if (n >= 6 && n < sizeof(tmp) && strcmp(v + n - 6, "+00:00") == 0) {
		memcpy(tmp, v, n - 6);
		tmp[n - 6] = 'Z';
		tmp[n - 5] = '\0';
		return share_ts_us(tmp, 0);
	}
	return share_ts_us(v, 0);
}

/* A comma list of values each accepted by ok(); empty values refused. */
static int list_ok(const char *v, bool (*ok)(const char *s, size_t n), const char *key,
		   struct merr *e)
{
	const char *p = v;
	int count = 0;

	if (!*v)
		return merr_at(e, M_EINVAL, NULL, -1, -1, key, "empty value");
	while (*p) {
		const char *c = strchr(p, ',');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (n == 0 || !ok(p, n))
			return merr_at(e, M_EINVAL, NULL, -1, -1, key, "bad value '%.*s'",
				       (int)(n > 80 ? 80 : n), p);
		if (++count > 64)
			return merr_at(e, M_EINVAL, NULL, -1, -1, key, "more than 64 values");
		p += n;
		if (*p == ',') {
			p++;
			if (!*p)
				return merr_at(e, M_EINVAL, NULL, -1, -1, key, "empty value");
		}
	}
	return 0;
}

static bool id_like(const char *s, size_t n)
{
	if (n > 300)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-' ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return false;
	return true;
}

static bool spec_like(const char *s, size_t n)
{
	return n == 3 && isdigit((unsigned char)s[0]) && s[1] == '.' &&
	       isdigit((unsigned char)s[2]);
}

int share_query_param(struct share_query *q, const char *key, const char *val, bool *known,
		      struct merr *e)
{
	int rc;

	*known = true;
	if (strcmp(key, "added_after") == 0) {
		if ((q->added_after = taxii_ts(val)) < 0)
			return merr_at(e, M_EINVAL, NULL, -1, -1, key,
				       "not an RFC 3339 UTC timestamp");
		return 0;
	}
	if (strcmp(key, "limit") == 0) {
		char *end;
		long long v;
		if (!isdigit((unsigned char)val[0]))
			return merr_at(e, M_EINVAL, NULL, -1, -1, key, "not a positive integer");
		errno = 0;
		v = strtoll(val, &end, 10);
		if (*end || errno || v <= 0)
			return merr_at(e, M_EINVAL, NULL, -1, -1, key, "not a positive integer");
		q->limit = v > SHARE_LIMIT_MAX ? SHARE_LIMIT_MAX : (size_t)v;
		return 0;
	}
	if (strcmp(key, "next") == 0) {
		if (share_next_parse(val, &q->cursor_date, &q->cursor_seq))
			return merr_at(e, M_EINVAL, NULL, -1, -1, key,
				       "not a token this server gave");
		return 0;
	}
	if (strcmp(key, "match[id]") == 0) {
		if ((rc = list_ok(val, id_like, key, e)))
			return rc;
		q->ids = val;
		return 0;
	}
	if (strcmp(key, "match[type]") == 0) {
		if ((rc = list_ok(val, id_like, key, e)))
			return rc;
		q->types = val;
		return 0;
	}
	if (strcmp(key, "match[spec_version]") == 0) {
		if ((rc = list_ok(val, spec_like, key, e)))
			return rc;
		q->spec_versions = val;
		return 0;
	}
	if (strcmp(key, "match[version]") == 0) {
		const char *p = val;
		bool all = false;
		q->vsel = SHARE_V_AT;
		q->vsel_first = q->vsel_last = false;
		q->n_ats = 0;
		if (!*p)
			return merr_at(e, M_EINVAL, NULL, -1, -1, key, "empty value");
		while (*p) {
			const char *c = strchr(p, ',');
			size_t n = c ? (size_t)(c - p) : strlen(p);
			char one[64];
			if (n == 0 || n >= sizeof(one))
				return merr_at(e, M_EINVAL, NULL, -1, -1, key, "bad value");
			memcpy(one, p, n);
			one[n] = '\0';
			if (strcmp(one, "all") == 0) {
				all = true;
			} else if (strcmp(one, "first") == 0) {
				q->vsel_first = true;
			} else if (strcmp(one, "last") == 0) {
				q->vsel_last = true;
			} else {
				int64_t t = share_ts_us(one, 0);
				if (t < 0)
					return merr_at(
					    e, M_EINVAL, NULL, -1, -1, key,
					    "'%s' is not all, first, last or a timestamp", one);
				if (q->n_ats == (int)ARRAY_SIZE(q->ats))
					return merr_at(e, M_EINVAL, NULL, -1, -1, key,
						       "too many versions");
				q->ats[q->n_ats++] = t;
			}
			p += n;
			if (*p == ',' && !*++p)
				return merr_at(e, M_EINVAL, NULL, -1, -1, key, "empty value");
		}
		if (all) {
			if (q->vsel_first || q->vsel_last || q->n_ats)
				return merr_at(e, M_EINVAL, NULL, -1, -1, key,
					       "all cannot be combined with other values");
			q->vsel = SHARE_V_ALL;
		}
		return 0;
	}
	*known = false;
	if (strncmp(key, "match[", 6) == 0)
		return 0; /* other match fields MAY be ignored (spec 3.4.1) */
	return 0;
}

void share_next_fmt(int64_t date_added, int64_t seq, char out[48])
{
	snprintf(out, 48, "%llx.%llx", (unsigned long long)date_added, (unsigned long long)seq);
}

int share_next_parse(const char *s, int64_t *date_added, int64_t *seq)
{
	unsigned long long d = 0, q = 0;
	const char *p = s;
	int nd = 0, nq = 0;

	for (; isxdigit((unsigned char)*p) && !isupper((unsigned char)*p); p++, nd++)
		d = d * 16 + (unsigned)(isdigit((unsigned char)*p) ? *p - '0' : *p - 'a' + 10);
	if (*p++ != '.' || nd == 0 || nd > 15)
		return M_EINVAL;
	for (; isxdigit((unsigned char)*p) && !isupper((unsigned char)*p); p++, nq++)
		q = q * 16 + (unsigned)(isdigit((unsigned char)*p) ? *p - '0' : *p - 'a' + 10);
	if (*p || nq == 0 || nq > 15)
		return M_EINVAL;
	*date_added = (int64_t)d;
	*seq = (int64_t)q;
	return 0;
}

/* ---- status resources ---------------------------------------------------------------- */

int share_status_put(struct store *s, const struct share_collection *c, const char *owner,
		     int64_t request_us, const struct share_import_result *r, char id_out[40],
		     struct merr *e)
{
	struct store_stmt *st;
	char ts[40], *txt;
	struct buf out;
	int rc;

	share_uuid4(id_out);
	share_fmt_us(request_us, ts);
	/* Written directly (no JSON tree: flat memory for a 100k-object envelope). The lists are
	 * optional in TAXII 2.1: each names at most SHARE_STATUS_LIST_MAX objects, the counts are
	 * always complete. */
	buf_init(&out, (size_t)64 << 20);
	buf_addf(&out,
		 "{\"id\":\"%s\",\"status\":\"complete\",\"request_timestamp\":\"%s\","
		 "\"total_count\":%zu,\"success_count\":%zu,\"successes\":[",
		 id_out, ts, r->n, r->n_ok);
	for (int pass = 0; pass < 2; pass++) {
		size_t listed = 0;
		if (pass == 1)
			buf_addf(&out, "],\"failure_count\":%zu,\"failures\":[", r->n_failed);
		for (size_t i = 0; i < r->n_items && listed < SHARE_STATUS_LIST_MAX; i++) {
			const struct share_item *it = &r->items[i];
			if (it->ok != (pass == 0))
				continue;
			buf_adds(&out, listed++ ? ",{\"id\":" : "{\"id\":");
			buf_add_json_str(&out, it->id);
			if (it->version[0]) {
				buf_adds(&out, ",\"version\":");
				buf_add_json_str(&out, it->version);
			}
			if (!it->ok) {
				buf_adds(&out, ",\"message\":");
				buf_add_json_str(&out, it->message ? it->message : "");
			} else if (it->existed) {
				buf_adds(&out, ",\"message\":\"already present / 登録済み\"");
			}
			buf_addc(&out, '}');
		}
	}
	buf_adds(&out, "],\"pending_count\":0,\"pendings\":[]}");
	if (!(txt = buf_detach(&out, NULL)))
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = store_prepare(s,
			   "INSERT INTO share_status (id, collection_id, owner, request_us, total, "
			   "success, failure, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			   &st, e);
	if (rc == 0) {
		stmt_bind_text(st, 1, id_out);
		stmt_bind_text(st, 2, c->id);
		stmt_bind_text(st, 3, owner ? owner : "cli");
		stmt_bind_int64(st, 4, request_us);
		stmt_bind_int64(st, 5, (int64_t)r->n);
		stmt_bind_int64(st, 6, (int64_t)r->n_ok);
		stmt_bind_int64(st, 7, (int64_t)r->n_failed);
		stmt_bind_text(st, 8, txt);
		rc = stmt_step(st, e);
		rc = rc < 0 ? rc : 0;
		stmt_finalize(st);
	}
	m_free(txt);
	if (rc == 0 &&
	    (rc = store_prepare(s, "DELETE FROM share_status WHERE request_us < ?", &st, e)) == 0) {
		stmt_bind_int64(st, 1, request_us - (int64_t)7 * 86400 * 1000000);
		rc = stmt_step(st, e);
		rc = rc < 0 ? rc : 0;
		stmt_finalize(st);
	}
	return rc;
}

int share_status_get(struct store *s, const char *id, const char *owner, char **json,
		     struct merr *e)
{
	struct store_stmt *st;
	int rc;

	*json = NULL;
	if ((rc = store_prepare(s, "SELECT status, owner FROM share_status WHERE id = ?", &st, e)))
		return rc;
	stmt_bind_text(st, 1, id);
	rc = stmt_step(st, e);
	if (rc == 1 && (!owner || strcmp(owner, stmt_text(st, 1)) == 0)) {
		*json = strdup(stmt_text(st, 0));
		rc = *json ? 0 : merr_set(e, M_ENOMEM, "out of memory");
	} else if (rc >= 0) {
		rc = merr_at(e, M_ENOTFOUND, NULL, -1, -1, "status", "no such status");
	}
	stmt_finalize(st);
	return rc;
}

/* ---- per-consumer TLP 1.0 ------------------------------------------------------------- */

int share_consumer_set(struct store *s, const char *user, bool tlp1, struct merr *e)
{
	struct store_stmt *st;
	int rc;

	if (!user || !*user)
		return merr_at(e, M_EINVAL, NULL, -1, -1, "user", "a user name is needed");
	if ((rc =
		 store_prepare(s,
			       "INSERT INTO share_consumers (user, tlp1) VALUES (?, ?) ON CONFLICT "
			       "(user) DO UPDATE SET tlp1 = excluded.tlp1",
			       &st, e)))
		return rc;
	stmt_bind_text(st, 1, user);
	stmt_bind_int64(st, 2, tlp1 ? 1 : 0);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

bool share_consumer_tlp1(struct store *s, const char *user)
{
	struct store_stmt *st;
	bool yes = false;

	if (!user || !*user ||
	    store_prepare(s, "SELECT tlp1 FROM share_consumers WHERE user = ?", &st, NULL))
		return false;
	stmt_bind_text(st, 1, user);
	if (stmt_step(st, NULL) == 1)
		yes = stmt_int64(st, 0) == 1;
	stmt_finalize(st);
	return yes;
}

int share_tlp1_rewrite(char *raw, size_t len)
{
	int n = 0;

	for (int t = SHARE_TLP_CLEAR; t <= SHARE_TLP_RED; t++) {
		const char *from = share_tlp_marking_id(t, false),
			   *to = share_tlp_marking_id(t, true);
		size_t fl = strlen(from);
		char *p = raw;
		if (!to || strlen(to) != fl)
			continue;
		while ((size_t)(p - raw) + fl <= len &&
		       (p = memmem(p, len - (size_t)(p - raw), from, fl))) {
			memcpy(p, to, fl);
			p += fl;
			n++;
		}
	}
	return n;
}
