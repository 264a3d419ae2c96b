/* remind_job.c - the reminder and overdue pass as a recurring job of the job module: `mamori
 * serve` and `mamori jobs run` submit "incident.remind" once per period (job_recurring, the
 * period in the key: two servers on one store run a period once) and a worker runs it here:
 * inc_remind queues the reminders, overdue alerts and case SLA alerts (each once per clock and
 * due time, by issue key), then the alert pipeline delivers them when an SMTP server is set
 * ($MAMORI_SMTP_URL, as for `mamori alert run`). */
#include "base/compat.h"

#include <stdio.h>
#include <stdlib.h>

#include "alert/alert.h"
#include "base/mtime.h"
#include "incident/incident_int.h"
#include "job/job.h"

static int remind_job(struct job_ctx *x, struct store *s, const cJSON *payload, struct merr *e)
{
	struct inc_regimes *t = NULL;
	struct alert_run_stats st = {0};
	const char *console = getenv("MAMORI_CONSOLE_URL");
	char note[JOB_TEXT_MAX];
	long rem = 0, od = 0;
	int rc;

	(void)payload;
	if ((rc = inc_regimes_load(inc_regimes_default_path(), &t, e)))
		return rc;
	struct inc_ctx c = {
	    .s = s, .regimes = t, .actor = "job:incident.remind", .now = time_now()};
	rc = inc_remind(&c, console && *console ? console : NULL, &rem, &od, e);
	inc_regimes_free(t);
	if (rc)
		return rc;
	if (getenv("MAMORI_SMTP_URL") && *getenv("MAMORI_SMTP_URL")) {
		struct alert_conf conf = {.smtp_url = getenv("MAMORI_SMTP_URL"),
					  .from = getenv("MAMORI_MAIL_FROM"),
					  .max_attempts = 3,
					  .backoff_ms = 500,
					  .timeout_s = 10,
					  .smtp_user = getenv("MAMORI_SMTP_USER"),
					  .smtp_password = getenv("MAMORI_SMTP_PASSWORD")};
		if (!conf.from || !*conf.from)
			conf.from = "mamori@localhost";
		if (conf.smtp_user && !*conf.smtp_user)
			conf.smtp_user = NULL;
		if ((rc = alert_deliver(s, &conf, time_now(), &st, e)))
			return rc;
	}
	snprintf(
	    note, sizeof(note),
	    "リマインダ %ld 件、期限超過 %ld 件、配信 %ld 件 / %ld reminders, %ld overdue, %ld "
	    "delivered",
	    rem, od, st.delivered, rem, od, st.delivered);
	job_note(x, note);
	return 0;
}

const struct job_kind inc_job_kinds[] = {
    {INC_REMIND_JOB, remind_job, 600},
};
const size_t inc_job_kinds_len = sizeof(inc_job_kinds) / sizeof(inc_job_kinds[0]);

struct job_recurring inc_remind_recurring(int64_t period_s)
{
	return (struct job_recurring){INC_REMIND_JOB, period_s > 0 ? period_s : INC_REMIND_PERIOD,
				      NULL};
}
