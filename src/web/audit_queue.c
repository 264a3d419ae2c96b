/*
 * audit_queue.c - the read audit rows of the console (org.read, finding.read, denied, logout)
 * written in batches: one flush every 100 ms or 64 rows instead of one write per request.
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
#define AQ_MAX 1024   /* a full queue is flushed by the thread that fills it */
#define AQ_BATCH 64   /* rows that make the adding worker flush at once */
#define AQ_AGE_MS 100 /* age of the oldest row that makes the flusher write */

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
	struct store *s; /* the flusher thread's own handle */
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

/* Takes every queued row and writes them in one transaction on s. */
static int flush_with(struct store *s)
{
	static struct aq_row batch[AQ_MAX]; /* used only under aq.write */
	struct merr e;
	size_t n;
	int rc = 0;

	merr_init(&e);
	pthread_mutex_lock(&aq.write);
	pthread_mutex_lock(&aq.lock);
	n = aq.n;
	memcpy(batch, aq.rows, n * sizeof(batch[0]));
	aq.n = 0;
	pthread_mutex_unlock(&aq.lock);
	if (n) {
		rc = store_begin_immediate(s, &e);
		for (size_t i = 0; rc == 0 && i < n; i++)
			rc = auth_audit(s, batch[i].actor, batch[i].action, batch[i].object,
					batch[i].detail, batch[i].at, &e);
		if (rc == 0)
			rc = store_commit(s, &e);
		else
			store_rollback(s);
		if (rc) {
			char msg[256];
			merr_format(&e, msg, sizeof(msg));
			log_error("web", "audit: %zu read rows not written: %s", n, msg);
		}
		for (size_t i = 0; i < n; i++)
			row_free(&batch[i]);
	}
	pthread_mutex_unlock(&aq.write);
	return rc;
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
		if (aq.n && mono_ms() - aq.oldest_ms >= AQ_AGE_MS) {
			pthread_mutex_unlock(&aq.lock);
			flush_with(aq.s);
			pthread_mutex_lock(&aq.lock);
		}
	}
	pthread_mutex_unlock(&aq.lock);
	flush_with(aq.s);
	return NULL;
}

int web_audit_queue_start(const char *db, struct merr *e)
{
	int rc;

	if ((rc = store_open_raw(db, &aq.s, e)))
		return rc;
	aq.stop = false;
	if (pthread_create(&aq.thread, NULL, flusher, NULL)) {
		store_close(aq.s);
		aq.s = NULL;
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
	store_close(aq.s);
	aq.s = NULL;
	aq.running = false;
}

int web_audit_queue_flush(struct store *s)
{
	return aq.running ? flush_with(s) : 0;
}

int web_audit_queue_add(struct store *s, const char *actor, const char *action, const char *object,
			const char *detail, int64_t at)
{
	struct aq_row w = {at, m_strdup(actor), m_strdup(action), object ? m_strdup(object) : NULL,
			   detail ? m_strdup(detail) : NULL};
	bool flush_now;

	if (!aq.running || !w.actor || !w.action || (object && !w.object) ||
	    (detail && !w.detail)) {
		row_free(&w); /* no queue (tests, CLI) or no memory: write it now */
		return auth_audit(s, actor, action, object, detail, at, NULL);
	}
	pthread_mutex_lock(&aq.lock);
	while (aq.n == AQ_MAX) {
		pthread_mutex_unlock(&aq.lock);
		flush_with(s);
		pthread_mutex_lock(&aq.lock);
	}
	if (aq.n == 0)
		aq.oldest_ms = mono_ms();
	aq.rows[aq.n++] = w;
	flush_now = aq.n >= AQ_BATCH;
	pthread_mutex_unlock(&aq.lock);
	return flush_now ? flush_with(s) : 0;
}
