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
