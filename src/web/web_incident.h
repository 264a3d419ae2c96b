/* web_incident.h - the console pages and JSON API of incidents and cases (page_incident.c,
 * api_incident.c). Every handler narrows to the caller's rows through web_inc_view: operators
 * their organisation, bureau users their sector (IoCs up to TLP:AMBER), analysts everything. */
#ifndef MAMORI_WEB_INCIDENT_H
#define MAMORI_WEB_INCIDENT_H

#include "incident/incident.h"
#include "web/web_int.h"

/* The library context for r (no regime table when regimes is false; free with
 * web_inc_ctx_release). */
struct web_inc {
	struct inc_ctx c;
	struct inc_regimes *t;
	struct inc_view v;
};
int web_inc_open(struct web_req *r, struct web_inc *w, bool regimes);
void web_inc_close(struct web_inc *w);
/* The {id} path parameter: M_ENOTFOUND for anything but a positive number. */
/* ?before=ID: the keyset page (0 when absent); M_EPARSE when not a positive id. */
int web_inc_before(struct web_req *r, int64_t *before);
int web_inc_id(struct web_req *r, const char *name, int64_t *id);

/* The incident report form (the one operators file real reports with), posting to action;
 * extra (may be NULL) writes more fields inside the form; draft buttons only for
 * "/incidents". error (may be NULL) is shown above it. Used by the exercise pages. */
void web_inc_form(struct web_req *r, const cJSON *draft, const char *error, const char *action,
		  void (*extra)(struct web_req *r, void *arg), void *arg);
/* The posted form as a report document for inc_report_parse (new, cJSON_Delete). */
cJSON *web_inc_form_report(struct web_req *r);
/* A report error of the form as "項目 / Field: 日本語 / English" (in r's arena). */
const char *web_inc_form_error(struct web_req *r, const struct merr *e);
/* "attachment; filename=..." for r->disposition. */
void web_inc_disposition(struct web_req *r, const char *ascii, const char *utf8);

int web_page_incidents(struct web_req *r);
int web_page_incident_new(struct web_req *r);
int web_post_incidents(struct web_req *r);
int web_page_incident(struct web_req *r);
int web_post_incident_assess(struct web_req *r);
int web_post_incident_message(struct web_req *r);
int web_post_incident_regimes(struct web_req *r);
int web_post_incident_clock(struct web_req *r);
int web_get_incident_stix(struct web_req *r);
int web_get_incident_pdf(struct web_req *r);
int web_post_incident_publish(struct web_req *r);
int web_get_incident_attachment(struct web_req *r);
int web_page_cases(struct web_req *r);
int web_post_cases(struct web_req *r);
int web_page_case(struct web_req *r);
int web_post_case_message(struct web_req *r);
int web_post_case_update(struct web_req *r);

int web_api_incidents(struct web_req *r);
int web_api_incident(struct web_req *r);
int web_api_incidents_file(struct web_req *r);
int web_api_incident_attach(struct web_req *r);
int web_api_incident_stats(struct web_req *r);
int web_api_cases(struct web_req *r);
int web_api_case(struct web_req *r);

#endif
