/* fuzz_config.c - NVD configurations (and CVE 5 affected[]) JSON evaluated
 * against a fixed service: openssl 1.0.1f on Windows x86, and versionless. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <stdint.h>

#include "vuln/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void eval_with(const struct vuln_configs *c, const cJSON *j, const char *product)
{
	struct cpe prod, plat;
	struct vuln_host h;
	struct vuln_eval ev;

	if (cpe_parse(product, &prod, NULL))
		abort();
	if (cpe_parse("cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:x86:*", &plat, NULL))
		abort();
	if (vuln_host_init(&h, &prod, &plat, 1, NULL) == 0) {
		if (c) {
			struct vuln_eval ref;
			vuln_config_eval(c, &h, &ev);
			vuln_config_eval_walk(c, &h, &ref);
			if (ev.state > VULN_AFFECTED)
				abort(); /* the evaluator never says probable-backport */
			if (ev.state != ref.state)
				abort(); /* the grouped shortcuts change nothing */
		}
		vuln_cve5_eval(j, &h, &ev);
		vuln_host_release(&h);
	}
	cpe_release(&prod);
	cpe_release(&plat);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct vuln_configs *c = NULL;
	cJSON *j;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	j = cJSON_Parse(text);
	if (j && vuln_configs_parse(j, &c, NULL) != 0)
		c = NULL;
	eval_with(c, j, "cpe:2.3:a:openssl:openssl:1.0.1f:*:*:*:*:*:*:*");
	eval_with(c, j, "cpe:2.3:o:paloaltonetworks:pan-os:10.2.9-h1");
	eval_with(c, j, "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*");
	vuln_configs_free(c);
	cJSON_Delete(j);
	free(text);
	return 0;
}
