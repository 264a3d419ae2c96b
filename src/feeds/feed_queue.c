/*
 * feed_queue.c - the bounded hand-off between the import's parser threads (decompress,
 * split, parse) and its store thread: items carry the record's sequence number and come
 * out in that order, whichever parser finished first; bounded in items and in bytes.
 */
#include "base/compat.h"

#include <pthread.h>

#include "base/mem.h"
#include "feeds/feeds_int.h"

struct slot {
	struct feeds_item it;
	bool ready;
};

struct feeds_queue {
	pthread_mutex_t mu;
	pthread_cond_t not_empty, not_full;
	struct slot *ring; /* item seq lives at ring[seq % cap] */
	size_t cap;
	uint64_t head;	 /* seq of the next item to pop */
	uint64_t pushed; /* next seq of feeds_queue_push (one producer) */
	uint64_t total;	 /* items in all, once finished */
	size_t n_ready, bytes, max_bytes;
	int pop_waiting, push_waiting; /* threads asleep on not_empty / not_full */
	bool finished;		       /* the producers pushed their last item */
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

/*
 * Item seq must wait when it is a full window ahead of the consumer, or when waiting records
 * are over the byte budget. The item the consumer waits for (seq == head) never waits, so
 * the queue cannot deadlock and one item always fits, however big.
 */
static bool must_wait(const struct feeds_queue *q, uint64_t seq, size_t bytes)
{
	if (seq == q->head)
		return false;
	return seq >= q->head + q->cap || (q->n_ready > 0 && q->bytes + bytes > q->max_bytes);
}

static int push_locked(struct feeds_queue *q, uint64_t seq, struct feeds_item *it)
{
	struct slot *sl;

	while (!q->cancelled && must_wait(q, seq, it->bytes)) {
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
	sl = &q->ring[seq % q->cap];
	sl->it = *it;
	sl->ready = true;
	q->n_ready++;
	q->bytes += it->bytes;
	it->rec = NULL; /* the queue owns it now */
	/* a futex wake per record was a tenth of the store thread's time: wake the consumer
	 * only when it sleeps, and only for the item it waits for */
	if (q->pop_waiting && seq == q->head)
		pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

int feeds_queue_push(struct feeds_queue *q, struct feeds_item *it)
{
	pthread_mutex_lock(&q->mu);
	return push_locked(q, q->pushed++, it);
}

int feeds_queue_push_at(struct feeds_queue *q, uint64_t seq, struct feeds_item *it)
{
	pthread_mutex_lock(&q->mu);
	return push_locked(q, seq, it);
}

int feeds_queue_pop(struct feeds_queue *q, struct feeds_item *it)
{
	struct slot *sl;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		sl = &q->ring[q->head % q->cap];
		if (sl->ready || (q->finished && q->head >= q->total))
			break;
		q->pop_waiting++;
		pthread_cond_wait(&q->not_empty, &q->mu);
		q->pop_waiting--;
	}
	if (!sl->ready) {
		pthread_mutex_unlock(&q->mu);
		return 0;
	}
	*it = sl->it;
	sl->ready = false;
	q->head++;
	q->n_ready--;
	q->bytes -= it->bytes;
	/* Wake waiting producers once the queue is half empty, so the threads do not take turns
	 * one record at a time; and whenever the next item is not there yet, since its producer
	 * may be one of them (it went to sleep before the queue got this far). Broadcast: each
	 * producer waits for a seq of its own. */
	if (q->push_waiting && ((q->n_ready <= q->cap / 2 && q->bytes <= q->max_bytes / 2) ||
				!q->ring[q->head % q->cap].ready))
		pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->mu);
	return 1;
}

static void finish_locked(struct feeds_queue *q, uint64_t total)
{
	q->finished = true;
	q->total = total;
	pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
}

void feeds_queue_finish(struct feeds_queue *q)
{
	pthread_mutex_lock(&q->mu);
	finish_locked(q, q->pushed);
}

void feeds_queue_finish_at(struct feeds_queue *q, uint64_t total)
{
	pthread_mutex_lock(&q->mu);
	finish_locked(q, total);
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
	for (size_t i = 0; i < q->cap; i++)
		if (q->ring[i].ready && q->ring[i].it.rec && q->rec_free)
			q->rec_free(q->ring[i].it.rec);
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->not_empty);
	pthread_mutex_destroy(&q->mu);
	m_free(q->ring);
	m_free(q);
}
