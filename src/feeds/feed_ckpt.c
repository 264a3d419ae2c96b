/*
 * feed_ckpt.c - WAL checkpoints on a helper thread during a big import: the importing
 * connection only appends to the WAL while a second connection copies committed pages
 * into the database file (and waits for its fsyncs), off the importing thread.
 */
#include "base/compat.h"

#include <time.h>

#include "feeds/feeds_int.h"

#define CKPT_PERIOD_MS 100

static void *ckpt_main(void *arg)
{
	struct feeds_ckpt *k = arg;
	bool stop = false;

	pthread_setname_np(pthread_self(), "mamori-ckpt");
	while (!stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += CKPT_PERIOD_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&k->mu);
		if (!k->stop)
			pthread_cond_timedwait(&k->cv, &k->mu, &until);
		stop = k->stop;
		pthread_mutex_unlock(&k->mu);
		store_tune(k->s, STORE_TUNE_CHECKPOINT, NULL); /* never waits for the writer */
	}
	return NULL;
}

int feeds_ckpt_start(struct store *s, struct feeds_ckpt *k)
{
	char path[4096];

	memset(k, 0, sizeof(*k));
	store_peer_location(s, path, sizeof(path));
	if (!path[0] || store_open_existing(path, &k->s, NULL))
		return M_EUNSUPPORTED;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->cv, NULL);
	if (pthread_create(&k->th, NULL, ckpt_main, k) != 0) {
		pthread_cond_destroy(&k->cv);
		pthread_mutex_destroy(&k->mu);
		store_close(k->s);
		k->s = NULL;
		return M_ENOMEM;
	}
	k->started = true;
	return 0;
}

void feeds_ckpt_stop(struct feeds_ckpt *k)
{
	if (!k->started)
		return;
	pthread_mutex_lock(&k->mu);
	k->stop = true;
	pthread_cond_signal(&k->cv);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->th, NULL);
	pthread_cond_destroy(&k->cv);
	pthread_mutex_destroy(&k->mu);
	store_close(k->s);
	memset(k, 0, sizeof(*k));
}
