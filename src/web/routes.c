/* routes.c - the route table (method, pattern, handler, roles, object rule, audit) and the
 * one place that decides authorisation, including the row-level filter for org queries. */
#include "base/compat.h"

#include "inventory/inventory.h"
#include "web/page_checklist.h"
#include "web/web.h"
#include "web/web_exercise.h"
#include "web/web_incident.h"
#include "web/web_int.h"

#define PAGE WEB_PAGE
#define API WEB_API
#define READERS (AUTH_ANALYST | AUTH_BUREAU | AUTH_OPERATOR)
#define TAXII (AUTH_MEMBER | AUTH_ANALYST | AUTH_OPERATOR)

/* Every route the server answers. A new page or API call is a handler file and a line
 * here; web_routes_check() refuses to start when a line lacks a policy. */
const struct web_route web_routes[] = {
    /* method, pattern, handler, roles, object rule, kind and flags, audit action */
    {"GET", "/login", web_page_login, AUTH_EVERYONE, WEB_OBJ_NONE, PAGE, NULL},
    {"POST", "/login", web_post_login, AUTH_EVERYONE, WEB_OBJ_NONE,
     PAGE | WEB_SELF_AUDIT | WEB_LOGIN_CSRF, NULL},
    {"POST", "/logout", web_post_logout, AUTH_SIGNED_IN, WEB_OBJ_NONE, PAGE | WEB_SELF_AUDIT, NULL},
    {"GET", "/", web_page_dashboard, READERS, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/orgs", web_page_orgs, READERS, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/orgs/{org}", web_page_org, READERS, WEB_OBJ_ORG, PAGE, "org.read"},
    {"GET", "/users", web_page_users, AUTH_ADMIN, WEB_OBJ_NONE, PAGE, NULL},
    {"POST", "/users", web_post_users, AUTH_ADMIN, WEB_OBJ_NONE, PAGE, "user.add"},
    {"POST", "/users/{user}/disable", web_post_user_disable, AUTH_ADMIN, WEB_OBJ_NONE, PAGE,
     "user.disable"},
    {"POST", "/users/{user}/enable", web_post_user_enable, AUTH_ADMIN, WEB_OBJ_NONE, PAGE,
     "user.enable"},
    {"GET", "/audit", web_page_audit, AUTH_ADMIN | AUTH_ANALYST, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/findings", web_page_findings, READERS, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/findings/{id}", web_page_finding, READERS, WEB_OBJ_NONE, PAGE, "finding.read"},
    {"GET", "/feeds", web_page_feeds, AUTH_ANALYST | AUTH_BUREAU, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/scans", web_page_scans, AUTH_ANALYST, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/sharing", web_page_sharing, AUTH_MEMBER | AUTH_ANALYST, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/static/{file}", web_get_static, AUTH_EVERYONE, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/api/v1/me", web_api_me, AUTH_SIGNED_IN, WEB_OBJ_NONE, API, NULL},
    {"GET", "/api/v1/orgs", web_api_orgs, READERS, WEB_OBJ_NONE, API, NULL},
    {"GET", "/api/v1/orgs/{org}", web_api_org, READERS, WEB_OBJ_ORG, API, "org.read"},
    {"GET", "/api/v1/orgs/{org}/assets", web_api_org_assets, READERS, WEB_OBJ_ORG, API,
     "org.read.assets"},
    {"GET", "/api/v1/orgs/{org}/scope", web_api_org_scope, READERS, WEB_OBJ_ORG, API,
     "org.read.scope"},
    {"GET", "/api/v1/orgs/{org}/findings", web_api_org_findings, READERS, WEB_OBJ_ORG, API,
     "org.read.findings"},
    {"GET", "/api/v1/orgs/{org}/rating", web_api_org_rating, READERS, WEB_OBJ_ORG, API,
     "org.read.rating"},
    {"GET", "/api/v1/orgs/{org}/services", web_api_org_services, READERS, WEB_OBJ_ORG, API,
     "org.read.services"},
    /* Findings by numeric id: the caller's rows are part of the query (page_findings.c). */
    {"GET", "/api/v1/findings", web_api_findings, READERS, WEB_OBJ_NONE, API, NULL},
    {"GET", "/api/v1/findings/{id}", web_api_finding, READERS, WEB_OBJ_NONE, API, "finding.read"},
    /* Alerts and notices by numeric id: the caller's rows are part of the query
     * (page_alerts.c); bureau users read, analysts and operators acknowledge. */
    {"GET", "/alerts", web_page_alerts, READERS, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/alerts/{id}", web_page_alert, READERS, WEB_OBJ_NONE, PAGE, "alert.read"},
    {"POST", "/alerts/{id}/ack", web_post_alert_ack, AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE,
     PAGE, "alert.ack"},
    {"GET", "/api/v1/alerts", web_api_alerts, READERS, WEB_OBJ_NONE, API, NULL},
    {"GET", "/api/v1/alerts/{id}", web_api_alert, READERS, WEB_OBJ_NONE, API, "alert.read"},
    {"POST", "/api/v1/alerts/{id}/ack", web_api_alert_ack, AUTH_ANALYST | AUTH_OPERATOR,
     WEB_OBJ_NONE, API, "alert.ack"},
    /* The link in an alert mail: anyone holding the token; GET only shows a confirm page. */
    {"GET", "/ack/{token}", web_page_ack_token, AUTH_EVERYONE, WEB_OBJ_NONE, PAGE, NULL},
    {"POST", "/ack/{token}", web_post_ack_token, AUTH_EVERYONE, WEB_OBJ_NONE,
     PAGE | WEB_SELF_AUDIT | WEB_LOGIN_CSRF, NULL},
    {"GET", "/api/v1/feeds", web_api_feeds, AUTH_ANALYST | AUTH_BUREAU, WEB_OBJ_NONE, API, NULL},
    {"GET", "/api/v1/scans", web_api_scans, AUTH_ANALYST, WEB_OBJ_NONE, API, NULL},
    {"GET", "/api/v1/users", web_api_users, AUTH_ADMIN, WEB_OBJ_NONE, API, NULL},
    {"POST", "/api/v1/users", web_api_users_add, AUTH_ADMIN, WEB_OBJ_NONE, API, "user.add"},
    {"GET", "/api/v1/audit", web_api_audit, AUTH_ADMIN | AUTH_ANALYST, WEB_OBJ_NONE, API, NULL},
    {"GET", "/taxii2/", web_taxii_discovery, TAXII, WEB_OBJ_NONE, API, NULL},
    /* Reports from --reports-dir: the file name is built from the stored slug (or a sector
     * of the caller's) and a checked period and format, never from the URL (page_reports.c). */
    {"GET", "/orgs/{org}/reports/{file}", web_get_org_report, READERS, WEB_OBJ_ORG, PAGE,
     "report.download"},
    {"POST", "/orgs/{org}/reports", web_post_org_report, AUTH_ANALYST, WEB_OBJ_ORG, PAGE,
     "report.generate"},
    {"GET", "/api/v1/orgs/{org}/reports", web_api_org_reports, READERS, WEB_OBJ_ORG, API,
     "org.read.reports"},
    {"GET", "/reports", web_page_reports, AUTH_ANALYST | AUTH_BUREAU, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/sectors/{sector}/reports/{file}", web_get_sector_report, AUTH_ANALYST | AUTH_BUREAU,
     WEB_OBJ_NONE, PAGE, "report.download"},
    {"GET", "/api/v1/sectors/{sector}/reports", web_api_sector_reports, AUTH_ANALYST | AUTH_BUREAU,
     WEB_OBJ_NONE, API, NULL},
    /* Scans from the console: queued to the background runner (page_scans.c), which writes
     * its own scan.start audit row in the transaction that creates the scan row. */
    {"POST", "/scans", web_post_scan, AUTH_ANALYST, WEB_OBJ_NONE, PAGE | WEB_SELF_AUDIT, NULL},
    {"GET", "/scans/{id}", web_page_scan, AUTH_ANALYST, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/api/v1/scans/{id}", web_api_scan, AUTH_ANALYST, WEB_OBJ_NONE, API, NULL},
    {"POST", "/api/v1/scans", web_api_scan_start, AUTH_ANALYST, WEB_OBJ_NONE, API | WEB_SELF_AUDIT,
     NULL},
    /* harden-web (issue #19): a user's API tokens, listed without secrets and revoked by an
     * administrator (page_tokens.c) */
    {"GET", "/users/{user}/tokens", web_page_user_tokens, AUTH_ADMIN, WEB_OBJ_NONE, PAGE, NULL},
    {"POST", "/users/{user}/tokens/{id}/revoke", web_post_user_token_revoke, AUTH_ADMIN,
     WEB_OBJ_NONE, PAGE, "token.revoke"},
    /* incident (page_incident.c, api_incident.c): by numeric id, every read and write goes
     * through the incident module with the caller's view (web_inc_open): operators their
     * org, bureau users their sector without IoCs above TLP:AMBER; others 404 alike. */
    {"GET", "/incidents", web_page_incidents, READERS, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/incidents/new", web_page_incident_new, AUTH_OPERATOR, WEB_OBJ_NONE, PAGE, NULL},
    {"POST", "/incidents", web_post_incidents, AUTH_OPERATOR, WEB_OBJ_NONE, PAGE, "incident.file"},
    {"GET", "/incidents/{id}", web_page_incident, READERS, WEB_OBJ_NONE, PAGE, "incident.read"},
    {"POST", "/incidents/{id}/assess", web_post_incident_assess, AUTH_ANALYST, WEB_OBJ_NONE, PAGE,
     "incident.assess"},
    {"POST", "/incidents/{id}/messages", web_post_incident_message, AUTH_ANALYST | AUTH_OPERATOR,
     WEB_OBJ_NONE, PAGE, "incident.message"},
    {"POST", "/incidents/{id}/regimes", web_post_incident_regimes, AUTH_ANALYST, WEB_OBJ_NONE, PAGE,
     "incident.regimes"},
    {"POST", "/incidents/{id}/clocks", web_post_incident_clock, AUTH_ANALYST, WEB_OBJ_NONE, PAGE,
     "incident.clock"},
    {"GET", "/incidents/{id}/stix", web_get_incident_stix, AUTH_ANALYST | AUTH_OPERATOR,
     WEB_OBJ_NONE, PAGE, "incident.export"},
    {"GET", "/incidents/{id}/attachments/{n}", web_get_incident_attachment,
     AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE, PAGE, "incident.attachment.read"},
    {"GET", "/cases", web_page_cases, AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE, PAGE, NULL},
    {"POST", "/cases", web_post_cases, AUTH_OPERATOR, WEB_OBJ_NONE, PAGE, "case.open"},
    {"GET", "/cases/{id}", web_page_case, AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE, PAGE,
     "case.read"},
    {"POST", "/cases/{id}/messages", web_post_case_message, AUTH_ANALYST | AUTH_OPERATOR,
     WEB_OBJ_NONE, PAGE, "case.message"},
    {"POST", "/cases/{id}/update", web_post_case_update, AUTH_ANALYST, WEB_OBJ_NONE, PAGE,
     "case.update"},
    {"GET", "/api/v1/incidents", web_api_incidents, READERS, WEB_OBJ_NONE, API, NULL},
    {"GET", "/api/v1/incidents/stats", web_api_incident_stats, AUTH_ANALYST | AUTH_BUREAU,
     WEB_OBJ_NONE, API, NULL},
    {"GET", "/api/v1/incidents/{id}", web_api_incident, READERS, WEB_OBJ_NONE, API,
     "incident.read"},
    {"POST", "/api/v1/incidents", web_api_incidents_file, AUTH_OPERATOR, WEB_OBJ_NONE, API,
     "incident.file"},
    {"POST", "/api/v1/incidents/{id}/attachments", web_api_incident_attach,
     AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE, API, "incident.attach"},
    {"GET", "/api/v1/cases", web_api_cases, AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE, API, NULL},
    {"GET", "/api/v1/cases/{id}", web_api_case, AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE, API,
     "case.read"},
    /* checklist (page_checklist.c): operators answer their own org (others get 404), analysts
     * read; bureau users and analysts see the k-anonymous sector comparison only. */
    {"GET", "/orgs/{org}/checklist", web_page_checklist, AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_ORG,
     PAGE, "checklist.read"},
    {"POST", "/orgs/{org}/checklist", web_post_checklist, AUTH_OPERATOR, WEB_OBJ_ORG, PAGE,
     "checklist.save"},
    {"GET", "/orgs/{org}/checklist/{file}", web_get_checklist_sheet, AUTH_ANALYST | AUTH_OPERATOR,
     WEB_OBJ_ORG, PAGE, "checklist.sheet"},
    {"GET", "/api/v1/orgs/{org}/checklist", web_api_checklist, AUTH_ANALYST | AUTH_OPERATOR,
     WEB_OBJ_ORG, API, "checklist.read"},
    {"GET", "/checklist/sector", web_page_checklist_sector, AUTH_ANALYST | AUTH_BUREAU,
     WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/api/v1/checklist/sector", web_api_checklist_sector, AUTH_ANALYST | AUTH_BUREAU,
     WEB_OBJ_NONE, API, NULL},
    /* share (issue #21): TAXII 2.1 under the one API root /taxii2/root/ (api_taxii.c).
     * Collections decide can_read/can_write and TLP per caller in src/share; a collection
     * the caller may not read answers 404 exactly like a missing one. */
    {"GET", "/taxii2/root/", web_taxii_root, TAXII, WEB_OBJ_NONE, API, NULL},
    {"GET", "/taxii2/root/status/{status}/", web_taxii_status, TAXII, WEB_OBJ_NONE, API, NULL},
    {"GET", "/taxii2/root/collections/", web_taxii_collections, TAXII, WEB_OBJ_NONE, API, NULL},
    {"GET", "/taxii2/root/collections/{coll}/", web_taxii_collection, TAXII, WEB_OBJ_NONE, API,
     NULL},
    {"GET", "/taxii2/root/collections/{coll}/manifest/", web_taxii_manifest, TAXII, WEB_OBJ_NONE,
     API, NULL},
    {"GET", "/taxii2/root/collections/{coll}/objects/", web_taxii_objects, TAXII, WEB_OBJ_NONE, API,
     NULL},
    {"POST", "/taxii2/root/collections/{coll}/objects/", web_taxii_objects_add, TAXII, WEB_OBJ_NONE,
     API, "taxii.add"},
    {"GET", "/taxii2/root/collections/{coll}/objects/{object}/", web_taxii_object, TAXII,
     WEB_OBJ_NONE, API, NULL},
    {"DELETE", "/taxii2/root/collections/{coll}/objects/{object}/", web_taxii_object_delete, TAXII,
     WEB_OBJ_NONE, API, "taxii.delete"},
    {"GET", "/taxii2/root/collections/{coll}/objects/{object}/versions/", web_taxii_versions, TAXII,
     WEB_OBJ_NONE, API, NULL},
    /* share: the console over the same collections, rights and TLP (page_share.c) */
    {"GET", "/share", web_page_share, TAXII, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/share/{coll}", web_page_share_coll, TAXII, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/share/{coll}/objects/{object}", web_page_share_object, TAXII, WEB_OBJ_NONE, PAGE,
     NULL},
    {"POST", "/share/{coll}/publish", web_post_share_publish, TAXII, WEB_OBJ_NONE, PAGE,
     "share.publish"},
    /* sns (page_sns.c): precursor alerts narrowed to the caller's organisations in the
     * handler (operators: their own); analysts decide and edit watch terms. */
    {"GET", "/sns", web_page_sns, READERS, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/sns/alerts/{id}", web_page_sns_alert, READERS, WEB_OBJ_NONE, PAGE, "sns.alert.read"},
    {"POST", "/sns/alerts/{id}/state", web_post_sns_alert_state, AUTH_ANALYST, WEB_OBJ_NONE, PAGE,
     "sns.alert.state"},
    {"POST", "/sns/watch", web_post_sns_watch, AUTH_ANALYST, WEB_OBJ_NONE, PAGE, "sns.watch.add"},
    {"GET", "/api/v1/sns/alerts", web_api_sns_alerts, READERS, WEB_OBJ_NONE, API, NULL},
    /* findings triage (page_findings.c, src/findings/triage.c): the caller's rows are part of
     * the update, so another operator's finding is the same 404 as a missing one */
    {"POST", "/findings/triage", web_post_findings_triage, AUTH_ANALYST | AUTH_OPERATOR,
     WEB_OBJ_NONE, PAGE, "finding.triage"},
    {"POST", "/api/v1/findings/triage", web_api_findings_triage, AUTH_ANALYST | AUTH_OPERATOR,
     WEB_OBJ_NONE, API, "finding.triage"},
    {"GET", "/findings.csv", web_get_findings_csv, READERS, WEB_OBJ_NONE, PAGE, "finding.export"},
    {"GET", "/hosts/{ip}", web_page_host, READERS, WEB_OBJ_NONE, PAGE, NULL},
    {"GET", "/alerts.csv", web_get_alerts_csv, READERS, WEB_OBJ_NONE, PAGE, "alert.export"},
    /* exercise (page_exercise.c): analysts see the scenario library and every run, start runs
     * and steer them; operators see and act in the runs their org takes part in (404
     * otherwise). Reading a run delivers the injects due first. */
    {"GET", "/exercises", web_page_exercises, AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE, PAGE,
     NULL},
    {"POST", "/exercises", web_post_exercises, AUTH_ANALYST, WEB_OBJ_NONE, PAGE, "exercise.start"},
    {"GET", "/exercises/{id}", web_page_exercise, AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE, PAGE,
     "exercise.read"},
    {"POST", "/exercises/{id}/respond", web_post_exercise_respond, AUTH_OPERATOR, WEB_OBJ_NONE,
     PAGE, "exercise.respond"},
    {"POST", "/exercises/{id}/control", web_post_exercise_control, AUTH_ANALYST, WEB_OBJ_NONE, PAGE,
     "exercise.control"},
    {"GET", "/api/v1/exercises/{id}", web_api_exercise, AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE,
     API, "exercise.read"},
    /* exercise (page_exercise.c), issue 17 continued: participants file exercise incident
     * reports with the real form (marked with the run) and assess them (NISC severity);
     * analysts invite named participants and upload inject attachments; attachments are
     * served to the run's readers as downloads */
    {"GET", "/exercises/{id}/incident", web_page_exercise_incident, AUTH_OPERATOR, WEB_OBJ_NONE,
     PAGE, "exercise.read"},
    {"POST", "/exercises/{id}/incident", web_post_exercise_incident, AUTH_OPERATOR, WEB_OBJ_NONE,
     PAGE, "exercise.file"},
    {"POST", "/exercises/{id}/participants", web_post_exercise_invite, AUTH_ANALYST, WEB_OBJ_NONE,
     PAGE, "exercise.invite"},
    {"GET", "/exercises/{id}/attachments/{inject}", web_get_exercise_attachment,
     AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE, PAGE, "exercise.attachment.read"},
    {"POST", "/api/v1/exercises/{id}/attachments/{inject}", web_api_exercise_attach, AUTH_ANALYST,
     WEB_OBJ_NONE, API, "exercise.attach"},
    {"POST", "/exercises/{id}/assess", web_post_exercise_assess, AUTH_OPERATOR, WEB_OBJ_NONE, PAGE,
     "exercise.assess"},
    {"GET", "/exercises/{id}/incidents/{n}", web_page_exercise_incident_view,
     AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE, PAGE, "exercise.incident.read"},
    /* trustui (page_trust.c): the operator (or an analyst) decides a candidate asset
     * discovery filed; src/discover changes it and writes the audit row */
    {"POST", "/orgs/{org}/assets/decide", web_post_asset_decide, AUTH_ANALYST | AUTH_OPERATOR,
     WEB_OBJ_ORG, PAGE, "assets.decide"},
    /* incident outputs (page_incident_out.c): the report PDF within the caller's view
     * (operators: their own incident, 404 otherwise); the STIX bundle published into a
     * sharing collection the analyst may write, with the chosen TLP */
    {"GET", "/incidents/{id}/pdf", web_get_incident_pdf, AUTH_ANALYST | AUTH_OPERATOR, WEB_OBJ_NONE,
     PAGE, "incident.report"},
    {"POST", "/incidents/{id}/publish", web_post_incident_publish, AUTH_ANALYST, WEB_OBJ_NONE, PAGE,
     "incident.publish"},
    /* sns (page_sns.c): an analyst escalates a precursor alert to an incident (src/sns/escalate.c
     * files it through the incident module); operators and bureau users may not. */
    {"POST", "/api/v1/sns/alerts/{id}/escalate", web_api_sns_alert_escalate, AUTH_ANALYST,
     WEB_OBJ_NONE, API, "sns.alert.escalate"},
    /* trustdata (page_export.c): the assets and audit CSV, streamed like findings.csv */
    {"GET", "/assets.csv", web_get_assets_csv, READERS, WEB_OBJ_NONE, PAGE, "asset.export"},
    {"GET", "/audit.csv", web_get_audit_csv, AUTH_ADMIN | AUTH_ANALYST, WEB_OBJ_NONE, PAGE,
     "audit.export"},
};
const size_t web_routes_len = ARRAY_SIZE(web_routes);

static bool is_read(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

int web_routes_check(struct merr *e)
{
	for (size_t i = 0; i < web_routes_len; i++) {
		const struct web_route *rt = &web_routes[i];
		bool kind = (rt->flags & (WEB_API | WEB_PAGE)) == WEB_API ||
			    (rt->flags & (WEB_API | WEB_PAGE)) == WEB_PAGE;
		if (!rt->method || !rt->pattern || !rt->handler || rt->roles == 0 ||
		    rt->obj == WEB_OBJ_UNSET || !kind)
			return merr_set(e, M_EINVAL, "route %zu (%s %s) has no complete policy", i,
					rt->method ? rt->method : "?",
					rt->pattern ? rt->pattern : "?");
		if ((strstr(rt->pattern, "{org}") != NULL) != (rt->obj == WEB_OBJ_ORG))
			return merr_set(e, M_EINVAL, "route %s %s: {org} needs WEB_OBJ_ORG",
					rt->method, rt->pattern);
		/* Every write is audited; bureau users are read-only everywhere. */
		if (!is_read(rt->method) && !rt->audit && !(rt->flags & WEB_SELF_AUDIT))
			return merr_set(e, M_EINVAL, "route %s %s writes without an audit action",
					rt->method, rt->pattern);
		if (!is_read(rt->method) && (rt->roles & AUTH_BUREAU) &&
		    !(rt->flags & WEB_SELF_AUDIT))
			return merr_set(e, M_EINVAL,
					"route %s %s lets read-only bureau users write", rt->method,
					rt->pattern);
		if (rt->obj == WEB_OBJ_ORG && !rt->audit)
			return merr_set(e, M_EINVAL, "route %s %s reads org data without audit",
					rt->method, rt->pattern);
	}
	return 0;
}

static void roles_str(unsigned roles, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (int r = 0; r < AUTH_ROLE_COUNT; r++)
		if (roles & AUTH_BIT(r))
			n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, "%s%s", n ? "," : "",
					      auth_role_name((enum auth_role)r));
}

void web_routes_print(FILE *out)
{
	for (size_t i = 0; i < web_routes_len; i++) {
		const struct web_route *rt = &web_routes[i];
		char roles[128];
		roles_str(rt->roles, roles, sizeof(roles));
		fprintf(out, "%s %s %s %s %s\n", rt->method, rt->pattern, roles,
			rt->obj == WEB_OBJ_ORG ? "org" : "-", rt->flags & WEB_API ? "api" : "page");
	}
}

int web_route_find(struct web_arena *a, const char *method, const struct web_path *p,
		   const struct web_route **out, struct web_kvs *params)
{
	const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;
	bool path_matched = false;

	*out = NULL;
	for (size_t i = 0; i < web_routes_len; i++) {
		if (!web_pattern_match(a, web_routes[i].pattern, p, params))
			continue;
		path_matched = true;
		if (strcmp(web_routes[i].method, m) == 0) {
			*out = &web_routes[i];
			return 0;
		}
	}
	if (params)
		params->n = 0;
	return path_matched ? M_EUNSUPPORTED : M_ENOTFOUND;
}

bool web_role_may_get(enum auth_role role, const char *path)
{
	struct web_arena a;
	struct web_path p;
	const struct web_route *rt = NULL;
	bool ok = false;

	web_arena_init(&a, 4096);
	if (web_path_parse(&a, path, strlen(path), &p) == 0 &&
	    web_route_find(NULL, "GET", &p, &rt, NULL) == 0)
		ok = (rt->roles & AUTH_BIT(role)) != 0;
	web_arena_release(&a);
	return ok;
}

/* True when s is all digits: a numeric org id rather than a slug. */
static bool is_number(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool csrf_ok(const struct web_req *r)
{
	const char *given = web_kv_get(&r->form, "csrf");

	if (!given)
		given = r->csrf_header;
	if (r->route->flags & WEB_LOGIN_CSRF)
		return auth_csrf_equal(web_kv_get(&r->cookies, "mamori_login"), given);
	if (r->who.via_token)
		return true; /* a bearer token is not sent by browsers on their own */
	return auth_csrf_equal(r->who.csrf, given);
}

enum web_authz web_authorize(const struct web_req *r)
{
	const struct web_route *rt = r->route;

	if (!rt)
		return WEB_AUTHZ_NOT_FOUND;
	if (!(rt->roles & AUTH_BIT(r->who.role)))
		return r->who.role == AUTH_ROLE_NONE ? WEB_AUTHZ_LOGIN : WEB_AUTHZ_FORBIDDEN;
	if (!is_read(r->method) && !csrf_ok(r))
		return WEB_AUTHZ_FORBIDDEN;
	if (rt->obj == WEB_OBJ_ORG) {
		const char *org = web_kv_get(&r->params, "org");
		if (!org)
			return WEB_AUTHZ_NOT_FOUND;
		/* Operators: only their own slug; a numeric id is narrowed in the query
		 * (web_org_filter) and answered 404 alike. Bureau users are narrowed to
		 * their sector in the query. */
		if (r->who.role == AUTH_ROLE_OPERATOR && !is_number(org) &&
		    strcmp(org, r->who.org_slug) != 0)
			return WEB_AUTHZ_NOT_FOUND;
	}
	return WEB_AUTHZ_OK;
}

int web_org_filter(const struct web_req *r, const char *requested_slug,
		   const char *requested_sector, struct inv_filter *f)
{
	f->slug = requested_slug;
	f->sector = requested_sector;
	f->critical = -1;
	f->with = 0;
	switch (r->who.role) {
	case AUTH_ROLE_ANALYST: return 0;
	case AUTH_ROLE_OPERATOR:
		if (!r->who.org_slug[0] ||
		    (requested_slug && strcmp(requested_slug, r->who.org_slug) != 0))
			return M_ENOTFOUND;
		f->slug = r->who.org_slug;
		return 0;
	case AUTH_ROLE_BUREAU:
		if (!r->who.sector[0] ||
		    (requested_sector && strcmp(requested_sector, r->who.sector) != 0))
			return M_ENOTFOUND;
		f->sector = r->who.sector;
		return 0;
	default: return M_EPERM;
	}
}

int web_rows(const struct web_req *r, struct inv_rows *rows)
{
	rows->org = rows->sector = NULL;
	switch (r->who.role) {
	case AUTH_ROLE_ANALYST: return 0;
	case AUTH_ROLE_OPERATOR: rows->org = r->who.org_slug; return 0;
	case AUTH_ROLE_BUREAU: rows->sector = r->who.sector; return 0;
	default: return M_EPERM;
	}
}

int web_org_load(struct web_req *r, unsigned with, struct inv_doc **out)
{
	const char *org = web_kv_get(&r->params, "org");
	bool by_id = is_number(org);
	struct inv_filter f;
	struct inv_doc *d = NULL;
	int64_t id = 0;
	int rc;

	*out = NULL;
	if (!org)
		return M_ENOTFOUND;
	if (by_id && web_parse_uint(org, INT64_MAX / 10, &id))
		return M_ENOTFOUND;
	if ((rc = web_org_filter(r, by_id ? NULL : org, NULL, &f)))
		return rc;
	f.with = by_id ? 0 : with;
	if ((rc = inv_load(r->s, &f, &d, &r->err)))
		return rc;
	if (by_id) {
		/* Find the id among the caller's rows only, then load that one in full. */
		const char *slug = NULL;
		for (size_t i = 0; i < d->n_orgs && !slug; i++)
			if (d->orgs[i].id == id)
				slug = d->orgs[i].slug;
		if (!slug) {
			inv_doc_free(d);
			return M_ENOTFOUND;
		}
		f.slug = web_arena_strndup(&r->arena, slug, strlen(slug));
		inv_doc_free(d);
		d = NULL;
		if (!f.slug)
			return M_ENOMEM;
		f.with = with;
		if ((rc = inv_load(r->s, &f, &d, &r->err)))
			return rc;
	}
	if (d->n_orgs != 1) {
		inv_doc_free(d);
		return M_ENOTFOUND;
	}
	*out = d;
	return 0;
}

int web_paging(struct web_req *r, int64_t def, int64_t max, int64_t *limit, int64_t *offset)
{
	const char *l = web_kv_get(&r->query, "limit"), *o = web_kv_get(&r->query, "offset");

	*limit = def;
	*offset = 0;
	if (l && (web_parse_uint(l, max, limit) || *limit == 0))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "limit", "limit must be 1..%lld",
			       (long long)max);
	if (o && web_parse_uint(o, INT32_MAX, offset))
		return merr_at(&r->err, M_EPARSE, NULL, -1, -1, "offset",
			       "offset must be a non-negative integer");
	return 0;
}

const char *web_home_for(enum auth_role role)
{
	switch (role) {
	case AUTH_ROLE_ADMIN: return "/users";
	case AUTH_ROLE_MEMBER: return "/sharing";
	case AUTH_ROLE_NONE: return "/login";
	default: return "/";
	}
}
