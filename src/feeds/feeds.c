/*
 * feeds.c - the import driver: detects a file's feed, runs its adapter over the splitter in
 * batch transactions with a savepoint per record, keeps feed_state checkpoints for resume,
 * and walks a data folder in dependency order.
 */
#include "base/compat.h"

#include <errno.h>

#include <ctype.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/mtime.h"
#include "base/utf8.h"
#include "feeds/feeds_int.h"

#define BATCH_DEFAULT 1000
#define BATCH_MAX 50000
#define WHOLE_MAX ((size_t)64 << 20) /* decompressed: a JVN page is a few MB */
#define SNIFF_MAX ((size_t)64 << 10)

static const struct {
	enum feeds_kind kind;
	const char *name;
	const struct feeds_adapter *ad;
} kinds[] = {
    {FEEDS_NVD, "nvd", &feeds_nvd_adapter}, {FEEDS_CVE5, "cve5", &feeds_cve5_adapter},
    {FEEDS_KEV, "kev", &feeds_kev_adapter}, {FEEDS_EPSS, "epss", &feeds_epss_adapter},
    {FEEDS_JVN, "jvn", &feeds_jvn_adapter},
};

const char *feeds_kind_name(enum feeds_kind k)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == k)
			return kinds[i].name;
	return "unknown";
}

static const struct feeds_adapter *adapter_of(enum feeds_kind k)
{
	for (size_t i = 0; i < ARRAY_SIZE(kinds); i++)
		if (kinds[i].kind == k)
			return kinds[i].ad;
	return NULL;
}

/* Content markers, checked in order on the first 64 KB of the decompressed file. */
static const struct {
	const char *marker;
	enum feeds_kind kind;
} sniff_table[] = {
    {"\"cveMetadata\"", FEEDS_CVE5},
    {"\"catalogVersion\"", FEEDS_KEV},
    {"\"NVD_CVE\"", FEEDS_NVD},
    {"{\"cve\":{", FEEDS_NVD},
    {"\"cve\": {", FEEDS_NVD},
    {"#model_version:", FEEDS_EPSS},
    {"cve,epss,percentile", FEEDS_EPSS},
    {"jvn.jp", FEEDS_JVN},
    {"myjvn", FEEDS_JVN},
    {"MyJVN", FEEDS_JVN},
};

int feeds_detect(const char *path, enum feeds_kind *out, struct merr *e)
{
	struct split *sp = NULL;
	struct split_rec rec;
	struct buf head;
	int rc;

	*out = FEEDS_UNKNOWN;
	if ((rc = split_open_file(path, SPLIT_RAW, NULL, 0, &sp, e)))
		return rc;
	buf_init(&head, SNIFF_MAX);
	while (head.len < SNIFF_MAX && (rc = split_next(sp, &rec, e)) == 1) {
		size_t n = rec.len < SNIFF_MAX - head.len ? rec.len : SNIFF_MAX - head.len;
		buf_add(&head, rec.p, n);
	}
	for (size_t i = 0; i < ARRAY_SIZE(sniff_table) && *out == FEEDS_UNKNOWN; i++)
		if (memmem(head.ptr ? head.ptr : "", head.len, sniff_table[i].marker,
			   strlen(sniff_table[i].marker)))
			*out = sniff_table[i].kind;
	buf_release(&head);
	split_free(sp);
	if (*out == FEEDS_UNKNOWN)
		return merr_at(e, M_EPARSE, path, -1, -1, NULL,
			       "not a known feed (NVD, CVE 5, KEV, EPSS, JVN)");
	return 0;
}

/* ---- feed_state and checkpoints ---- */

struct ckpt {
	long long offset, size, mtime;
	long long records, errors; /* feed_state's counts with the checkpoint */
	bool done, valid;
};

static void ckpt_read(struct feeds_ctx *c, struct ckpt *k)
{
	struct store_stmt *st = NULL;
	struct merr e;

	memset(k, 0, sizeof(*k));
	merr_init(&e);
	if (store_prepare(c->s, "SELECT checkpoint, records, errors FROM feed_state WHERE feed = ?",
			  &st, &e))
		return;
	stmt_bind_text(st, 1, c->name);
	if (stmt_step(st, &e) == 1 && stmt_text(st, 0)) {
		cJSON *j = cJSON_Parse(stmt_text(st, 0));
		const cJSON *o = cJSON_GetObjectItemCaseSensitive(j, "offset");
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "size");
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "mtime");
		if (cJSON_IsNumber(o) && cJSON_IsNumber(s) && cJSON_IsNumber(m)) {
			k->offset = (long long)o->valuedouble;
			k->size = (long long)s->valuedouble;
			k->mtime = (long long)m->valuedouble;
			k->done = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "done"));
			k->records = stmt_int64(st, 1);
			k->errors = stmt_int64(st, 2);
			k->valid = true;
		}
		cJSON_Delete(j);
	}
	stmt_finalize(st);
}

/* The feed's own date (top-level header: NVD timestamp, KEV dateReleased, EPSS score_date)
 * into r->feed_date, "" when the feed has none (yet). */
static void feed_date(struct feeds_ctx *c, const struct feeds_adapter *ad)
{
	const char *d = ad->date ? ad->date(c) : NULL;

	snprintf(c->r->feed_date, sizeof(c->r->feed_date), "%s", d ? d : "");
}

/* feed_state: the file's checkpoint and counts, and at the end (done) the feed's own date,
 * in the import's transaction: a store error fails the commit with the rest. records counts
 * the whole file (what earlier runs committed before a --resume included). */
static int state_write(struct feeds_ctx *c, const struct feeds_adapter *ad, const struct ckpt *k,
		       struct merr *e)
{
	struct store_stmt *st = NULL;
	char ck[160];
	int rc;

	snprintf(ck, sizeof(ck), "{\"offset\":%lld,\"size\":%lld,\"mtime\":%lld,\"done\":%s}",
		 k->offset, k->size, k->mtime, k->done ? "true" : "false");
	rc = store_prepare(c->s,
			   "INSERT INTO feed_state (feed, source, last_import, records, errors,"
			   " checkpoint) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(feed) DO UPDATE SET"
			   " source = excluded.source, last_import = excluded.last_import,"
			   " records = excluded.records, errors = excluded.errors,"
			   " checkpoint = excluded.checkpoint",
			   &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, c->name);
	stmt_bind_text(st, 2, c->path);
	stmt_bind_int64(st, 3, time_now());
	stmt_bind_int64(st, 4, c->base_records + c->r->stored + c->r->unchanged);
	stmt_bind_int64(st, 5, c->base_errors + c->r->errors);
	stmt_bind_text(st, 6, ck);
	rc = feeds_exec(st, e);
	stmt_finalize(st);
	if (rc || !k->done)
		return rc;
	feed_date(c, ad);
	if (!c->r->feed_date[0])
		return 0;
	if ((rc = store_prepare(c->s, "UPDATE feed_state SET last_modified = ? WHERE feed = ?", &st,
				e)))
		return rc;
	stmt_bind_text(st, 1, c->r->feed_date);
	stmt_bind_text(st, 2, c->name);
	rc = feeds_exec(st, e);
	stmt_finalize(st);
	return rc;
}

/* Forgets the file's logged errors from byte offset `from` on (0: all of them): a resumed
 * import meets those again (a truncated end, say), so it must not log them twice. Errors
 * without an offset (the file as a whole) go too. */
static int clear_errors(struct feeds_ctx *c, long long from, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc = store_prepare(
	    c->s,
	    "DELETE FROM feed_errors WHERE file = ? AND (byte_offset IS NULL OR byte_offset >= ?)",
	    &st, e);
	if (rc)
		return rc;
	stmt_bind_text(st, 1, c->path);
	stmt_bind_int64(st, 2, from);
	rc = feeds_exec(st, e);
	c->cleared = store_changes(c->s);
	stmt_finalize(st);
	return rc;
}

/* ---- running an adapter ---- */

void feeds_guess_cve(const char *p, size_t len, char *out, size_t cap)
{
	const char *end = p + len;
	out[0] = '\0';
	while ((p = memmem(p, (size_t)(end - p), "CVE-", 4))) {
		size_t n = 4;
		while (p + n < end && n < 24 && (isdigit((unsigned char)p[n]) || p[n] == '-'))
			n++;
		if (n >= 13 && n < cap) {
			memcpy(out, p, n);
			out[n] = '\0';
			if (feeds_valid_cve_id(out))
				return;
		}
		out[0] = '\0';
		p += 4;
	}
}

/* Counts a record's outcome, or logs its error with its place. Returns a fatal code or 0. */
static int settle(struct feeds_ctx *c, const struct feeds_adapter *ad, int rc, struct merr *e,
		  const char *cve, long long offset, long line)
{
	if (rc == M_ENOMEM || rc == M_ESTORE || rc == M_EIO)
		return rc; /* the store or the machine failed, not the record */
	if (rc < 0) {
		if (e->offset < 0)
			e->offset = offset;
		if (e->line < 0 && ad->mode == SPLIT_LINES)
			e->line = line;
		if (ad->strict) { /* the whole file is refused: logged after the rollback */
			c->refused = true;
			c->refused_e = *e;
			snprintf(c->refused_cve, sizeof(c->refused_cve), "%s", cve ? cve : "");
			return M_EPARSE;
		}
		feeds_log_error(c, e, cve);
		if (c->log_rc) {
			*e = c->log_e;
			return c->log_rc;
		}
	} else if (rc == FEEDS_STORED) {
		c->r->stored++;
	} else if (rc == FEEDS_UNCHANGED) {
		c->r->unchanged++;
	}
	c->last_offset = offset;
	return 0;
}

/* Stores one produced item: its parsed record, or its error. Inline, a record has its own
 * savepoint when the adapter asks for one, so a record the store refuses is logged and the
 * batch goes on. From parser threads there is none: the record was checked whole there, so
 * storing it can only fail in the store, and any such failure rolls the whole batch back
 * (fatal). Returns a fatal code or 0. */
static int one_item(struct feeds_ctx *c, const struct feeds_adapter *ad, struct feeds_item *it)
{
	bool savepoint = ad->savepoint && !c->defer_products;
	int rc = it->rc, frc;

	if (rc == 0) {
		if (savepoint && (frc = store_begin(c->s, &it->e)))
			return frc;
		rc = ad->store(c, it->rec, &it->e);
		if (savepoint && rc < 0)
			store_rollback(c->s);
		else if (savepoint && store_commit(c->s, &it->e))
			return M_ESTORE;
		if (rc < 0 && !savepoint) {
			merr_set_file(&it->e, c->path);
			return rc == M_ENOMEM ? rc : M_ESTORE;
		}
	}
	return settle(c, ad, rc, &it->e, it->cve, it->offset, it->line);
}

static int batch_commit(struct feeds_ctx *c, const struct feeds_adapter *ad, struct ckpt *k,
			bool done, struct merr *e)
{
	int rc;
	k->offset = c->last_offset + 1; /* resume after the last stored record */
	k->done = done;
	if ((rc = feeds_bulk_flush(c, e)) || (rc = feeds_prods_flush(c, e)))
		return rc;
	if (done && c->prod_index_off) {
		/* sorted on temporary files with the usual page cache: in memory, the x20 NVD
		 * import's 387k rows put its peak RSS at 71 MB (46 MB before the sort). If the
		 * store cannot, the sort stays in memory. */
		store_tune(c->s, STORE_TUNE_BULK_SORT, NULL);
		if ((rc = feeds_prods_index_on(c, e)))
			return rc;
	}
	if ((rc = state_write(c, ad, k, e)) || (rc = store_commit(c->s, e)))
		return rc;
	feeds_seen_committed(c);
	c->kept_stored = c->r->stored;
	c->kept_unchanged = c->r->unchanged;
	c->kept_errors = c->r->errors;
	c->kept_removed = c->r->removed;
	return 0;
}

/* After a rollback: the counters say what the store holds, not what was attempted. */
static void counters_rolled_back(struct feeds_ctx *c)
{
	c->r->stored = c->kept_stored;
	c->r->unchanged = c->kept_unchanged;
	c->r->errors = c->kept_errors;
	c->r->removed = c->kept_removed;
}

/* The next parsed record or splitter error: from the parser threads when there are some,
 * else from the inline producer, which splits and parses here. Returns 1, or 0 at the end. */
static int next_item(struct feeds_ctx *c, const struct feeds_adapter *ad, struct feeds_pipe *p,
		     struct feeds_item *it)
{
	struct split_rec rec;
	int rc;

	if (p->q)
		return feeds_queue_pop(p->q, it);
	memset(it, 0, sizeof(*it));
	merr_init(&it->e);
	rc = split_next(c->sp, &rec, &it->e);
	if (rc < 0) {
		it->rc = rc;
		it->from_split = true;
		it->fatal = split_fatal(c->sp);
	} else if (rc > 0) {
		feeds_item_parse(ad, &rec, it);
	}
	return rc != 0;
}

/* Stores what the splitter (or the parser thread) yields, in batch transactions. */
/*
 * Records in the next batch when --batch is not given: 1,000, then a quarter of what this
 * file has stored so far (at most 50,000). A commit writes every page the batch dirtied, and
 * cve_products, keyed by vendor:product, is dirtied all over at every batch: with fixed
 * batches of 1,000 the x20 NVD benchmark wrote 1.9 GB for a 386 MB store. Growing batches
 * make those rewrites a geometric series (a few times the index) while a killed import still
 * loses at most a fifth of its work (--resume continues after the last commit).
 */
static size_t next_batch(const struct feeds_ctx *c, size_t done)
{
	size_t b = done / 4;

	if (c->o->batch)
		return c->o->batch;
	return b < BATCH_DEFAULT ? BATCH_DEFAULT : b > BATCH_MAX ? BATCH_MAX : b;
}

static int run_records(struct feeds_ctx *c, const struct feeds_adapter *ad, struct ckpt *k,
		       struct feeds_pipe *p, struct merr *e)
{
	size_t batch = next_batch(c, 0), in_batch = 0, done = 0;
	struct feeds_item it;
	struct merr fatal;
	int rc = 0;

	merr_init(&fatal);
	while (next_item(c, ad, p, &it)) {
		if (it.from_split && it.fatal) {
			c->r->file_failed = true;
			fatal = it.e;
			*e = it.e;
			merr_set_file(e, c->path);
			rc = it.rc;
			break;
		}
		if (it.from_split && ad->strict) { /* a record the splitter refused (too big) */
			c->refused = true;
			c->refused_e = it.e;
			rc = M_EPARSE;
			goto fail;
		}
		if (it.from_split) {
			feeds_log_error(c, &it.e, NULL);
			if (c->log_rc) {
				rc = c->log_rc;
				*e = c->log_e;
				goto fail;
			}
			continue;
		}
		rc = one_item(c, ad, &it);
		if (it.rec)
			ad->rec_free(it.rec);
		if (rc && e)
			*e = it.e;
		if (rc)
			goto fail;
		if (!ad->one_tx && ++in_batch >= batch) {
			if ((rc = batch_commit(c, ad, k, false, e)))
				goto fail;
			if ((rc = store_begin(c->s, e)))
				return rc;
			done += in_batch;
			in_batch = 0;
			batch = next_batch(c, done);
		}
	}
	if (c->r->file_failed && ad->one_tx) {
		/* A catalog cut short must not replace the stored one; the error outlives it. */
		feeds_prods_drop(&c->prods);
		feeds_bulk_drop(c);
		store_rollback(c->s);
		counters_rolled_back(c);
		feeds_log_error(c, &fatal, NULL);
		return c->log_rc ? (*e = c->log_e, c->log_rc) : rc;
	}
	if (c->r->file_failed)
		feeds_log_error(c, &fatal, NULL);
	if (!c->r->file_failed && ad->finish && (rc = ad->finish(c, e)))
		goto fail;
	if (c->log_rc) {
		rc = c->log_rc;
		*e = c->log_e;
		goto fail;
	}
	{
		int crc = batch_commit(c, ad, k, !c->r->file_failed, e);
		if (crc) {
			rc = crc;
			goto fail;
		}
		return c->r->file_failed ? rc : 0;
	}
fail:
	feeds_prods_drop(&c->prods);
	feeds_bulk_drop(c);
	store_rollback(c->s);
	counters_rolled_back(c);
	if (ad->strict && (c->refused || rc == M_EPARSE)) {
		/* a refused catalog changes nothing; its error is logged on its own */
		struct merr why = c->refused ? c->refused_e : *e;
		c->r->file_failed = true;
		feeds_log_error(c, &why, c->refused ? c->refused_cve : NULL);
		if (e) {
			*e = why;
			merr_set_file(e, c->path);
		}
		if (c->log_rc && e)
			*e = c->log_e;
		return c->log_rc ? c->log_rc : M_EPARSE;
	}
	return rc;
}

/* One parser thread a core (the store thread shares them; the queue keeps the parsers from
 * running far ahead), at least one. */
static int parser_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > PIPE_THREADS_MAX ? PIPE_THREADS_MAX : (int)n;
}

static int run_split_in(struct feeds_ctx *c, const struct feeds_adapter *ad, struct ckpt *k,
			struct merr *e)
{
	struct feeds_pipe p = {0};
	int rc;

	if ((rc = split_open_file(c->path, ad->mode, ad->array_key, c->o->record_max, &c->sp, e)))
		return rc;
	if (k->offset > 0)
		split_skip_before(c->sp, k->offset);
	if ((rc = store_begin_immediate(c->s, e)))
		return rc;
	if (ad->begin && (rc = ad->begin(c, e))) {
		store_rollback(c->s);
		return rc;
	}
	/* Parse on parser threads when the adapter allows it; else the producer is inline. */
	if (ad->threads && !c->o->one_thread &&
	    feeds_pipe_start(&p, c->sp, ad, parser_threads(), NULL) != 0)
		memset(&p, 0, sizeof(p));
	c->defer_products = p.q != NULL;
	/* a bulk load into an empty cve_products builds its CVE index once, at the end; an index
	 * an earlier run left dropped (killed) is re-created first */
	if (c->defer_products && (rc = feeds_prods_index_on(c, e)) == 0)
		rc = feeds_prods_index_off(c, e);
	/* NVD and CVE 5 from parser threads (a store failure rolls the batch back whole): by COPY where
	 * the store has it */
	if (rc == 0 && c->defer_products && (ad->kind == FEEDS_NVD || ad->kind == FEEDS_CVE5))
		rc = feeds_bulk_start(c, e);
	if (rc == 0 && ad->kind == FEEDS_NVD && !c->bulk)
		feeds_seen_start(c);
	if (rc) {
		c->defer_products = false;
		feeds_pipe_stop(&p);
		store_rollback(c->s);
		return rc;
	}
	rc = run_records(c, ad, k, &p, e);
	c->defer_products = false;
	feeds_prods_drop(&c->prods); /* flushed by the last commit, or rolled back */
	{
		int brc = feeds_bulk_end(c, rc ? NULL : e);
		rc = rc ? rc : brc;
	}
	feeds_seen_end(c);
	feeds_pipe_stop(&p);
	if (c->prod_index_off) { /* the run stopped short of its last commit */
		struct merr ie;
		merr_init(&ie);
		c->prod_index_off = false;
		if (store_begin(c->s, &ie) == 0) {
			if (feeds_prods_index_on(c, &ie) == 0)
				store_commit(c->s, &ie);
			else
				store_rollback(c->s);
		}
	}
	return rc;
}

/* Bulk-load settings for the length of one import (store_tune, restored after), with WAL
 * checkpoints on a helper connection's thread (feed_ckpt.c) instead of the importing one. */
struct import_tuning {
	bool set;
	struct feeds_ckpt ck;
};

static void tuning_enter(struct store *s, struct import_tuning *t)
{
	memset(t, 0, sizeof(*t));
	feeds_ckpt_start(s, &t->ck);
	t->set = store_tune(s, t->ck.started ? STORE_TUNE_BULK_ON_HELPER : STORE_TUNE_BULK_ON,
			    NULL) == 0;
}

static void tuning_leave(struct store *s, struct import_tuning *t)
{
	feeds_ckpt_stop(&t->ck);
	if (t->set)
		store_tune(s, STORE_TUNE_BULK_OFF, NULL);
}

static int run_split(struct feeds_ctx *c, const struct feeds_adapter *ad, struct ckpt *k,
		     struct merr *e)
{
	struct import_tuning t;
	int rc;

	tuning_enter(c->s, &t);
	rc = run_split_in(c, ad, k, e);
	tuning_leave(c->s, &t);
	return rc;
}

/* Reads a whole (small) document, decompressing as needed, and hands it to the adapter. */
static int run_whole(struct feeds_ctx *c, const struct feeds_adapter *ad, struct ckpt *k,
		     struct merr *e)
{
	struct split_rec rec;
	struct buf doc;
	int rc;

	if ((rc = split_open_file(c->path, SPLIT_RAW, NULL, 0, &c->sp, e)))
		return rc;
	buf_init(&doc, WHOLE_MAX);
	while ((rc = split_next(c->sp, &rec, e)) == 1) {
		if ((rc = buf_add(&doc, rec.p, rec.len))) {
			rc = merr_set(e, rc, "document larger than %zu bytes", WHOLE_MAX);
			break;
		}
	}
	if (rc == 0 && (rc = store_begin_immediate(c->s, e)) == 0) {
		struct merr fe;
		merr_init(&fe);
		rc = ad->file(c, buf_str(&doc), doc.len, &fe);
		if (rc) {
			c->r->file_failed = true;
			feeds_log_error(c, &fe, NULL);
			*e = fe;
			merr_set_file(e, c->path);
		}
		c->last_offset = (long long)doc.len - 1;
		{
			struct merr ce;
			int crc;
			merr_init(&ce);
			crc = c->log_rc ? c->log_rc : batch_commit(c, ad, k, rc == 0, &ce);
			if (crc) {
				store_rollback(c->s);
				counters_rolled_back(c);
				if (rc == 0) {
					rc = crc;
					*e = c->log_rc ? c->log_e : ce;
				}
			}
		}
	} else if (rc) {
		c->r->file_failed = true;
		merr_set_file(e, c->path);
	}
	buf_release(&doc);
	return rc;
}

int feeds_import_file(struct store *s, const char *path, enum feeds_kind kind,
		      const struct feeds_opts *o, struct feeds_result *r, struct merr *e)
{
	static const struct feeds_opts defaults = {0};
	const struct feeds_adapter *ad;
	struct feeds_ctx c = {0};
	struct ckpt k = {0}, old;
	struct stat sb;
	struct timespec t0, t1;
	char name[300];
	const char *base = strrchr(path, '/');
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(r, 0, sizeof(*r));
	snprintf(r->file, sizeof(r->file), "%s", path);
	/* A feed file is read twice (detection, then import) and its size and mtime key the
	 * --resume checkpoint: a folder, FIFO or device is refused before anything reads it. */
	if (stat(path, &sb) != 0) {
		r->file_failed = true;
		r->errors = 1;
		return merr_at(e, errno == ENOENT ? M_ENOTFOUND : M_EIO, path, -1, -1, NULL,
			       "cannot open: %s", strerror(errno));
	}
	if (!S_ISREG(sb.st_mode)) {
		r->file_failed = true;
		r->errors = 1;
		return merr_at(
		    e, M_EINVAL, path, -1, -1, NULL,
		    S_ISDIR(sb.st_mode)
			? "is a folder, not a feed file: use `feeds import --from DIR` /"
			  " フォルダです。--from DIR を使ってください"
			: "not a regular file (a FIFO or device): save the feed to a file"
			  " first / 通常のファイルではありません");
	}
	if (kind == FEEDS_UNKNOWN && (rc = feeds_detect(path, &kind, e))) {
		r->file_failed = true;
		r->errors = 1;
		return rc;
	}
	r->kind = kind;
	ad = adapter_of(kind);
	if (!ad)
		return merr_set(e, M_EINVAL, "no adapter for feed %d", (int)kind);
	if (stat(path, &sb) != 0) {
		r->file_failed = true;
		return merr_at(e, M_EIO, path, -1, -1, NULL, "cannot stat: %s", strerror(errno));
	}
	snprintf(name, sizeof(name), "%s/%s", feeds_kind_name(kind), base ? base + 1 : path);
	c.s = s;
	c.o = o ? o : &defaults;
	c.r = r;
	c.path = path;
	c.name = name;
	c.last_offset = -1;
	k.size = (long long)sb.st_size;
	k.mtime = (long long)sb.st_mtime;
	ckpt_read(&c, &old);
	if (c.o->resume && old.valid && old.size == k.size && old.mtime == k.mtime) {
		r->resumed = true;
		if (old.done) {
			r->skipped = 1; /* the whole file was imported before */
			return 0;
		}
		k.offset = old.offset;
		c.last_offset = k.offset - 1; /* a run that stores nothing keeps the checkpoint */
		if ((rc = clear_errors(&c, k.offset, e)))
			return rc;
		c.base_records = old.records;
		c.base_errors = old.errors - c.cleared;
		if (c.base_errors < 0)
			c.base_errors = 0;
	} else if ((rc = clear_errors(&c, 0, e))) {
		return rc;
	}
	if (ad->state_size && !(c.state = m_calloc(1, ad->state_size)))
		return merr_set(e, M_ENOMEM, "out of memory");
	rc = ad->file ? run_whole(&c, ad, &k, e) : run_split(&c, ad, &k, e);
	if (!r->feed_date[0])
		feed_date(&c, ad);
	m_free(c.state);
	split_free(c.sp);
	feeds_stmts_release(&c);
	feeds_prods_release(&c.prods);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return rc;
}

/* ---- a whole data folder ---- */

struct file_list {
	char **v;
	size_t n, cap;
};

static int list_add(struct file_list *l, const char *path)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		void *nv = m_realloc(l->v, cap * sizeof(*l->v));
		if (!nv)
			return M_ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n] = m_strdup(path);
	return l->v[l->n++] ? 0 : M_ENOMEM;
}

static void list_release(struct file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		m_free(l->v[i]);
	m_free(l->v);
	memset(l, 0, sizeof(*l));
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Which file names in a feed folder are feed files. */
static bool wanted(enum feeds_kind k, const char *name)
{
	static const char *const json_ext[] = {".json", ".json.gz", ".json.xz"};
	static const char *const jsonl_ext[] = {".jsonl", ".jsonl.gz", ".jsonl.xz",
						".json",  ".json.gz",  ".json.xz"};
	static const char *const csv_ext[] = {".csv", ".csv.gz", ".csv.xz"};
	static const char *const jvn_ext[] = {".xml", ".json", ".xml.gz", ".json.gz"};
	const char *const *ext = json_ext;
	size_t n = ARRAY_SIZE(json_ext);

	if (name[0] == '.' || strstr(name, ".part"))
		return false;
	switch (k) {
	case FEEDS_CVE5:
		ext = jsonl_ext;
		n = ARRAY_SIZE(jsonl_ext);
		break;
	case FEEDS_KEV:
		if (strstr(name, "schema"))
			return false;
		break;
	case FEEDS_EPSS:
		ext = csv_ext;
		n = ARRAY_SIZE(csv_ext);
		break;
	case FEEDS_JVN:
		ext = jvn_ext;
		n = ARRAY_SIZE(jvn_ext);
		break;
	default: break;
	}
	for (size_t i = 0; i < n; i++)
		if (ends_with(name, ext[i]))
			return true;
	return false;
}

/* Collects feed files under dir (sorted; JVN folders recursively, minus schemas/docs). */
static int collect(const char *dir, enum feeds_kind k, int depth, struct file_list *l)
{
	struct dirent **ents = NULL;
	int n = scandir(dir, &ents, NULL, alphasort), rc = 0;

	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat sb;
		const char *nm = ents[i]->d_name;
		snprintf(path, sizeof(path), "%s/%s", dir, nm);
		if (rc == 0 && nm[0] != '.' && stat(path, &sb) == 0) {
			if (S_ISDIR(sb.st_mode)) {
				if (k == FEEDS_JVN && depth < 4 && strcmp(nm, "schemas") != 0 &&
				    strcmp(nm, "docs") != 0)
					rc = collect(path, k, depth + 1, l);
			} else if (S_ISREG(sb.st_mode) && wanted(k, nm)) {
				rc = list_add(l, path);
			}
		}
		free(ents[i]); /* scandir allocates with malloc */
	}
	free(ents);
	return rc;
}

/* KEV: dated catalogs ("…-2025.08.25.json") oldest first, the undated current one last. */
static int kev_order(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	bool dx = strpbrk(strrchr(x, '/') ? strrchr(x, '/') : x, "0123456789") != NULL;
	bool dy = strpbrk(strrchr(y, '/') ? strrchr(y, '/') : y, "0123456789") != NULL;
	if (dx != dy)
		return dx ? -1 : 1;
	return strcmp(x, y);
}

int feeds_import_dir(struct store *s, const char *dir, const struct feeds_opts *o,
		     feeds_result_fn cb, void *arg, struct merr *e)
{
	static const enum feeds_kind order[] = {FEEDS_NVD, FEEDS_CVE5, FEEDS_KEV, FEEDS_EPSS,
						FEEDS_JVN};
	struct stat sb;
	int first_rc = 0;

	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return merr_at(e, M_ENOTFOUND, dir, -1, -1, NULL, "not a folder");
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		struct file_list l = {0};
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s/%s", dir, feeds_kind_name(order[i]));
		if (stat(sub, &sb) != 0)
			continue;
		if (collect(sub, order[i], 0, &l)) {
			list_release(&l);
			return merr_set(e, M_ENOMEM, "out of memory listing %s", sub);
		}
		if (order[i] == FEEDS_KEV)
			qsort(l.v, l.n, sizeof(*l.v), kev_order);
		for (size_t f = 0; f < l.n; f++) {
			struct feeds_result r;
			struct merr fe;
			int rc;
			merr_init(&fe);
			rc = feeds_import_file(s, l.v[f], order[i], o, &r, &fe);
			if (rc && !first_rc) {
				first_rc = rc;
				if (e && !e->code)
					*e = fe;
			}
			if (cb)
				cb(&r, arg);
		}
		list_release(&l);
	}
	return first_rc;
}

int feeds_status(struct store *s, feeds_state_fn cb, void *arg, struct merr *e)
{
	struct store_stmt *st = NULL;
	int rc =
	    store_prepare(s,
			  "SELECT feed, source, last_import, records, errors, checkpoint, etag,"
			  " last_modified FROM feed_state ORDER BY feed",
			  &st, e);
	if (rc)
		return rc;
	while ((rc = stmt_step(st, e)) == 1) {
		struct feeds_state fs = {
		    .feed = stmt_text(st, 0),
		    .source = stmt_text(st, 1),
		    .last_import = stmt_int64(st, 2),
		    .records = stmt_int64(st, 3),
		    .errors = stmt_int64(st, 4),
		    .checkpoint = stmt_text(st, 5),
		    .etag = stmt_text(st, 6),
		    .last_modified = stmt_text(st, 7),
		};
		cb(&fs, arg);
	}
	stmt_finalize(st);
	return rc < 0 ? rc : 0;
}
