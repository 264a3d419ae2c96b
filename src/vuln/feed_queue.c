/*
 * feed_queue.c - the bounded hand-off between the import's parser thread (decompress,
 * split, parse) and its store thread: first in, first out, bounded in items and in bytes.
 */
#include "base/compat.h"

#include <pthread.h>

#include "base/mem.h"
#include "vuln/feeds_int.h"

struct feeds_queue {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct feeds_item *ring;
	size_t cap, head, n;
	size_t bytes, max_bytes;
	int pop_waiting, push_waiting; /* threads asleep on not_empty / not_full */
	bool finished;		       /* the producer pushed its last item */
	bool cancelled;		       /* the consumer stopped reading */
	void (*rec_free)(void *rec);
};

int feeds_queue_new(size_t max_items, size_t max_bytes, void (*rec_free)(void *rec),
		    struct feeds_queue **out)
{
	struct feeds_queue *q = m_calloc(1, sizeof(*q));

	*out = NULL;
	if (!q)
		return M_ENOMEM;
	q->cap = max_items ? max_items : 1;
	q->max_bytes = max_bytes;
	q->rec_free = rec_free;
	q->ring = m_calloc(q->cap, sizeof(*q->ring));
	if (!q->ring) {
		m_free(q);
		return M_ENOMEM;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->not_full, NULL);
	*out = q;
	return 0;
}

/* Full when out of slots, or over the byte budget (one item always fits, however big). */
static bool full(const struct feeds_queue *q, size_t bytes)
{
	return q->n == q->cap || (q->n > 0 && q->bytes + bytes > q->max_bytes);
}

int feeds_queue_push(struct feeds_queue *q, struct feeds_item *it)
{
	pthread_mutex_lock(&q->mu);
	while (!q->cancelled && full(q, it->bytes)) {
		q->push_waiting++;
		pthread_cond_wait(&q->not_full, &q->mu);
		q->push_waiting--;
	}
	if (q->cancelled) {
		pthread_mutex_unlock(&q->mu);
		if (it->rec && q->rec_free)
			q->rec_free(it->rec);
		it->rec = NULL;
		return M_EINTR;
	}
	q->ring[(q->head + q->n) % q->cap] = *it;
	q->n++;
	q->bytes += it->bytes;
	it->rec = NULL;	    /* the queue owns it now */
	if (q->pop_waiting) /* a futex wake per record was a tenth of the store thread's time */
		pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

int feeds_queue_pop(struct feeds_queue *q, struct feeds_item *it)
{
	pthread_mutex_lock(&q->mu);
	while (q->n == 0 && !q->finished) {
		q->pop_waiting++;
		pthread_cond_wait(&q->not_empty, &q->mu);
		q->pop_waiting--;
	}
	if (q->n == 0) {
		pthread_mutex_unlock(&q->mu);
		return 0;
	}
	*it = q->ring[q->head];
	q->head = (q->head + 1) % q->cap;
	q->n--;
	q->bytes -= it->bytes;
	/* Wake a waiting producer only once the queue is half empty, so the two threads do not
	 * take turns one record at a time; at n == 0 this always holds, so nobody sleeps forever. */
	if (q->push_waiting && q->n <= q->cap / 2 && q->bytes <= q->max_bytes / 2)
		pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->mu);
	return 1;
}

void feeds_queue_finish(struct feeds_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->finished = true;
	pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
}

void feeds_queue_cancel(struct feeds_queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->cancelled = true;
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->mu);
}

void feeds_queue_free(struct feeds_queue *q)
{
	if (!q)
		return;
	for (; q->n > 0; q->n--, q->head = (q->head + 1) % q->cap)
		if (q->ring[q->head].rec && q->rec_free)
			q->rec_free(q->ring[q->head].rec);
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->not_empty);
	pthread_mutex_destroy(&q->mu);
	m_free(q->ring);
	m_free(q);
}
