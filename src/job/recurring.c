/* recurring.c - recurring jobs (job.h, struct job_recurring): one job per period and kind,
 * whichever process submits first; the period is in the key and the subject. */
#include "base/compat.h"

#include <stdio.h>

#include "job/job.h"

int job_recurring_submit(struct store *s, const struct job_recurring *r, int64_t now, int64_t *id,
			 struct merr *e)
{
	struct store_stmt *st = NULL;
	char key[96], payload[96];
	int64_t period, have = 0;
	int rc;

	*id = 0;
	if (!r->kind || r->period_s <= 0)
		return merr_set(e, M_EINVAL, "recurring job: a kind and a period");
	period = now / r->period_s;
	snprintf(key, sizeof(key), "%s@%lld", r->kind, (long long)period);
	snprintf(payload, sizeof(payload), "{\"period\": %lld, \"period_s\": %lld}",
		 (long long)period, (long long)r->period_s);
	if ((rc = store_begin_immediate(s, e)))
		return rc;
	/* any state: a period done or failed is not run again (jobs_subject index) */
	if ((rc = store_prepare(s, "SELECT id FROM jobs WHERE subject = ? LIMIT 1", &st, e)))
		goto fail;
	stmt_bind_text(st, 1, key);
	rc = stmt_step(st, e);
	if (rc == 1)
		have = stmt_int64(st, 0);
	stmt_finalize(st);
	if (rc < 0)
		goto fail;
	if (have)
		return store_commit(s, e);
	if ((rc = job_submit(s,
			     &(struct job_spec){.kind = r->kind,
						.subject = key,
						.payload = r->payload ? r->payload : payload,
						.key = key,
						.max_attempts = 1,
						.now = now},
			     id, e)))
		goto fail;
	return store_commit(s, e);
fail:
	store_rollback(s);
	*id = 0;
	return rc == M_EEXIST ? 0 : rc;
}
