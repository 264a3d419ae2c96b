/* test_job.c - the job module: submit (keys, bound), the worker (done, failed, retried, dead),
 * stop (the job goes back to the queue), a lease that ran out taken back, finished jobs
 * pruned after the retention (by call and by the workers), queued and running ones kept. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <time.h>
#include <unistd.h>

#include "job/job.h"
#include "testutil.h"

static int runs;

static int ok_job(struct job_ctx *x, struct store *s, const struct cJSON *payload, struct merr *e)
{
	struct job_progress p = {.done = 1, .total = 2};
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(payload, "n");

	(void)s;
	(void)e;
	__atomic_add_fetch(&runs, 1, __ATOMIC_SEQ_CST);
	job_progress_set(x, &p);
	job_note(x, cJSON_IsNumber(n) ? "numbered" : "plain");
	return 0;
}

static int bad_job(struct job_ctx *x, struct store *s, const struct cJSON *payload, struct merr *e)
{
	(void)x;
	(void)s;
	return merr_at(e, cJSON_GetObjectItem(payload, "transient") ? M_EIO : M_EINVAL, NULL, -1,
		       -1, "target", "no such target");
}

static int slow_job(struct job_ctx *x, struct store *s, const struct cJSON *payload, struct merr *e)
{
	(void)s;
	(void)payload;
	for (int i = 0; i < 500 && !*job_stop_flag(x); i++) {
		struct job_progress p = {.done = (uint64_t)i, .total = 500};
		snprintf(p.phase, sizeof(p.phase), "waiting");
		job_progress_set(x, &p);
		usleep(10000);
	}
	return *job_stop_flag(x) ? merr_set(e, M_EINTR, "stopped") : 0;
}

static const struct job_kind kinds[] = {
    {"ok", ok_job, 0}, {"bad", bad_job, 0}, {"slow", slow_job, 0}};

static struct store *open_db(const char *name, char *path, size_t cap)
{
	struct store *s = NULL;
	struct merr e;

	merr_init(&e);
	tu_path(path, cap, name);
	assert_int_equal(store_open(path, &s, &e), 0);
	return s;
}

static struct job_queue *start(const char *path)
{
	struct job_queue *q = NULL;
	struct merr e;

	merr_init(&e);
	assert_int_equal(job_queue_start(&(struct job_queue_config){.db = path,
								    .kinds = kinds,
								    .n_kinds = ARRAY_SIZE(kinds),
								    .workers = 2,
								    .poll_s = 0.05},
					 &q, &e),
			 0);
	return q;
}

/* Waits (at most 10 s) until job id is in state want; returns its row. */
static struct job_info wait_state(struct store *s, int64_t id, enum job_state want)
{
	struct job_info ji = {0};
	struct merr e;

	for (int i = 0; i < 1000; i++) {
		merr_init(&e);
		assert_int_equal(job_get(s, id, &ji, &e), 0);
		if (ji.state == want)
			return ji;
		usleep(10000);
	}
	fail_msg("job %lld stayed %s, wanted %s", (long long)id, job_state_name(ji.state),
		 job_state_name(want));
	return ji;
}

static void test_submit__key_and_bound_refuse_and_bad_payload(void **state)
{
	char path[1024];
	struct store *s = open_db("submit.db", path, sizeof(path));
	int64_t a, b, c;
	struct merr e;

	(void)state;
	merr_init(&e);
	struct job_spec j = {.kind = "ok", .key = "k1", .max_pending = 2, .now = 100};
	assert_int_equal(job_submit(s, &j, &a, &e), 0);
	assert_true(a > 0);
	assert_int_equal(job_submit(s, &j, &b, &e), M_EEXIST);
	assert_int_equal(b, a); /* the job holding the key */
	j.key = "k2";
	assert_int_equal(job_submit(s, &j, &b, &e), 0);
	j.key = "k3";
	merr_init(&e);
	assert_int_equal(job_submit(s, &j, &c, &e), M_ETIMEOUT);
	assert_int_equal(c, 0);
	j.payload = "[1]";
	merr_init(&e);
	assert_int_equal(job_submit(s, &j, &c, &e), M_EINVAL);
	assert_string_equal(e.field, "payload");
	j.payload = NULL;
	j.kind = NULL;
	assert_int_equal(job_submit(s, &j, &c, &e), M_EINVAL);
	struct job_info ji;
	assert_int_equal(job_get(s, a, &ji, &e), 0);
	assert_int_equal(ji.state, JOB_QUEUED);
	assert_int_equal(ji.max_attempts, 3);
	assert_int_equal(job_get(s, 999, &ji, &e), M_ENOTFOUND);
	store_close(s);
}

static void test_queue__runs_done_failed_retried_and_dead(void **state)
{
	char path[1024];
	struct store *s = open_db("run.db", path, sizeof(path));
	struct job_queue *q;
	struct job_view v;
	struct job_info ji;
	int64_t a, b, c, d;
	struct merr e;

	(void)state;
	merr_init(&e);
	runs = 0;
	assert_int_equal(job_submit(s,
				    &(struct job_spec){.kind = "ok",
						       .subject = "thing:1",
						       .payload = "{\"n\": 1}",
						       .key = "same",
						       .now = time(NULL)},
				    &a, &e),
			 0);
	assert_int_equal(
	    job_submit(s, &(struct job_spec){.kind = "bad", .subject = "thing:2", .now = 1}, &b,
		       &e),
	    0);
	assert_int_equal(job_submit(s,
				    &(struct job_spec){.kind = "bad",
						       .payload = "{\"transient\": true}",
						       .max_attempts = 2,
						       .now = 1},
				    &c, &e),
			 0);
	q = start(path);
	job_queue_wake(q, a, "thing:1");
	ji = wait_state(s, a, JOB_DONE);
	assert_string_equal(ji.note, "numbered");
	assert_int_equal(ji.attempts, 1);
	assert_true(ji.finished_at >= ji.started_at && ji.started_at > 0);
	for (int i = 0; i < 500; i++) { /* the memory view follows the row */
		assert_true(job_queue_peek(q, "thing:1", &v));
		if (v.state == JOB_DONE)
			break;
		usleep(10000);
	}
	assert_int_equal(v.id, a);
	assert_int_equal(v.state, JOB_DONE);
	assert_int_equal(v.p.done, 1);
	assert_int_equal(job_find(s, "thing:1", &ji, &e), 0);
	assert_int_equal(ji.id, a);
	/* a permanent error: failed at once, the detail kept */
	ji = wait_state(s, b, JOB_FAILED);
	assert_int_equal(ji.attempts, 1);
	assert_non_null(strstr(ji.error, "no such target"));
	/* a transient one: queued again with a delay, not run again before it */
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(job_get(s, c, &ji, &e), 0);
		if (ji.attempts == 1 && ji.state == JOB_QUEUED)
			break;
		usleep(10000);
	}
	assert_int_equal(ji.state, JOB_QUEUED);
	assert_int_equal(ji.attempts, 1);
	assert_non_null(strstr(ji.error, "no such target"));
	usleep(300000);
	assert_int_equal(job_get(s, c, &ji, &e), 0);
	assert_int_equal(ji.attempts, 1); /* its delay (30 s) has not passed */
	/* the key is free again once the job ended */
	assert_int_equal(
	    job_submit(s, &(struct job_spec){.kind = "ok", .key = "same", .now = 2}, &d, &e), 0);
	wait_state(s, d, JOB_DONE);
	assert_int_equal(runs, 2);
	job_queue_stop(q);
	/* its delay passed (test it by moving the row's not-before back): the last attempt dies */
	assert_int_equal(
	    store_exec(s, "UPDATE jobs SET lease_until = 1 WHERE state = 'queued'", &e), 0);
	q = start(path);
	ji = wait_state(s, c, JOB_DEAD);
	assert_int_equal(ji.attempts, 2);
	job_queue_stop(q);
	store_close(s);
}

static void test_queue__stop_requeues_and_lease_expiry_is_taken_back(void **state)
{
	char path[1024];
	struct store *s = open_db("stop.db", path, sizeof(path));
	struct job_queue *q;
	struct job_view v;
	struct job_info ji;
	int64_t a, b;
	struct merr e;

	(void)state;
	merr_init(&e);
	assert_int_equal(
	    job_submit(s, &(struct job_spec){.kind = "slow", .subject = "slow:1", .now = 1}, &a,
		       &e),
	    0);
	q = start(path);
	wait_state(s, a, JOB_RUNNING);
	for (int i = 0; i < 500; i++) {
		if (job_queue_peek(q, "slow:1", &v) && v.p.done > 0)
			break;
		usleep(10000);
	}
	assert_int_equal(v.state, JOB_RUNNING);
	assert_string_equal(v.p.phase, "waiting");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	job_queue_stop(q);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_true(t1.tv_sec - t0.tv_sec < 2); /* prompt */
	assert_int_equal(job_get(s, a, &ji, &e), 0);
	assert_int_equal(ji.state, JOB_QUEUED); /* continued at the next start */
	assert_int_equal(ji.attempts, 1);
	/* a row some dead worker left 'running' with a lease in the past is taken back */
	assert_int_equal(
	    job_submit(s, &(struct job_spec){.kind = "ok", .subject = "lost", .now = 1}, &b, &e),
	    0);
	assert_int_equal(
	    store_exec(s,
		       "UPDATE jobs SET state = 'running', attempts = 1, lease_owner = "
		       "'gone', lease_until = 5 WHERE kind = 'ok'",
		       &e),
	    0);
	assert_int_equal(store_exec(s, "DELETE FROM jobs WHERE kind = 'slow'", &e), 0);
	q = start(path);
	ji = wait_state(s, b, JOB_DONE);
	assert_int_equal(ji.attempts, 2);
	job_queue_stop(q);
	store_close(s);
}

static int64_t count_jobs(struct store *s)
{
	int64_t n = -1;
	struct merr e;

	merr_init(&e);
	assert_int_equal(store_query_int(s, "SELECT COUNT(*) FROM jobs", &n, &e), 0);
	return n;
}

static void test_prune__finished_past_retention_only(void **state)
{
	char path[1024];
	struct store *s = open_db("prune.db", path, sizeof(path));
	struct job_queue *q = NULL;
	int64_t now = time(NULL), id, removed = -1;
	struct merr e;
	char sql[512];

	(void)state;
	merr_init(&e);
	/* six jobs: done 40 days ago, dead 31, failed 10, done 1; queued and running from long
	 * ago (never finished) */
	for (int i = 0; i < 6; i++)
		assert_int_equal(
		    job_submit(s, &(struct job_spec){.kind = "nobody", .now = now - 50 * 86400},
			       &id, &e),
		    0);
	snprintf(sql, sizeof(sql),
		 "UPDATE jobs SET state = CASE id %% 6 WHEN 1 THEN 'done' WHEN 2 THEN 'dead'"
		 " WHEN 3 THEN 'failed' WHEN 4 THEN 'done' WHEN 5 THEN 'queued' ELSE 'running' END,"
		 " finished_at = CASE id %% 6 WHEN 1 THEN %lld WHEN 2 THEN %lld WHEN 3 THEN %lld"
		 " WHEN 4 THEN %lld END",
		 (long long)(now - 40 * 86400), (long long)(now - 31 * 86400),
		 (long long)(now - 10 * 86400), (long long)(now - 86400));
	assert_int_equal(store_exec(s, sql, &e), 0);
	assert_int_equal(count_jobs(s), 6);
	/* the default retention: the two past 30 days go */
	assert_int_equal(job_prune(s, now - JOB_RETENTION_DEFAULT, &removed, &e), 0);
	assert_int_equal(removed, 2);
	assert_int_equal(count_jobs(s), 4);
	/* again: nothing more */
	assert_int_equal(job_prune(s, now - JOB_RETENTION_DEFAULT, &removed, &e), 0);
	assert_int_equal(removed, 0);
	/* a queue that never prunes leaves them */
	assert_int_equal(job_queue_start(&(struct job_queue_config){.db = path,
								    .kinds = kinds,
								    .n_kinds = ARRAY_SIZE(kinds),
								    .poll_s = 0.05,
								    .retention_s = -1},
					 &q, &e),
			 0);
	usleep(200000);
	job_queue_stop(q);
	assert_int_equal(count_jobs(s), 4);
	/* the workers prune with their own retention (5 days): the failed one goes, the one
	 * done yesterday and the unfinished ones stay */
	assert_int_equal(job_queue_start(&(struct job_queue_config){.db = path,
								    .kinds = kinds,
								    .n_kinds = ARRAY_SIZE(kinds),
								    .poll_s = 0.05,
								    .retention_s = 5 * 86400},
					 &q, &e),
			 0);
	for (int i = 0; i < 500 && count_jobs(s) != 3; i++)
		usleep(10000);
	job_queue_stop(q);
	assert_int_equal(count_jobs(s), 3);
	assert_int_equal(
	    store_query_int(s,
			    "SELECT COUNT(*) FROM jobs WHERE state IN ('queued',"
			    " 'running') OR finished_at > strftime('%s','now') - 2 * 86400",
			    &id, &e),
	    0);
	assert_int_equal(id, 3);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_submit__key_and_bound_refuse_and_bad_payload),
	    cmocka_unit_test(test_queue__runs_done_failed_retried_and_dead),
	    cmocka_unit_test(test_queue__stop_requeues_and_lease_expiry_is_taken_back),
	    cmocka_unit_test(test_prune__finished_past_retention_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
