/*
 * page_incident_out.c - the incident's outputs in the console (issue 15): the Japanese report
 * PDF within the caller's view (analysts; operators only their own incident, without the
 * analysts' internal notes), and publishing the STIX 2.1 bundle into a sharing collection with
 * the TLP the analyst chose (src/incident/publish.c over the share module's API).
 */
#include "base/compat.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "report/report.h"
#include "share/share.h"
#include "web/web_incident.h"

/* GET /incidents/{id}/pdf */
int web_get_incident_pdf(struct web_req *r)
{
	char dir[] = "/tmp/mamori-incident-XXXXXX", path[320];
	struct web_inc w;
	struct merr e;
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_open(r, &w, false)))
		return rc;
	if (!mkdtemp(dir))
		return merr_set(&r->err, M_EIO, "temporary folder");
	rc = report_incident_view(
	    r->s, id, &w.v,
	    &(struct report_opts){.lang = r->lang == WEB_LANG_EN ? REPORT_EN : REPORT_JA,
				  .out_dir = dir,
				  .now = r->now},
	    &r->err);
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/incident-%lld.pdf", dir, (long long)id);
		buf_reset(&r->out);
		merr_init(&e);
		if (buf_read_file(&r->out, path, &e))
			rc = merr_set(&r->err, M_EIO, "the report was not written");
	}
	{ /* remove what report_incident wrote (HTML and PDF) */
		DIR *d = opendir(dir);
		struct dirent *de;
		while (d && (de = readdir(d)))
			if (de->d_name[0] != '.') {
				snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
				unlink(path);
			}
		if (d)
			closedir(d);
		rmdir(dir);
	}
	if (rc)
		return rc;
	r->ctype = "application/pdf";
	snprintf(r->disposition, sizeof(r->disposition),
		 "attachment; filename=\"incident-%lld.pdf\"", (long long)id);
	return 0;
}

/* POST /incidents/{id}/publish: collection (alias or id) and tlp from the form. */
int web_post_incident_publish(struct web_req *r)
{
	const char *coll = web_kv_get(&r->form, "collection"), *tlp = web_kv_get(&r->form, "tlp");
	struct share_who who = {r->who.name, auth_role_name(r->who.role),
				r->who.org_slug[0] ? r->who.org_slug : NULL};
	struct web_inc w;
	char loc[96];
	size_t n = 0;
	int64_t id;
	int rc;

	if ((rc = web_inc_id(r, "id", &id)) || (rc = web_inc_open(r, &w, false)))
		return rc;
	if (!tlp || !*tlp)
		tlp = "amber";
	if ((rc = inc_stix_publish(&w.c, id, &w.v, tlp, coll, &who, &n, &r->err)))
		return rc;
	snprintf(loc, sizeof(loc), "/incidents/%lld?published=%zu", (long long)id, n);
	return web_redirect(r, loc);
}
