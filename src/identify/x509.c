/*
 * x509.c - what a TLS probe keeps of a certificate: names, SANs, validity, key, signature,
 * SHA-256 of the certificate and of its SPKI, and the self-signed / expired / name flags.
 */
#include "base/compat.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <time.h>

#include "identify/identify_int.h"

static void hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

/* RFC 2253 order (most specific first: CN=..,O=..,C=..), UTF-8 kept, as Recog's examples. */
static void name_str(X509_NAME *nm, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;

	out[0] = '\0';
	if (!b || !nm) {
		BIO_free(b);
		return;
	}
	if (X509_NAME_print_ex(b, nm, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0 && p) {
			if ((size_t)n >= cap)
				n = (long)cap - 1;
			memcpy(out, p, (size_t)n);
			out[n] = '\0';
		}
	}
	BIO_free(b);
}

static int64_t asn1_time(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

static void sans(X509 *x, struct ident_cert *out)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	int n = gens ? sk_GENERAL_NAME_num(gens) : 0;

	for (int i = 0; i < n && out->n_sans < IDENT_SANS_MAX; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		char *dst = out->sans[out->n_sans];
		if (g->type == GEN_DNS) {
			const ASN1_IA5STRING *s = g->d.dNSName;
			int len = ASN1_STRING_length(s);
			if (len <= 0 || len >= 256)
				continue;
			memcpy(dst, ASN1_STRING_get0_data(s), (size_t)len);
			dst[len] = '\0';
			/* keep only printable ASCII: a SAN with NUL bytes is a classic trick */
			for (int k = 0; k < len; k++)
				if ((unsigned char)dst[k] < 0x20 || (unsigned char)dst[k] > 0x7E)
					dst[k] = '?';
			out->n_sans++;
		} else if (g->type == GEN_IPADD) {
			int len = ASN1_STRING_length(g->d.iPAddress);
			const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
			if ((len == 4 && inet_ntop(AF_INET, a, dst, 256)) ||
			    (len == 16 && inet_ntop(AF_INET6, a, dst, 256)))
				out->n_sans++;
		}
	}
	GENERAL_NAMES_free(gens);
}

static void key_info(X509 *x, struct ident_cert *out)
{
	EVP_PKEY *k = X509_get0_pubkey(x);
	const char *type = "unknown";

	if (!k)
		return;
	switch (EVP_PKEY_get_base_id(k)) {
	case EVP_PKEY_RSA: type = "RSA"; break;
	case EVP_PKEY_EC: type = "EC"; break;
	case EVP_PKEY_DSA: type = "DSA"; break;
	case EVP_PKEY_ED25519: type = "ED25519"; break;
	case EVP_PKEY_ED448: type = "ED448"; break;
	case EVP_PKEY_RSA_PSS: type = "RSA-PSS"; break;
	default: break;
	}
	snprintf(out->key_type, sizeof(out->key_type), "%s", type);
	out->key_bits = EVP_PKEY_get_bits(k);
}

int ident_x509_from(X509 *x, struct ident_cert *out)
{
	unsigned char md[EVP_MAX_MD_SIZE], *der = NULL;
	unsigned int mdlen = 0;
	int len, nid;

	memset(out, 0, sizeof(*out));
	if (!x)
		return M_EPARSE;
	name_str(X509_get_subject_name(x), out->subject, sizeof(out->subject));
	name_str(X509_get_issuer_name(x), out->issuer, sizeof(out->issuer));
	sans(x, out);
	out->not_before = asn1_time(X509_get0_notBefore(x));
	out->not_after = asn1_time(X509_get0_notAfter(x));
	key_info(x, out);
	nid = X509_get_signature_nid(x);
	snprintf(out->sig_alg, sizeof(out->sig_alg), "%s",
		 nid != NID_undef ? OBJ_nid2ln(nid) : "unknown");
	if (X509_digest(x, EVP_sha256(), md, &mdlen) && mdlen == 32)
		hex(md, 32, out->sha256);
	len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &der);
	if (len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL) && mdlen == 32)
		hex(md, 32, out->spki_sha256);
	OPENSSL_free(der);
	/* issued by itself and signed with its own key (X509_self_signed verifies the signature) */
	out->self_signed = X509_self_signed(x, 1) == 1;
	ERR_clear_error();
	return 0;
}

int ident_x509_info(const unsigned char *der, size_t len, struct ident_cert *out)
{
	const unsigned char *p = der;
	X509 *x;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!der || len == 0 || len > (1u << 20))
		return M_EPARSE;
	x = d2i_X509(NULL, &p, (long)len);
	if (!x) {
		ERR_clear_error();
		return M_EPARSE;
	}
	rc = ident_x509_from(x, out);
	X509_free(x);
	return rc;
}

void ident_flags_from(X509 *leaf, int64_t now, const char *hostname, const char *ip,
		      struct ident_tls_flags *out)
{
	memset(out, 0, sizeof(*out));
	out->self_signed = X509_self_signed(leaf, 1) == 1;
	out->expired = asn1_time(X509_get0_notAfter(leaf)) < now;
	out->not_yet_valid = asn1_time(X509_get0_notBefore(leaf)) > now;
	if (hostname && *hostname) {
		snprintf(out->checked_name, sizeof(out->checked_name), "%s", hostname);
		out->hostname_mismatch =
		    X509_check_host(leaf, hostname, strlen(hostname), 0, NULL) != 1;
	} else if (ip && *ip) {
		snprintf(out->checked_name, sizeof(out->checked_name), "%s", ip);
		out->hostname_mismatch = X509_check_ip_asc(leaf, ip, 0) != 1;
	}
	ERR_clear_error();
}

int ident_tls_check(const unsigned char *der, size_t len, int64_t now, const char *hostname,
		    const char *ip, struct ident_tls_flags *out)
{
	const unsigned char *p = der;
	X509 *x;

	memset(out, 0, sizeof(*out));
	if (!der || len == 0)
		return M_EPARSE;
	x = d2i_X509(NULL, &p, (long)len);
	if (!x) {
		ERR_clear_error();
		return M_EPARSE;
	}
	ident_flags_from(x, now, hostname, ip, out);
	X509_free(x);
	return 0;
}

cJSON *ident_cert_json(const struct ident_cert *c)
{
	cJSON *o = cJSON_CreateObject(), *s = cJSON_CreateArray();

	cJSON_AddStringToObject(o, "subject", c->subject);
	cJSON_AddStringToObject(o, "issuer", c->issuer);
	for (size_t i = 0; i < c->n_sans; i++)
		cJSON_AddItemToArray(s, cJSON_CreateString(c->sans[i]));
	cJSON_AddItemToObject(o, "sans", s);
	cJSON_AddNumberToObject(o, "not_before", (double)c->not_before);
	cJSON_AddNumberToObject(o, "not_after", (double)c->not_after);
	cJSON_AddStringToObject(o, "key_type", c->key_type);
	cJSON_AddNumberToObject(o, "key_bits", c->key_bits);
	cJSON_AddStringToObject(o, "sig_alg", c->sig_alg);
	cJSON_AddStringToObject(o, "sha256", c->sha256);
	cJSON_AddStringToObject(o, "spki_sha256", c->spki_sha256);
	cJSON_AddBoolToObject(o, "self_signed", c->self_signed);
	return o;
}
