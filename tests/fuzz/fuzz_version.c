/* fuzz_version.c - version comparison on two lines of input: antisymmetry
 * (cmp(a,b) == -cmp(b,a), incomparability symmetric) and reflexivity. */
#include "base/compat.h"

#include <stdint.h>

#include "cpe/version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool check_key(const char *a, const char *b)
{
	struct vuln_ver va, vb;
	char ka[1024], kb[1024];
	int r;

	if (vuln_ver_parse(a, &va) || vuln_ver_parse(b, &vb) || vuln_ver_key(&va, ka, sizeof(ka)) ||
	    vuln_ver_key(&vb, kb, sizeof(kb)))
		return false;
	if (vuln_ver_cmp(&va, &vb, &r))
		return strcmp(ka, kb) == 0;
	return (r == 0) != (strcmp(ka, kb) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char in[512], base[VULN_VERSION_MAX + 2], upd[VULN_VERSION_MAX + 2], comp[300];
	char *a = in, *b;
	int r1 = 0, r2 = 0, rc1, rc2;

	if (size >= sizeof(in))
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	b = strchr(in, '\n');
	if (!b)
		return 0;
	*b++ = '\0';
	rc1 = vuln_version_cmp(a, b, &r1);
	rc2 = vuln_version_cmp(b, a, &r2);
	if (rc1 != rc2)
		abort();
	if (rc1 == 0 && r1 != -r2)
		abort();
	if (vuln_version_cmp(a, a, &r1) == 0 && r1 != 0)
		abort();
	if (check_key(a, b))
		abort(); /* equal keys exactly when the versions compare equal */
	if (vuln_version_split("isc:bind", a, base, sizeof(base), upd, sizeof(upd)) == 0 &&
	    vuln_version_compose(base, upd, comp, sizeof(comp)) == 0 && upd[0] &&
	    vuln_version_cmp(comp, a, &r1) == 0 && r1 != 0)
		abort(); /* split then joined is the same version */
	return 0;
}
