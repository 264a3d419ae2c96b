/*
 * audit_queue.c - the read audit rows of the console (org.read, finding.read, denied, logout)
 * written in batches: one flush every 100 ms or 256 rows instead of one write per request.
 *
 * Every flush is a commit on the flusher's own store handle (aq.s), and nothing else ever
 * writes through that handle. So that handle's PRAGMA data_version (which does not move for
 * its own commits) moves exactly when some OTHER connection, of this process or any other,
 * committed. The response cache (cache.c) uses this to tell a commit that only added read
 * audit rows from a write of data: web_audit_queue_foreign() is the exact test.
 */
#include "base/compat.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/log.h"
#include "base/mem.h"
#include "web/web_int.h"

/*
 * Why: every write by one worker makes every other worker's SQLite page cache stale, and the
 * re-validation and page faults that followed were a third of the time of an audited read at
 * 64 connections (bench/web.sh, perf). Writes of data are not queued: they and their audit row
 * commit together in dispatch. A read row waits at most ~200 ms (the flusher thread); a crash
 * in that window loses those read rows, which docs/API.md states.
 */
#define AQ_MAX 1024	  /* a full queue is flushed by the thread that fills it */
#define AQ_BATCH 256	  /* rows that wake the flusher at once */
#define AQ_AGE_MS 100	  /* age of the oldest row that makes the flusher write */
#define AQ_LOOK_WAIT_MS 5 /* longest wait of a worker's look for a flush to end */
#define AQ_CKPT_MS 250	  /* the flusher's checkpoint, at most this often */

struct aq_row {
	int64_t at;
	char *actor, *action, *object, *detail;
};

static struct {
	pthread_mutex_t lock;  /* rows, n, oldest, stop */
	pthread_mutex_t write; /* one flush at a time: no SQLite busy waits between flushers */
	pthread_cond_t wake;
	struct aq_row rows[AQ_MAX];
	size_t n;
	int64_t oldest_ms;
	bool running, stop;
	pthread_t thread;
	struct store
	    *s; /* the flusher thread's own handle: every flush, whichever thread runs it */
	/* aq.s's data_version when it last looked (under aq.write), and whether that is known */
	int64_t dv;
	bool dv_known;
	/* SQLite: the flusher thread's checkpoint handle. A commit that crosses the automatic
	 * checkpoint's threshold copies the WAL into the main file before it returns: tens of ms
	 * under aq.write, during which every worker's look waited and then gave up (a cache
	 * generation). aq.s checkpoints never; this handle does, outside aq.write. */
	struct store *ck;
	int64_t ck_ms;
} aq = {.lock = PTHREAD_MUTEX_INITIALIZER,
	.write = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void row_free(struct aq_row *w)
{
	m_free(w->actor);
	m_free(w->action);
	m_free(w->object);
	m_free(w->detail);
}

/* Under aq.write: has another connection committed since aq.s last looked? 1 yes (or it
 * cannot tell), 0 no. A change counts once: the next look compares with this one. */
static int foreign_look(void)
{
	int64_t st[2];
	struct merr e;

	merr_init(&e);
	if (store_data_stamp(aq.s, st, &e)) {
		aq.dv_known = false;
		return 1;
	}
	int changed = !aq.dv_known || st[0] != aq.dv;
	aq.dv = st[0];
	aq.dv_known = true;
	if (changed) {
		web_cache_invalidate(); /* before anyone can learn that the change was looked at */
	}
	return changed;
}

/* Takes every queued row and writes them in one transaction on aq.s. */
static int flush_locked(void)
{
	static struct aq_row batch[AQ_MAX];	   /* used only under aq.write */
	static struct auth_audit_row rows[AQ_MAX]; /* the same rows, borrowed */
	struct merr e;
	size_t n;
	int rc = 0;

	merr_init(&e);
	pthread_mutex_lock(&aq.lock);
	n = aq.n;
	memcpy(batch, aq.rows, n * sizeof(batch[0]));
	aq.n = 0;
	pthread_mutex_unlock(&aq.lock);
	if (n) {
		rc = store_begin_immediate(aq.s, &e);
		/* Holding the write lock: nobody else commits until this commit. What aq.s sees
		 * now is everything committed before; a change since its last look is another
		 * connection's write, announced to the cache before the audit rows land. */
		if (rc == 0)
			foreign_look();
		if (rc == 0) {
			for (size_t i = 0; i < n; i++)
				rows[i] = (struct auth_audit_row){0,
								  batch[i].at,
								  batch[i].actor,
								  batch[i].action,
								  batch[i].object,
								  batch[i].detail};
			rc = auth_audit_many(aq.s, rows, n, &e); /* one INSERT each, one seal */
		}
		if (rc == 0)
			rc = store_commit(aq.s, &e);
		else
			store_rollback(aq.s);
		if (rc) {
			char msg[256];
			aq.dv_known = false; /* whatever happened, the next look says "changed" */
			merr_format(&e, msg, sizeof(msg));
			log_error("web", "audit: %zu read rows not written: %s", n, msg);
		}
		for (size_t i = 0; i < n; i++)
			row_free(&batch[i]);
	}
	return rc;
}

static int flush_with(void)
{
	int rc;

	pthread_mutex_lock(&aq.write);
	rc = flush_locked();
	pthread_mutex_unlock(&aq.write);
	return rc;
}

bool web_audit_queue_foreign(void)
{
	int changed;

	if (!aq.running) {
		web_cache_invalidate(); /* no queue (tests): every change counts */
		return true;
	}
	/* A flush holds the mutex for its whole transaction, and its commit is seen a moment
	 * before it lets go; but also during a checkpoint after the commit, or while it waits for
	 * another writer's lock. Wait that moment, not longer: past AQ_LOOK_WAIT_MS the change
	 * counts as a write (one rebuild per hot key, single flight) instead of a stall. */
	if (pthread_mutex_trylock(&aq.write)) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += AQ_LOOK_WAIT_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_mutex_timedlock(&aq.write, &until)) {
			web_cache_invalidate();
			return true;
		}
	}
	changed = foreign_look();
	pthread_mutex_unlock(&aq.write);
	return changed != 0;
}

static void *flusher(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&aq.lock);
	while (!aq.stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += AQ_AGE_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&aq.wake, &aq.lock, &until);
		if (aq.n && (aq.n >= AQ_BATCH || mono_ms() - aq.oldest_ms >= AQ_AGE_MS)) {
			pthread_mutex_unlock(&aq.lock);
			flush_with();
			if (aq.ck && mono_ms() - aq.ck_ms >= AQ_CKPT_MS) {
				/* PASSIVE: never waits; not a commit, so no data_version moves */
				store_tune(aq.ck, STORE_TUNE_CHECKPOINT, NULL);
				aq.ck_ms = mono_ms();
			}
			pthread_mutex_lock(&aq.lock);
		}
	}
	pthread_mutex_unlock(&aq.lock);
	flush_with();
	return NULL;
}

int web_audit_queue_start(const char *db, struct merr *e)
{
	int rc;

	if ((rc = store_open_raw(db, &aq.s, e)))
		return rc;
	/* no second handle, or nothing to tune (PostgreSQL): aq.s stays as it was */
	if (store_open_raw(db, &aq.ck, NULL))
		aq.ck = NULL;
	else if (store_tune(aq.s, STORE_TUNE_CKPT_ELSEWHERE, NULL)) {
		store_close(aq.ck);
		aq.ck = NULL;
	}
	aq.ck_ms = mono_ms();
	aq.stop = false;
	aq.dv_known = false;
	if (pthread_create(&aq.thread, NULL, flusher, NULL)) {
		store_close(aq.ck);
		store_close(aq.s);
		aq.s = aq.ck = NULL;
		return merr_set(e, M_ENOMEM, "cannot start the audit thread");
	}
	aq.running = true;
	return 0;
}

void web_audit_queue_stop(void)
{
	if (!aq.running)
		return;
	pthread_mutex_lock(&aq.lock);
	aq.stop = true;
	pthread_cond_signal(&aq.wake);
	pthread_mutex_unlock(&aq.lock);
	pthread_join(aq.thread, NULL);
	if (aq.ck)
		store_tune(aq.ck, STORE_TUNE_CHECKPOINT, NULL);
	store_close(aq.ck);
	store_close(aq.s);
	aq.s = aq.ck = NULL;
	aq.running = false;
}

int web_audit_queue_flush(struct store *s)
{
	(void)s; /* written through aq.s: the commit is visible to s once this returns */
	return aq.running ? flush_with() : 0;
}

int web_audit_queue_add(struct store *s, const char *actor, const char *action, const char *object,
			const char *detail, int64_t at)
{
	struct aq_row w = {at, m_strdup(actor), m_strdup(action), object ? m_strdup(object) : NULL,
			   detail ? m_strdup(detail) : NULL};
	bool wake;

	if (!aq.running || !w.actor || !w.action || (object && !w.object) ||
	    (detail && !w.detail)) {
		row_free(&w); /* no queue (tests, CLI) or no memory: write it now */
		return auth_audit(s, actor, action, object, detail, at, NULL);
	}
	pthread_mutex_lock(&aq.lock);
	while (aq.n == AQ_MAX) {
		/* the flusher is behind: this worker writes the queue (through aq.s) */
		pthread_mutex_unlock(&aq.lock);
		flush_with();
		pthread_mutex_lock(&aq.lock);
	}
	if (aq.n == 0)
		aq.oldest_ms = mono_ms();
	aq.rows[aq.n++] = w;
	wake = aq.n == AQ_BATCH;
	if (wake)
		pthread_cond_signal(&aq.wake);
	pthread_mutex_unlock(&aq.lock);
	return 0;
}
