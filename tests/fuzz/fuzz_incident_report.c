/* fuzz_incident_report.c - the incident report reader (YAML or JSON) on arbitrary bytes; what it
 * accepts, written back as its canonical JSON, must read again to the same canonical JSON. */
#include "base/compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident/incident.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct inc_report r, again;
	struct merr e;
	char *a = NULL, *b = NULL;

	merr_init(&e);
	if (inc_report_parse((const char *)data, size, "fuzz", &r, &e) != 0)
		return 0;
	a = cJSON_PrintUnformatted(r.doc);
	if (!a)
		abort();
	merr_init(&e);
	if (inc_report_parse(a, strlen(a), "again.json", &again, &e) != 0) {
		char msg[1024];
		merr_format(&e, msg, sizeof(msg));
		fprintf(stderr, "canonical JSON not read back: %s\n%s\n", msg, a);
		abort();
	}
	b = cJSON_PrintUnformatted(again.doc);
	if (!b || strcmp(a, b) != 0 || again.kind != r.kind || again.aware_at != r.aware_at) {
		fprintf(stderr, "round trip differs:\n%s\n%s\n", a, b ? b : "(null)");
		abort();
	}
	cJSON_free(a);
	cJSON_free(b);
	inc_report_free(&again);
	inc_report_free(&r);
	return 0;
}
