/*
 * stream.c - downloads written while they are sent (the CSV exports), with flat memory.
 *
 * The handler checks the request and hands a producer to web_stream. When the response is
 * queued (server.c), a producer thread opens its own store handle (a read of its own, so the
 * worker's handle never keeps an old snapshot) and runs the producer, which writes rows into
 * a ring of WEB_STREAM_RING bytes; libmicrohttpd's content reader takes them out as the socket
 * drains. A full ring makes the producer wait, so a 100,000-row export holds one ring, not the
 * file. The client going away (or the watchdog cutting it) cancels the producer at its next
 * write. Both sides wait in bounded steps and give up after WEB_STREAM_WAIT_S seconds.
 * Without a second handle (an in-memory store, the unit tests) the producer runs at once and
 * writes into r->out.
 */
#include "base/compat.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "web/microhttpd_lazy.h"
#include "base/log.h"
#include "base/mem.h"
#include "web/web_int.h"

#define WEB_STREAM_RING ((size_t)256 << 10)
#define WEB_STREAM_WAIT_S 120
#define WEB_STREAM_MAX 8 /* exports at once; more get 503 and Retry-After */

struct web_stream {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *ring;
	size_t head, len; /* ring[head .. head+len) modulo WEB_STREAM_RING */
	bool done, cancelled, started;
	int rc;	  /* the producer's result */
	int refs; /* producer thread and response */
	web_stream_fn fn;
	void *ctx;
	void (*ctx_free)(void *);
	char loc[1024]; /* the store to open in the producer thread */
	struct buf *sync_out;
	struct buf scratch; /* one row while it is formatted (producer side) */
};

static atomic_int active;

static void stream_free(struct web_stream *w)
{
	if (w->ctx_free)
		w->ctx_free(w->ctx);
	buf_release(&w->scratch);
	m_free(w->ring);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	m_free(w);
}

/* Drops one reference under the lock; the last one frees. */
static void stream_unref(struct web_stream *w)
{
	pthread_mutex_lock(&w->mu);
	bool last = --w->refs == 0;
	pthread_mutex_unlock(&w->mu);
	if (last) {
		if (w->started)
			atomic_fetch_sub(&active, 1);
		stream_free(w);
	}
}

static void deadline_in(struct timespec *ts, int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

int web_stream(struct web_req *r, web_stream_fn fn, void *ctx, void (*ctx_free)(void *))
{
	struct web_stream *w = m_calloc(1, sizeof(*w));

	if (!w) {
		if (ctx_free)
			ctx_free(ctx);
		return M_ENOMEM;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->fn = fn;
	w->ctx = ctx;
	w->ctx_free = ctx_free;
	w->refs = 1;
	buf_init(&w->scratch, (size_t)1 << 20);
	store_peer_location(r->s, w->loc, sizeof(w->loc));
	if (!w->loc[0]) {
		/* no second handle: produce now into the response buffer */
		w->sync_out = &r->out;
		int rc = fn(w, r->s, ctx, &r->err);
		stream_unref(w);
		return rc;
	}
	if (atomic_fetch_add(&active, 1) >= WEB_STREAM_MAX) {
		atomic_fetch_sub(&active, 1);
		stream_unref(w);
		r->retry_after = 5;
		return merr_set(&r->err, M_EINTR, "too many exports at once; try again shortly");
	}
	w->started = true; /* counted in active from here */
	if (!(w->ring = m_malloc(WEB_STREAM_RING))) {
		stream_unref(w);
		return M_ENOMEM;
	}
	r->stream = w;
	return 0;
}

int web_stream_write(struct web_stream *w, const char *p, size_t n)
{
	if (w->sync_out)
		return buf_add(w->sync_out, p, n) ? M_ENOMEM : 0;
	pthread_mutex_lock(&w->mu);
	time_t give_up = time(NULL) + WEB_STREAM_WAIT_S;
	while (n && !w->cancelled) {
		size_t room = WEB_STREAM_RING - w->len;
		if (room == 0) {
			struct timespec ts;
			if (time(NULL) > give_up) {
				w->cancelled = true;
				break;
			}
			deadline_in(&ts, 1000);
			pthread_cond_timedwait(&w->cv, &w->mu, &ts);
			continue;
		}
		size_t tail = (w->head + w->len) % WEB_STREAM_RING;
		size_t k = n < room ? n : room;
		if (k > WEB_STREAM_RING - tail)
			k = WEB_STREAM_RING - tail;
		memcpy(w->ring + tail, p, k);
		w->len += k;
		p += k;
		n -= k;
		pthread_cond_broadcast(&w->cv);
	}
	int rc = w->cancelled ? M_EINTR : 0;
	pthread_mutex_unlock(&w->mu);
	return rc;
}

static int web_stream_buf(struct web_stream *w, struct buf **b)
{
	buf_reset(&w->scratch);
	*b = &w->scratch;
	return 0;
}

static int web_stream_flush(struct web_stream *w)
{
	int rc = web_stream_write(w, w->scratch.ptr ? w->scratch.ptr : "", w->scratch.len);
	buf_reset(&w->scratch);
	return rc;
}

static void *producer(void *arg)
{
	struct web_stream *w = arg;
	struct store *s = NULL;
	struct merr e;
	int rc;

	merr_init(&e);
	/* untuned: the default page cache, no mapped file, so an export's memory stays small */
	if ((rc = store_open_existing(w->loc, &s, &e)) == 0) {
		rc = w->fn(w, s, w->ctx, &e);
		store_close(s);
	}
	if (rc && rc != M_EINTR) {
		char msg[700];
		merr_format(&e, msg, sizeof(msg));
		log_error("web", "export stopped: %s", msg);
	}
	pthread_mutex_lock(&w->mu);
	w->done = true;
	w->rc = rc;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	stream_unref(w);
	return NULL;
}

static ssize_t reader(void *cls, uint64_t pos, char *out, size_t max)
{
	struct web_stream *w = cls;
	time_t give_up = time(NULL) + WEB_STREAM_WAIT_S;
	ssize_t n;

	(void)pos;
	pthread_mutex_lock(&w->mu);
	while (w->len == 0 && !w->done && time(NULL) <= give_up) {
		struct timespec ts;
		deadline_in(&ts, 1000);
		pthread_cond_timedwait(&w->cv, &w->mu, &ts);
	}
	if (w->len == 0) {
		n = w->done && w->rc == 0 ? MHD_CONTENT_READER_END_OF_STREAM
					  : MHD_CONTENT_READER_END_WITH_ERROR;
		if (!w->done)
			w->cancelled = true;
		pthread_mutex_unlock(&w->mu);
		return n;
	}
	size_t k = w->len < max ? w->len : max;
	if (k > WEB_STREAM_RING - w->head)
		k = WEB_STREAM_RING - w->head;
	memcpy(out, w->ring + w->head, k);
	w->head = (w->head + k) % WEB_STREAM_RING;
	w->len -= k;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return (ssize_t)k;
}

static void reader_done(void *cls)
{
	struct web_stream *w = cls;

	pthread_mutex_lock(&w->mu);
	w->cancelled = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	stream_unref(w);
}

struct MHD_Response *web_stream_response(struct web_req *r)
{
	struct web_stream *w = r->stream;
	pthread_attr_t at;
	pthread_t th;
	struct MHD_Response *resp;

	r->stream = NULL;
	/* the response's reference, dropped by reader_done */
	resp =
	    MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 << 10, reader, w, reader_done);
	if (!resp) {
		stream_unref(w);
		return NULL;
	}
	pthread_mutex_lock(&w->mu);
	w->refs++; /* the producer's */
	pthread_mutex_unlock(&w->mu);
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, (size_t)1 << 20);
	if (pthread_create(&th, &at, producer, w)) {
		pthread_mutex_lock(&w->mu);
		w->done = true;
		w->rc = M_ENOMEM;
		pthread_mutex_unlock(&w->mu);
		stream_unref(w);
		log_error("web", "cannot start an export thread");
	}
	pthread_attr_destroy(&at);
	return resp;
}

void web_stream_discard(struct web_req *r)
{
	if (r->stream)
		stream_unref(r->stream);
	r->stream = NULL;
}

/* ---------------------------------------------------------------- CSV */

int web_csv_cell(struct buf *b, const char *v, bool last)
{
	int rc = buf_addc(b, '"');

	if (v && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' ||
		  v[0] == '\r'))
		rc = rc ? rc : buf_addc(b, '\'');
	for (const char *p = v ? v : ""; !rc && *p; p++)
		rc = *p == '"' ? buf_adds(b, "\"\"") : buf_addc(b, *p);
	rc = rc ? rc : buf_addc(b, '"');
	return rc ? rc : buf_adds(b, last ? "\r\n" : ",");
}

int web_csv_row(struct web_stream *w, const char *const *cells, size_t n)
{
	struct buf *b;
	int rc = web_stream_buf(w, &b);

	for (size_t i = 0; !rc && i < n; i++)
		rc = web_csv_cell(b, cells[i], i + 1 == n);
	if (rc)
		return M_ENOMEM;
	return web_stream_flush(w);
}

int web_csv_begin(struct web_req *r, const char *filename)
{
	r->ctype = "text/csv; charset=utf-8";
	snprintf(r->disposition, sizeof(r->disposition), "attachment; filename=\"%s\"", filename);
	buf_reset(&r->out);
	return 0;
}
