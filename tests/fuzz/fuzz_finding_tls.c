/* fuzz_finding_tls.c - the TLS hygiene checks over any JSON a services.tls_info column could
 * hold, and the risky-service table over any text as the port's product/title/banner. */
#include "base/compat.h"

#include <cjson/cJSON.h>

#include "findings/findings_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(const struct finding_risky_rule *r, void *arg)
{
	(void)r;
	(*(size_t *)arg)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	const struct finding_check *c;
	size_t n, hits = 0, seen = 0, n_rules;
	cJSON *j;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	j = cJSON_Parse(text);
	c = finding_tls_checks(&n);
	for (size_t i = 0; j && i < n; i++)
		hits += c[i].hit(j);
	if (hits > n)
		abort();
	cJSON_Delete(j);
	finding_risky_table(&n_rules);
	for (uint16_t port = 20; port < 30; port++) {
		struct finding_port p = {port, size & 1 ? "udp" : "tcp", size & 2 ? "ftp" : NULL,
					 text};
		size_t r = finding_risky_match(&p, count, &seen);
		if (r > n_rules)
			abort();
	}
	free(text);
	return 0;
}
