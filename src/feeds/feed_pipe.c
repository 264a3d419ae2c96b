/*
 * feed_pipe.c - the parser side of a threaded import: parser threads take turns at the
 * splitter (decompress, cut the next record), then check UTF-8 and parse their record in
 * parallel into self-contained items; the queue hands them to the importing thread in file
 * order, and that thread alone touches the store.
 */
#include "base/compat.h"

#include "base/buf.h"
#include "base/utf8.h"
#include "feeds/feeds_int.h"

#define PIPE_ITEMS 1024 /* enough to ride out a batch commit without the parsers waiting */
#define PIPE_BYTES ((size_t)8 << 20) /* parsed records waiting, beyond the one in hand */

void feeds_item_parse(const struct feeds_adapter *ad, const struct split_rec *rec,
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

/*
 * Takes the next record (copied out of the splitter, whose buffer the next call reuses) and
 * its sequence number. Returns 1, or 0 when the stream is done or a fatal error was taken.
 */
static int take_record(struct feeds_pipe *p, struct buf *copy, struct split_rec *rec,
		       struct feeds_item *it, uint64_t *seq)
{
	int src;

	pthread_mutex_lock(&p->mu);
	if (p->done) {
		pthread_mutex_unlock(&p->mu);
		return 0;
	}
	src = split_next(p->sp, rec, &it->e);
	if (src > 0) {
		buf_reset(copy);
		if (buf_add(copy, rec->p, rec->len)) {
			src = merr_at(&it->e, M_ENOMEM, NULL, rec->line, rec->offset, NULL,
				      "out of memory copying a record");
			it->fatal = true;
		}
		rec->p = buf_str(copy);
	} else if (src < 0) {
		it->fatal = split_fatal(p->sp);
	}
	if (src == 0 || it->fatal)
		p->done = true;
	*seq = p->next_seq;
	if (src != 0)
		p->next_seq++;
	pthread_mutex_unlock(&p->mu);
	if (src < 0) {
		it->rc = src;
		it->from_split = true;
	}
	return src != 0;
}

static void *worker(void *arg)
{
	struct feeds_pipe *p = arg;
	struct split_rec rec;
	struct buf copy;
	uint64_t seq;
	bool last;

	pthread_setname_np(pthread_self(), "mamori-parse"); /* as top -H and perf show it */
	buf_init(&copy, SIZE_MAX / 2);			    /* the splitter caps records already */
	for (;;) {
		struct feeds_item it = {0};
		merr_init(&it.e);
		if (!take_record(p, &copy, &rec, &it, &seq))
			break;
		if (!it.from_split)
			feeds_item_parse(p->ad, &rec, &it);
		if (feeds_queue_push_at(p->q, seq, &it)) {
			pthread_mutex_lock(&p->mu);
			p->done = true; /* the consumer cancelled: the others stop too */
			pthread_mutex_unlock(&p->mu);
			break;
		}
	}
	buf_release(&copy);
	feeds_arena_thread_end();
	pthread_mutex_lock(&p->mu);
	last = --p->running == 0;
	pthread_mutex_unlock(&p->mu);
	if (last) /* every seq below next_seq has been pushed */
		feeds_queue_finish_at(p->q, p->next_seq);
	return NULL;
}

int feeds_pipe_start(struct feeds_pipe *p, struct split *sp, const struct feeds_adapter *ad,
		     int threads, struct merr *e)
{
	int rc;

	memset(p, 0, sizeof(*p));
	p->sp = sp;
	p->ad = ad;
	feeds_arena_init(); /* before any parser thread exists */
	if (threads < 1)
		threads = 1;
	if (threads > PIPE_THREADS_MAX)
		threads = PIPE_THREADS_MAX;
	if ((rc = feeds_queue_new(PIPE_ITEMS, PIPE_BYTES, ad->rec_free, &p->q)))
		return merr_set(e, rc, "out of memory");
	pthread_mutex_init(&p->mu, NULL);
	p->mu_init = true;
	pthread_mutex_lock(&p->mu); /* no worker may finish before all are counted */
	for (int i = 0; i < threads; i++) {
		if (pthread_create(&p->th[p->n_th], NULL, worker, p) != 0)
			break;
		p->n_th++;
		p->running++;
	}
	pthread_mutex_unlock(&p->mu);
	if (p->n_th == 0) {
		feeds_pipe_stop(p);
		return merr_set(e, M_ENOMEM, "cannot start the parser thread");
	}
	return 0;
}

void feeds_pipe_stop(struct feeds_pipe *p)
{
	if (p->q)
		feeds_queue_cancel(p->q); /* unblocks a parser waiting for room */
	for (int i = 0; i < p->n_th; i++)
		pthread_join(p->th[i], NULL);
	feeds_queue_free(p->q);
	if (p->mu_init)
		pthread_mutex_destroy(&p->mu);
	memset(p, 0, sizeof(*p));
}
