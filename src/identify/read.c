/*
 * read.c - what front ends list of the stored services: one JSON shape per service (the
 * engine's, with first/last seen instead of the run's timings) and the leaf certificate of a
 * service's stored TLS facts.
 */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "base/json.h"
#include "identify/identify.h"

cJSON *ident_service_row_json(const struct ident_service *sv, int64_t first_seen, int64_t last_seen)
{
	cJSON *o = ident_service_json(sv);

	cJSON_DeleteItemFromObject(o, "elapsed_ms");
	cJSON_DeleteItemFromObject(o, "bytes_read");
	json_add_time(o, "first_seen", first_seen);
	json_add_time(o, "last_seen", last_seen);
	return o;
}

static bool jtrue(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(o, k));
}

int ident_cert_from_tls(const char *tls_info, struct ident_cert_row *out)
{
	cJSON *t = tls_info ? cJSON_Parse(tls_info) : NULL;
	const cJSON *leaf = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "chain"), 0);
	const char *sub, *iss;

	memset(out, 0, sizeof(*out));
	if (!leaf) {
		cJSON_Delete(t);
		return M_ENOTFOUND;
	}
	sub = cJSON_GetStringValue(cJSON_GetObjectItem(leaf, "subject"));
	iss = cJSON_GetStringValue(cJSON_GetObjectItem(leaf, "issuer"));
	snprintf(out->subject, sizeof(out->subject), "%s", sub ? sub : "");
	snprintf(out->issuer, sizeof(out->issuer), "%s", iss ? iss : "");
	out->not_after = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(leaf, "not_after"));
	out->expired = jtrue(t, "expired");
	out->self_signed = jtrue(t, "self_signed") || jtrue(leaf, "self_signed");
	out->hostname_mismatch = jtrue(t, "hostname_mismatch");
	out->not_yet_valid = jtrue(t, "not_yet_valid");
	cJSON_Delete(t);
	return 0;
}
