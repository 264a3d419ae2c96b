/* fuzz_x509_info.c - certificate details from untrusted DER (what a TLS peer sends): names,
 * SANs, key, hashes, and the self-signed / expired / host name flags. */
#include "base/compat.h"

#include "identify/identify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ident_cert c;
	struct ident_tls_flags f;

	if (ident_x509_info(data, size, &c) == 0) {
		/* every text field is terminated and inside its array */
		if (strlen(c.subject) >= sizeof(c.subject) ||
		    strlen(c.issuer) >= sizeof(c.issuer) || c.n_sans > IDENT_SANS_MAX ||
		    (c.sha256[0] && strlen(c.sha256) != 64))
			abort();
		for (size_t i = 0; i < c.n_sans; i++)
			if (strlen(c.sans[i]) >= sizeof(c.sans[i]))
				abort();
	}
	ident_tls_check(data, size, 1790000000, "www.kanto-rail.test", "127.0.10.1", &f);
	ident_tls_check(data, size, 1790000000, NULL, "127.0.10.1", &f);
	return 0;
}
