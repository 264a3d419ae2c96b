/* denied.c - refused reads, watched: a signed-in caller refused a route (403) or an object
 * outside its rows (404 to a row-limited role) leaves an audit row, at most
 * WEB_DENIED_AUDIT_PER_MIN a minute per user (then one "read.denied.suppressed" row for the
 * rest of that minute), and WEB_DENIED_BURST refusals within WEB_DENIED_WINDOW seconds raise
 * one urgent alert that analysts see (alert_insert, under the reserved org "_security" that no
 * operator or bureau user's rows include). Counters live in memory, per server process. */
#include "base/compat.h"

#include <pthread.h>

#include "alert/alert.h"
#include "base/log.h"
#include "base/mem.h"
#include "web/web_int.h"

#define SLOTS 256

struct slot {
	char actor[AUTH_NAME_MAX];
	int64_t minute, window; /* start of the current minute and burst window */
	int in_minute, in_window;
	bool alerted; /* this window's alert is raised */
	char first[128];
};

static struct {
	pthread_mutex_t mu;
	struct slot v[SLOTS];
} dn = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* The caller's slot (the one unused longest is taken over when all are in use). */
static struct slot *slot_for(const char *actor, int64_t now)
{
	struct slot *oldest = &dn.v[0];

	for (size_t i = 0; i < SLOTS; i++) {
		if (strcmp(dn.v[i].actor, actor) == 0)
			return &dn.v[i];
		if (!dn.v[i].actor[0] || dn.v[i].minute < oldest->minute)
			oldest = &dn.v[i];
	}
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->actor, sizeof(oldest->actor), "%s", actor);
	oldest->minute = oldest->window = now;
	return oldest;
}

static void raise_alert(struct web_req *r, const char *actor, int n, int64_t window,
			const char *first)
{
	struct alert_msg m;
	struct buf b;
	int rc;

	memset(&m, 0, sizeof(m));
	snprintf(m.org, sizeof(m.org), "%s", WEB_SECURITY_ORG);
	snprintf(m.issue_key, sizeof(m.issue_key), "security:read-denied:%s:%lld", actor,
		 (long long)window);
	m.urgent = true;
	buf_init(&b, 8192);
	buf_addf(&b,
		 "[mamori] 不審なアクセス: %s が権限外のデータを %d 回要求 / Suspicious "
		 "access: %s requested data outside its rows %d times",
		 actor, n, actor, n);
	m.subject = buf_detach(&b, NULL);
	buf_init(&b, 8192);
	buf_addf(
	    &b,
	    "利用者 %s (%s、接続元 %s) が %d 秒以内に権限外のオブジェクトを %d 回要求しました。"
	    "最初の要求: %s\n監査ログ (/audit) の read.denied を確認し、必要なら利用者を無効化"
	    "してください (mamori user disable %s)。\n---- English ----\n"
	    "User %s (%s, from %s) requested objects outside its rows %d times within %d s. "
	    "First: %s\nSee read.denied in the audit log (/audit); disable the user if needed "
	    "(mamori user disable %s).\n",
	    actor, auth_role_name(r->who.role), r->client ? r->client : "?", WEB_DENIED_WINDOW, n,
	    first, actor, actor, auth_role_name(r->who.role), r->client ? r->client : "?", n,
	    WEB_DENIED_WINDOW, first, actor);
	m.body = buf_detach(&b, NULL);
	if (!m.subject || !m.body)
		rc = M_ENOMEM;
	else
		rc = alert_insert(r->s, &m, r->now, NULL);
	if (rc < 0)
		log_error("web", "cannot raise the alert for %s's denied reads (%s)", actor,
			  mamori_strerror(rc));
	else
		log_warn("web", "%s: %d denied reads in %d s, alert raised", actor, n,
			 WEB_DENIED_WINDOW);
	m_free(m.subject);
	m_free(m.body);
}

void web_denied(struct web_req *r, const char *action)
{
	const char *actor = r->who.name;
	bool audit = false, suppressed = false, alert = false;
	char detail[160], first[128] = "";
	int n = 0;
	int64_t window = 0;
	struct slot *sl;

	if (r->who.role == AUTH_ROLE_NONE || !actor[0])
		return;
	pthread_mutex_lock(&dn.mu);
	sl = slot_for(actor, r->now);
	if (r->now - sl->minute >= 60) {
		sl->minute = r->now;
		sl->in_minute = 0;
	}
	if (r->now - sl->window >= WEB_DENIED_WINDOW) {
		sl->window = r->now;
		sl->in_window = 0;
		sl->alerted = false;
	}
	if (!sl->in_window)
		snprintf(sl->first, sizeof(sl->first), "%s", r->raw_path ? r->raw_path : "?");
	sl->in_minute++;
	sl->in_window++;
	audit = sl->in_minute <= WEB_DENIED_AUDIT_PER_MIN;
	suppressed = sl->in_minute == WEB_DENIED_AUDIT_PER_MIN + 1;
	if (sl->in_window >= WEB_DENIED_BURST && !sl->alerted) {
		alert = sl->alerted = true;
		n = sl->in_window;
		window = sl->window;
		snprintf(first, sizeof(first), "%s", sl->first);
	}
	pthread_mutex_unlock(&dn.mu);
	snprintf(detail, sizeof(detail), "{\"status\":%d,\"client\":\"%s\"}", r->status,
		 r->client && !strpbrk(r->client, "\"\\") ? r->client : "?");
	if (audit)
		web_audit(r, action, r->raw_path, detail);
	else if (suppressed)
		web_audit(
		    r, "read.denied.suppressed", r->raw_path,
		    "{\"reason\":\"rate limit: further denied reads this minute not logged\"}");
	if (alert)
		raise_alert(r, actor, n, window, first);
}
