/*
 * local_fp.c - mamori's own fingerprints for gaps in Recog that the lab (Debian 12) hits, in
 * Recog's XML format and matched by the same engine, under names prefixed "mamori_". Each has
 * an <example> so `fp_selftest_run` checks it. Candidates to send upstream to rapid7/recog.
 */
#include "base/compat.h"

#include "identify/identify_int.h"

/* Recog's dns_versionbind knows "+deb10" and older forms; Debian 11/12 stable updates answer
 * "9.18.49-1~deb12u3-Debian". */
static const char dns_versionbind_xml[] =
    "<?xml version=\"1.0\"?>\n"
    "<fingerprints matches=\"dns.versionbind\" protocol=\"dns\" database_type=\"service\" "
    "preference=\"0.750\">\n"
    "  <fingerprint pattern=\"^(9\\.\\d+\\.\\d+(?:-[SP]\\d)?)-\\d+~deb(\\d+)u\\d+-Debian$\">\n"
    "    <description>ISC BIND: Debian stable updates (~debNNuN), mamori supplement</description>\n"
    "    <example service.version=\"9.18.49\" "
    "os.version=\"12\">9.18.49-1~deb12u3-Debian</example>\n"
    "    <example service.version=\"9.16.50\" "
    "os.version=\"11\">9.16.50-1~deb11u2-Debian</example>\n"
    "    <param pos=\"0\" name=\"service.vendor\" value=\"ISC\"/>\n"
    "    <param pos=\"0\" name=\"service.family\" value=\"BIND\"/>\n"
    "    <param pos=\"0\" name=\"service.product\" value=\"BIND\"/>\n"
    "    <param pos=\"1\" name=\"service.version\"/>\n"
    "    <param pos=\"0\" name=\"service.cpe23\" value=\"cpe:/a:isc:bind:{service.version}\"/>\n"
    "    <param pos=\"0\" name=\"os.vendor\" value=\"Debian\"/>\n"
    "    <param pos=\"0\" name=\"os.family\" value=\"Linux\"/>\n"
    "    <param pos=\"0\" name=\"os.product\" value=\"Linux\"/>\n"
    "    <param pos=\"2\" name=\"os.version\"/>\n"
    "    <param pos=\"0\" name=\"os.cpe23\" value=\"cpe:/o:debian:debian_linux:{os.version}\"/>\n"
    "  </fingerprint>\n"
    "</fingerprints>\n";

static const struct {
	const char *name, *xml;
} local[] = {
    {"mamori_dns_versionbind", dns_versionbind_xml},
};

int ident_db_add_local(struct fp_db *db, struct merr *e)
{
	for (size_t i = 0; i < ARRAY_SIZE(local); i++) {
		if (fp_db_find(db, local[i].name) >= 0)
			continue;
		int rc = fp_db_add_xml(db, local[i].name, local[i].xml, strlen(local[i].xml), e);
		if (rc)
			return rc;
	}
	return 0;
}
