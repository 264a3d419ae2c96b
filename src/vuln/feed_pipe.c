/*
 * feed_pipe.c - the parser side of a two-thread import: one thread decompresses, splits,
 * checks UTF-8 and parses records into self-contained items on a bounded queue, in file
 * order; the importing thread stores them (it alone touches the store).
 */
#include "base/compat.h"

#include "base/utf8.h"
#include "vuln/feeds_int.h"

#define PIPE_ITEMS 1024 /* enough to ride out a batch commit without the parser waiting */
#define PIPE_BYTES ((size_t)8 << 20) /* parsed records waiting, beyond the one in hand */

/* Parses one split record into an item: a record, or an error with its place and CVE id. */
static void produce_one(const struct feeds_adapter *ad, const struct split_rec *rec,
			struct feeds_item *it)
{
	size_t bad;

	it->offset = rec->offset;
	it->line = rec->line;
	if (ad->json && !utf8_valid(rec->p, rec->len, &bad))
		it->rc = merr_at(&it->e, M_EPARSE, NULL, -1, rec->offset + (long long)bad, NULL,
				 "invalid UTF-8");
	else
		it->rc = ad->parse(rec, &it->rec, &it->bytes, it->cve, sizeof(it->cve), &it->e);
	if (it->rc < 0 && !it->cve[0])
		feeds_guess_cve(rec->p, rec->len, it->cve, sizeof(it->cve));
}

int feeds_pipe_produce(struct split *sp, const struct feeds_adapter *ad, struct feeds_queue *q)
{
	struct split_rec rec;
	int rc = 0;

	for (;;) {
		struct feeds_item it = {0};
		int src;
		merr_init(&it.e);
		src = split_next(sp, &rec, &it.e);
		if (src == 0)
			break;
		if (src < 0) {
			it.rc = src;
			it.from_split = true;
			it.fatal = split_fatal(sp);
		} else {
			produce_one(ad, &rec, &it);
		}
		if ((rc = feeds_queue_push(q, &it)) || it.fatal)
			break;
	}
	feeds_queue_finish(q);
	return rc;
}

static void *producer(void *arg)
{
	struct feeds_pipe *p = arg;
	pthread_setname_np(pthread_self(), "mamori-parse"); /* as top -H and perf show it */
	feeds_pipe_produce(p->sp, p->ad, p->q);
	feeds_arena_thread_end();
	return NULL;
}

int feeds_pipe_start(struct feeds_pipe *p, struct split *sp, const struct feeds_adapter *ad,
		     struct merr *e)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->sp = sp;
	p->ad = ad;
	if ((rc = feeds_queue_new(PIPE_ITEMS, PIPE_BYTES, ad->rec_free, &p->q)))
		return merr_set(e, rc, "out of memory");
	if (pthread_create(&p->th, NULL, producer, p) != 0) {
		feeds_queue_free(p->q);
		p->q = NULL;
		return merr_set(e, M_ENOMEM, "cannot start the parser thread");
	}
	p->started = true;
	return 0;
}

void feeds_pipe_stop(struct feeds_pipe *p)
{
	if (!p->q)
		return;
	feeds_queue_cancel(p->q); /* unblocks a producer waiting for room */
	if (p->started)
		pthread_join(p->th, NULL);
	feeds_queue_free(p->q);
	memset(p, 0, sizeof(*p));
}
