/*
 * vuln_testload_main.c - TEST-ONLY: `vuln-testload DB DATA_DIR` fills a store's
 * vuln tables from the shared files (until `mamori feeds import` is merged).
 */
#include "base/compat.h"

#include "vuln_testload.h"

int main(int argc, char **argv)
{
	struct store *s = NULL;
	struct merr e;
	char msg[1024];
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: vuln-testload DB DATA_DIR\n");
		return 2;
	}
	merr_init(&e);
	rc = store_open(argv[1], &s, &e);
	if (rc == 0)
		rc = vtl_load_all(s, argv[2], &e);
	store_close(s);
	if (rc) {
		merr_format(&e, msg, sizeof(msg));
		fprintf(stderr, "vuln-testload: %s\n", msg);
		return 1;
	}
	return 0;
}
