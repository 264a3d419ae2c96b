/*
 * import.c - `sns import`: a file (or standard input) split into records with flat memory,
 * each record parsed, its posts stored once and matched against every operator's watch terms,
 * one savepoint per record (a bad record is rolled back whole, the good ones stay), batches of
 * records per transaction; then the detector over what this import matched.
 */
#include "base/compat.h"

#include <ctype.h>
#include <cjson/cJSON.h>
#include <time.h>
#include <unistd.h>

#include "base/mem.h"
#include "sns/hs_lazy.h"
#include "sns/sns_int.h"
#include "feeds/split.h"
#include "base/mtime.h"
#include "share/share.h"

#define RAW_KEEP_MAX ((size_t)64 << 10) /* raw records kept whole up to this size */
#define BATCH_RECORDS 5000
#define X_ACC_MAX ((size_t)64 << 20) /* a pretty-printed X page read line by line */

struct imp {
	struct store *s;
	const struct sns_import_opts *o;
	struct sns_import_stats *st;
	struct merr *e;
	struct sns_matcher *m;
	struct sns_scratch *sc;
	hs_scratch_t *lex;
	int64_t run; /* sns_matches.run of this import */
	const struct sns_terms *t;
	struct store_stmt *ins, *match, *cve;
	struct buf norm, tmp;
	const char *rec;
	size_t rec_len;
	/* per post: orgs matched */
	struct {
		size_t term;
	} hits[64];
	size_t n_hits;
};

static int json_strv(const struct sns_strv *v, struct buf *b)
{
	buf_reset(b);
	if (!v->n)
		return 0;
	int rc = buf_addc(b, '[');
	for (size_t i = 0; !rc && i < v->n; i++) {
		if (i)
			rc = buf_addc(b, ',');
		if (!rc)
			rc = buf_add_json_str(b, v->v[i]);
	}
	return rc ? rc : buf_addc(b, ']');
}

static int on_term(size_t term, void *arg)
{
	struct imp *x = arg;
	/* one hit per org: keep the strongest kind */
	const struct sns_term *t = &x->t->v[term];
	for (size_t i = 0; i < x->n_hits; i++) {
		const struct sns_term *h = &x->t->v[x->hits[i].term];
		if (!strcmp(h->org, t->org)) {
			if (sns_kind_conf(sns_kind_name(t->kind)) >
			    sns_kind_conf(sns_kind_name(h->kind)))
				x->hits[i].term = term;
			return 0;
		}
	}
	if (x->n_hits < ARRAY_SIZE(x->hits))
		x->hits[x->n_hits++].term = term;
	return 0;
}

static int bind_strv(struct imp *x, struct store_stmt *st, int col, const struct sns_strv *v,
		     struct buf *b)
{
	int rc = json_strv(v, b);
	if (rc)
		return rc;
	return v->n ? stmt_bind_text(st, col, buf_str(b)) : stmt_bind_null(st, col);
}

/* Matches x->norm (the key of post's text and hosts) against every term and the vocabulary,
 * and records each new (post, operator) match under this run. */
static int match_post(struct imp *x, int64_t post, int64_t created_at)
{
	int rc;
	x->n_hits = 0;
	if ((rc = sns_match(x->m, x->sc, x->norm.ptr ? x->norm.ptr : "", x->norm.len, on_term, x)))
		return rc;
	bool has_cve = x->norm.len && memmem(x->norm.ptr, x->norm.len, "cve-", 4);
	if (!x->n_hits && !has_cve)
		return 0;
	struct sns_lex_hits h;
	if ((rc = sns_lex_scan(x->lex, x->norm.ptr, x->norm.len, &h)))
		return rc;
	char rules[512] = "";
	size_t rl = 0;
	for (size_t i = 0; i < h.n && rl < sizeof rules - 40; i++)
		rl += (size_t)snprintf(rules + rl, sizeof rules - rl, "%s%s", rl ? "," : "",
				       sns_rules[h.rule[i]].id);
	/* negated complaints are kept for the record as not:<rule> (no class bit) */
	for (size_t i = 0; i < h.n_negated && rl < sizeof rules - 40; i++)
		rl += (size_t)snprintf(rules + rl, sizeof rules - rl, "%snot:%s", rl ? "," : "",
				       sns_rules[h.negated[i]].id);
	bool any = false;
	for (size_t i = 0; i < x->n_hits; i++) {
		const struct sns_term *t = &x->t->v[x->hits[i].term];
		stmt_reset(x->match);
		stmt_bind_int64(x->match, 1, post);
		stmt_bind_text(x->match, 2, t->org);
		stmt_bind_text(x->match, 3, t->term);
		stmt_bind_text(x->match, 4, sns_kind_name(t->kind));
		stmt_bind_int64(x->match, 5, h.classes);
		stmt_bind_text(x->match, 6, rules);
		stmt_bind_int64(x->match, 7, created_at);
		stmt_bind_int64(x->match, 8, x->run);
		rc = stmt_step(x->match, x->e);
		stmt_reset(x->match);
		if (rc < 0)
			return rc;
		if (store_changes(x->s) > 0)
			any = true; /* a new (post, org): not there from an earlier run */
	}
	/* A CVE an operator has an open finding for names that operator without its name. */
	if (has_cve) {
		const char *q = x->norm.ptr, *end = q + x->norm.len;
		while ((q = memmem(q, (size_t)(end - q), "cve-", 4))) {
			size_t n = 4;
			while (q + n < end && ((q[n] >= '0' && q[n] <= '9') || q[n] == '-') &&
			       n < 20)
				n++;
			char id[24];
			snprintf(id, sizeof id, "%.*s", (int)n, q);
			for (char *c = id; *c && c < id + 3; c++)
				*c = (char)(*c - 32);
			stmt_reset(x->cve);
			stmt_bind_int64(x->cve, 1, post);
			stmt_bind_text(x->cve, 2, id);
			stmt_bind_int64(x->cve, 3, h.classes | (1u << SNS_C_EXPLOIT));
			stmt_bind_text(x->cve, 4, rules);
			stmt_bind_int64(x->cve, 5, created_at);
			stmt_bind_int64(x->cve, 6, x->run);
			while ((rc = stmt_step(x->cve, x->e)) == 1)
				any = true;
			stmt_reset(x->cve);
			if (rc < 0)
				return rc;
			q += n;
		}
	}
	if (any)
		x->st->matched++;
	return 0;
}

static int store_post(struct sns_post *p, void *arg)
{
	struct imp *x = arg;
	struct store_stmt *st = x->ins;
	int rc;
	x->st->posts++;
	/* the matching key: text, then the hosts the entities name (t.co hides them) */
	buf_reset(&x->norm);
	if ((rc = sns_norm(p->text, strlen(p->text), &x->norm)))
		return rc;
	x->st->bytes += (long long)strlen(p->text);
	if (x->o->bench_buf) {
		rc = buf_add(x->o->bench_buf, x->norm.ptr ? x->norm.ptr : "", x->norm.len);
		return rc ? rc : buf_addc(x->o->bench_buf, '\n');
	}
	uint64_t sh =
	    x->o->scan_only ? 0 : sns_simhash(x->norm.ptr ? x->norm.ptr : "", x->norm.len);
	for (size_t i = 0; !rc && i < p->hostnames.n; i++) {
		rc = buf_addc(&x->norm, '\n');
		if (!rc)
			rc = buf_adds(&x->norm, p->hostnames.v[i]);
	}
	if (rc)
		return rc;
	if (x->o->scan_only) {
		x->n_hits = 0;
		if ((rc = sns_match(x->m, x->sc, x->norm.ptr ? x->norm.ptr : "", x->norm.len,
				    on_term, x)))
			return rc;
		if (x->n_hits)
			x->st->matched++;
		for (size_t i = 0; !rc && i < x->n_hits; i++)
			rc = x->o->on_hit ? x->o->on_hit(p, &x->t->v[x->hits[i].term], x->o->arg)
					  : 0;
		return rc;
	}

	stmt_reset(st);
	stmt_bind_text(st, 1, p->platform);
	stmt_bind_text(st, 2, p->post_id);
	stmt_bind_text(st, 3, p->version ? p->version : "");
	stmt_bind_text(st, 4, p->source);
	stmt_bind_text(st, 5, p->channel_id);
	stmt_bind_text(st, 6, p->channel_name);
	stmt_bind_text(st, 7, p->author_id);
	stmt_bind_text(st, 8, p->author_name);
	stmt_bind_int64(st, 9, p->created_at);
	stmt_bind_text(st, 10, p->text);
	stmt_bind_text(st, 11, p->lang);
	stmt_bind_text(st, 12, p->url);
	struct buf b;
	buf_init(&b, 0);
	if ((rc = bind_strv(x, st, 13, &p->urls, &b)) ||
	    (rc = bind_strv(x, st, 14, &p->hostnames, &b)) ||
	    (rc = bind_strv(x, st, 15, &p->mentions, &b)) ||
	    (rc = bind_strv(x, st, 16, &p->hashtags, &b))) {
		buf_release(&b);
		return rc;
	}
	buf_release(&b);
	stmt_bind_text(st, 17, p->forwarded_from);
	stmt_bind_text(st, 18, p->reply_to);
	stmt_bind_text(st, 19, p->edit_of);
	stmt_bind_text(st, 20, p->raw_sha256);
	if (x->rec_len <= RAW_KEEP_MAX)
		stmt_bind_textn(st, 21, x->rec, x->rec_len);
	else
		stmt_bind_null(st, 21);
	stmt_bind_int64(st, 22, (int64_t)sh);
	stmt_bind_int64(st, 23, x->o->now);
	rc = stmt_step(st, x->e);
	if (rc < 0)
		return rc;
	if (rc == 0) { /* seen before */
		x->st->duplicates++;
		return 0;
	}
	int64_t post = stmt_int64(st, 0);
	stmt_reset(st); /* a RETURNING statement left open blocks the savepoint's release */
	x->st->stored++;
	if (p->version && *p->version)
		x->st->versions++;

	return match_post(x, post, p->created_at);
}

static int spool_stdin(FILE **out, struct merr *e)
{
	FILE *f = tmpfile();
	if (!f)
		return merr_set(e, M_EIO, "-: cannot make a spool file for standard input");
	char b[65536];
	size_t n;
	while ((n = fread(b, 1, sizeof b, stdin)) > 0)
		if (fwrite(b, 1, n, f) != n) {
			fclose(f);
			return merr_set(e, M_EIO, "-: writing the spool file failed");
		}
	if (ferror(stdin) || fflush(f)) {
		fclose(f);
		return merr_set(e, M_EIO, "-: reading standard input failed");
	}
	*out = f;
	return 0;
}

/* The first bytes of a file (decompressed) and its first non-blank character. */
static int peek(const char *path, enum sns_format *fmt, char *first, bool *nested, struct merr *e)
{
	struct split *sp = NULL;
	struct split_rec r;
	int rc = split_open_file(path, SPLIT_RAW, NULL, 0, &sp, e);
	if (rc)
		return rc;
	rc = split_next(sp, &r, e);
	*first = 0;
	if (rc == 1) {
		for (size_t i = 0; i < r.len; i++)
			if (!isspace((unsigned char)r.p[i])) {
				*first = r.p[i];
				break;
			}
		if (*fmt == SNS_FMT_AUTO)
			*fmt = sns_sniff(r.p, r.len);
		*nested = memmem(r.p, r.len, "\"chats\"", 7) != NULL;
		rc = 0;
	}
	split_free(sp);
	return rc;
}

static int one_record(struct imp *x, struct sns_parse_ctx *ctx, char *p, size_t len, long line,
		      long long off)
{
	struct merr re;
	merr_init(&re);
	ctx->line = line;
	ctx->offset = off;
	x->rec = p;
	x->rec_len = len;
	x->st->records++;
	bool tx = !x->o->scan_only;
	int rc = tx ? store_begin(x->s, x->e) : 0;
	if (rc)
		return rc;
	rc = sns_parse_record(ctx, p, len, store_post, x, &re);
	if (rc) {
		if (tx)
			store_rollback(x->s);
		if (rc == M_ESTORE || rc == M_ENOMEM) {
			merr_at(x->e, rc, NULL, -1, -1, NULL, "%s", re.msg);
			return rc;
		}
		x->st->errors++;
		if (re.code)
			merr_at(x->e, re.code, re.file[0] ? re.file : ctx->file, re.line, re.offset,
				re.field[0] ? re.field : NULL, "%s", re.msg);
		else
			merr_at(x->e, rc, ctx->file, line, off, NULL, "%s", mamori_strerror(rc));
		return 0;
	}
	return tx ? store_commit(x->s, x->e) : 0;
}

static bool is_ctx_fmt(enum sns_format f)
{
	return f == SNS_FMT_TGEXPORT;
}

/* Every operator's terms compiled, the vocabulary's scratch, this run's number and the match
 * statements (import and rematch). */
static int matcher_open(struct imp *x, struct sns_terms *terms)
{
	int rc;
	if ((rc = sns_terms_load(x->s, NULL, terms, x->e)) ||
	    (rc = sns_matcher_build(terms, &x->m, x->e)) ||
	    (rc = sns_scratch_new(x->m, &x->sc, x->e)) || (rc = sns_lex_scratch(&x->lex)))
		return rc;
	x->t = terms;
	if ((rc = store_query_int(x->s, "SELECT coalesce(max(run), 0) + 1 FROM sns_matches",
				  &x->run, x->e)))
		return rc;
	if ((rc = store_prepare(
		 x->s,
		 "INSERT INTO sns_matches (post, org_slug, term, kind, classes, rules,"
		 " created_at, run) VALUES (?,?,?,?,?,?,?,?)"
		 " ON CONFLICT (post, org_slug) DO NOTHING",
		 &x->match, x->e)))
		return rc;
	return store_prepare(x->s,
			     "INSERT INTO sns_matches (post, org_slug, term, kind, classes, rules,"
			     " created_at, run) SELECT DISTINCT CAST(?1 AS INTEGER), f.org_slug, "
			     "?2, 'cve', CAST(?3 AS INTEGER), ?4,"
			     " CAST(?5 AS INTEGER), CAST(?6 AS INTEGER)"
			     " FROM findings f WHERE f.cve_id = ?2 AND f.state = 'open'"
			     " ON CONFLICT (post, org_slug) DO NOTHING RETURNING org_slug",
			     &x->cve, x->e);
}

static void matcher_close(struct imp *x, struct sns_terms *terms)
{
	stmt_finalize(x->match);
	stmt_finalize(x->cve);
	sns_scratch_free(x->sc);
	hs_free_scratch(x->lex);
	sns_matcher_free(x->m);
	sns_terms_free(terms);
	x->match = x->cve = NULL;
	x->sc = NULL;
	x->lex = NULL;
	x->m = NULL;
}

/* An order-independent fingerprint of the watch terms (org, kind, key): the sum and the xor of
 * their 64-bit FNV-1a hashes, 32 hex characters. */
static void terms_fp(const struct sns_terms *t, char out[33])
{
	uint64_t sum = 0, x = 0;
	for (size_t i = 0; i < t->n; i++) {
		uint64_t h = 1469598103934665603ULL;
		const char *parts[3] = {t->v[i].org, sns_kind_name(t->v[i].kind), t->v[i].norm};
		for (int k = 0; k < 3; k++) {
			for (const unsigned char *p = (const unsigned char *)parts[k]; p && *p; p++)
				h = (h ^ *p) * 1099511628211ULL;
			h = (h ^ 0x1f) * 1099511628211ULL; /* field separator */
		}
		sum += h;
		x ^= h;
	}
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)sum, (unsigned long long)x);
}

/* The stored fingerprint ("" when none). */
static int fp_get(struct store *s, char out[33], struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s, "SELECT v FROM sns_state WHERE k = 'terms_fp'", &st, e);
	out[0] = '\0';
	if (rc)
		return rc;
	if ((rc = stmt_step(st, e)) == 1)
		snprintf(out, 33, "%s", stmt_text(st, 0) ? stmt_text(st, 0) : "");
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

static int fp_set(struct store *s, const char *fp, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(s,
			       "INSERT INTO sns_state (k, v) VALUES ('terms_fp', ?)"
			       " ON CONFLICT (k) DO UPDATE SET v = excluded.v",
			       &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, fp);
	rc = stmt_step(st, e);
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}

/* Before an import: when the watch terms changed since the stored posts were matched (the
 * inventory or the analysts' list), the stored posts are matched again first (new matches
 * only, in time order through the detector), so the terms follow the inventory. */
static int follow_terms(struct store *s, const struct sns_import_opts *o,
			struct sns_import_stats *st, struct merr *e)
{
	struct sns_terms t = {0};
	char now_fp[33], old_fp[33];
	int rc = sns_terms_load(s, NULL, &t, e);
	if (!rc)
		terms_fp(&t, now_fp);
	sns_terms_free(&t);
	if (rc || (rc = fp_get(s, old_fp, e)))
		return rc;
	if (!strcmp(old_fp, now_fp))
		return 0;
	if (old_fp[0]) { /* posts were matched with other terms before */
		struct sns_import_stats rs;
		if ((rc = sns_rematch(s, o, &rs, e)))
			return rc;
		st->rematched = rs.matched;
		st->alerts_new += rs.alerts_new;
		st->alerts_updated += rs.alerts_updated;
		return 0; /* sns_rematch recorded the fingerprint */
	}
	return fp_set(s, now_fp, e);
}

int sns_rematch(struct store *s, const struct sns_import_opts *o, struct sns_import_stats *st,
		struct merr *e)
{
	struct imp x = {.s = s, .o = o, .st = st, .e = e};
	struct sns_terms terms = {0};
	struct store_stmt *q = NULL;
	int rc;

	memset(st, 0, sizeof *st);
	buf_init(&x.norm, (size_t)8 << 20);
	if ((rc = matcher_open(&x, &terms)) ||
	    (rc = store_prepare(
		 s, "SELECT id, text, hostnames, created_at FROM sns_posts ORDER BY id", &q, e)) ||
	    (rc = store_begin(s, e)))
		goto out;
	while ((rc = stmt_step(q, e)) == 1) {
		st->posts++;
		buf_reset(&x.norm);
		const char *text = stmt_text(q, 1) ? stmt_text(q, 1) : "";
		if ((rc = sns_norm(text, strlen(text), &x.norm)))
			break;
		cJSON *hs = stmt_text(q, 2) ? cJSON_Parse(stmt_text(q, 2)) : NULL, *h;
		cJSON_ArrayForEach(h, hs)
		{
			if (!rc && cJSON_IsString(h) && !(rc = buf_addc(&x.norm, '\n')))
				rc = buf_adds(&x.norm, h->valuestring);
		}
		cJSON_Delete(hs);
		if (rc || (rc = match_post(&x, stmt_int64(q, 0), stmt_int64(q, 3))))
			break;
	}
	stmt_finalize(q);
	q = NULL;
	if (rc < 0) {
		store_rollback(s);
		goto out;
	}
	char fp[33];
	terms_fp(&terms, fp);
	if ((rc = fp_set(s, fp, e)) || (rc = store_commit(s, e)))
		goto out;
	rc = o->no_detect ? 0 : sns_detect(s, x.run, o, st, e);
out:
	stmt_finalize(q);
	matcher_close(&x, &terms);
	buf_release(&x.norm);
	return rc;
}

int sns_import_file(struct store *s, const char *path, const struct sns_import_opts *o,
		    struct sns_import_stats *st, struct merr *e)
{
	struct imp x = {.s = s, .o = o, .st = st, .e = e};
	struct sns_terms terms = {0};
	struct split *sp = NULL;
	FILE *spool = NULL;
	char spath[64];
	const char *rpath = path, *disp = path;
	int rc;
	bool in_tx = false;

	memset(st, 0, sizeof *st);
	buf_init(&x.norm, (size_t)8 << 20);
	buf_init(&x.tmp, X_ACC_MAX);
	if (!strcmp(path, "-")) {
		if ((rc = spool_stdin(&spool, e)))
			goto out;
		snprintf(spath, sizeof spath, "/proc/self/fd/%d", fileno(spool));
		rpath = spath;
		disp = "-";
	}
	enum sns_format fmt = o->fmt;
	char first = 0;
	bool nested = false;
	if ((rc = peek(rpath, &fmt, &first, &nested, e)))
		goto out;
	if (fmt == SNS_FMT_AUTO) {
		rc = merr_at(
		    e, M_EPARSE, disp, 1, 0, NULL,
		    "cannot tell the format: give --format (x, x-stream, telegram-bot, telethon, "
		    "telegram-export, ddosia, ransomwatch, jsonl)");
		goto out;
	}
	st->fmt = fmt;
	const bool scan = o->scan_only || o->bench_buf;
	if (!scan && (rc = follow_terms(s, o, st, e)))
		goto out;
	if ((rc = matcher_open(&x, &terms)))
		goto out;
	if ((rc = store_prepare(
		 s,
		 "INSERT INTO sns_posts (platform, post_id, version, source, channel_id,"
		 " channel_name, author_id, author_name, created_at, text, lang, url, urls,"
		 " hostnames, mentions, hashtags, forwarded_from, reply_to, edit_of,"
		 " raw_sha256, raw, simhash, imported_at)"
		 " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
		 " ON CONFLICT (platform, post_id, version) DO NOTHING RETURNING id",
		 &x.ins, e)))
		goto out;

	/* How the file is split: arrays by element, objects whose posts are an array member
	 * by that member, the rest by line. */
	enum split_mode mode = SPLIT_LINES;
	const char *akey = NULL;
	if (first == '[') {
		mode = SPLIT_ARRAY;
	} else if (first == '{' && fmt == SNS_FMT_TGEXPORT && !nested) {
		mode = SPLIT_ARRAY;
		akey = "messages";
	} else if (first == '{' && fmt == SNS_FMT_TGBOT) {
		/* a getUpdates reply pretty-printed, or update lines: lines handle both when the
		 * reply is on one line; a multi-line reply is split by its result array */
		mode = SPLIT_LINES;
	}
	if ((rc = split_open_file(rpath, mode, akey, 0, &sp, e)))
		goto out;
	struct sns_parse_ctx ctx = {.fmt = fmt, .file = disp};
	struct split_rec r;
	long batch = 0;
	long acc_line = 0;
	long long acc_off = 0;
	bool tgx_whole = false;
	while (true) {
		struct merr se;
		merr_init(&se);
		int n = split_next(sp, &r, &se);
		if (n == 0)
			break;
		if (n < 0) {
			merr_at(e, se.code, disp, se.line, se.offset, se.field[0] ? se.field : NULL,
				"%s", se.msg);
			st->errors++;
			if (split_fatal(sp))
				break;
			continue;
		}
		if (!in_tx && !scan) {
			if ((rc = store_begin(s, e)))
				goto out;
			in_tx = true;
		}
		if (is_ctx_fmt(fmt) && mode == SPLIT_ARRAY && akey) {
			ctx.chat_name = split_header(sp, "name");
			ctx.chat_id = split_header(sp, "id");
		}
		if (mode == SPLIT_LINES &&
		    (fmt == SNS_FMT_X || fmt == SNS_FMT_TGBOT || fmt == SNS_FMT_TELETHON ||
		     fmt == SNS_FMT_RANSOMWATCH || fmt == SNS_FMT_TGEXPORT)) {
			/* A JSON text over several lines (pretty-printed page): gather lines until
			 * they parse. A line that is a whole object by itself is a record. */
			bool alone = x.tmp.len == 0;
			if (alone) {
				cJSON *j = cJSON_ParseWithLength(r.p, r.len);
				if (j) {
					cJSON_Delete(j);
					rc = one_record(&x, &ctx, (char *)r.p, r.len, r.line,
							r.offset);
					goto next;
				}
				if (r.len > 1 && r.p[0] == '{' && r.p[r.len - 1] == '}' &&
				    fmt != SNS_FMT_TGEXPORT) {
					rc = one_record(&x, &ctx, (char *)r.p, r.len, r.line,
							r.offset);
					goto next;
				}
				acc_line = r.line;
				acc_off = r.offset;
			}
			if ((rc = buf_add(&x.tmp, r.p, r.len)) || (rc = buf_addc(&x.tmp, '\n'))) {
				rc =
				    merr_at(e, M_ETOOBIG, disp, acc_line, acc_off, NULL,
					    "a JSON text over several lines is larger than 64 MiB");
				goto out;
			}
			if (fmt == SNS_FMT_TGEXPORT)
				tgx_whole = true; /* full-account export: parsed at the end */
			else {
				cJSON *j = cJSON_ParseWithLength(x.tmp.ptr, x.tmp.len);
				if (j) {
					cJSON_Delete(j);
					rc = one_record(&x, &ctx, x.tmp.ptr, x.tmp.len, acc_line,
							acc_off);
					buf_reset(&x.tmp);
				}
			}
		} else {
			rc = one_record(&x, &ctx, (char *)r.p, r.len, r.line, r.offset);
		}
	next:
		if (rc)
			goto out;
		if (in_tx && ++batch >= BATCH_RECORDS) {
			if ((rc = store_commit(s, e)))
				goto out;
			in_tx = false;
			batch = 0;
		}
	}
	if (x.tmp.len) {
		if (!in_tx && !scan) {
			if ((rc = store_begin(s, e)))
				goto out;
			in_tx = true;
		}
		(void)tgx_whole;
		if ((rc = one_record(&x, &ctx, x.tmp.ptr, x.tmp.len, acc_line, acc_off)))
			goto out;
	}
	if (in_tx) {
		in_tx = false;
		if ((rc = store_commit(s, e)))
			goto out;
	}
	if (!o->no_detect && !scan && (rc = sns_detect(s, x.run, o, st, e)))
		goto out;
	if (!scan && (rc = share_match_new(s, time_now(), NULL, NULL, e))) /* shared IOCs */
		goto out;
	rc = st->errors ? (e && e->code ? e->code : M_EPARSE) : 0;
out:
	if (in_tx)
		store_rollback(s);
	split_free(sp);
	stmt_finalize(x.ins);
	matcher_close(&x, &terms);
	buf_release(&x.norm);
	buf_release(&x.tmp);
	if (spool)
		fclose(spool);
	return rc;
}

int sns_bench_match(struct store *s, const struct buf *texts, int rounds, double *secs,
		    double *secs_post, long *hits, size_t *n_terms, struct merr *e)
{
	struct sns_terms terms = {0};
	struct sns_matcher *m = NULL;
	struct sns_scratch *sc = NULL;
	struct timespec a, b;
	int rc;
	*hits = 0;
	if ((rc = sns_terms_load(s, NULL, &terms, e)) || (rc = sns_matcher_build(&terms, &m, e)) ||
	    (rc = sns_scratch_new(m, &sc, e)))
		goto out;
	*n_terms = terms.n;
	/* Blocks of posts (one a line, cut at a line end near 1 MiB): a term never holds a
	 * newline, so no match spans two posts and a hit's offset names its post. */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (int r = 0; r < rounds && !rc; r++) {
		const char *p = texts->ptr, *end = p + texts->len;
		while (p && p < end && !rc) {
			size_t n = (size_t)(end - p) > ((size_t)1 << 20) ? (size_t)1 << 20
									 : (size_t)(end - p);
			const char *nl =
			    p + n < end ? memchr(p + n, '\n', (size_t)(end - p - n)) : NULL;
			n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			rc = sns_match_raw(m, sc, p, n, hits);
			p += n + 1;
		}
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	*secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	/* a post at a time, as the import scans them */
	long h2 = 0;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (int r = 0; r < rounds && !rc; r++) {
		const char *p = texts->ptr, *end = p + texts->len;
		while (p && p < end && !rc) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			rc = sns_match_raw(m, sc, p, n, &h2);
			p += n + 1;
		}
	}
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	*secs_post = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
out:
	sns_scratch_free(sc);
	sns_matcher_free(m);
	sns_terms_free(&terms);
	return rc;
}
