/* checks.c - TLS/certificate and e-mail (SPF/DMARC) hygiene checks, each a table row:
 * the condition, the severity, and the reason in Japanese and English. */
#include "base/compat.h"

#include <cjson/cJSON.h>
#include <strings.h>

#include "findings/findings_int.h"

/* ---------------------------------------------------------------- TLS */

static bool jtrue(const cJSON *o, const char *k)
{
	return cJSON_IsTrue(cJSON_GetObjectItem(o, k));
}

static bool old_version(const cJSON *t, const char *v)
{
	const cJSON *x;
	cJSON_ArrayForEach(x, cJSON_GetObjectItem(t, "old_versions_accepted"))
	{
		if (cJSON_IsString(x) && !strcasecmp(x->valuestring, v))
			return true;
	}
	return false;
}

static bool is_ip_literal(const char *h)
{
	return strspn(h, "0123456789.") == strlen(h) || strchr(h, ':');
}

static bool tls_expired(const cJSON *t)
{
	return jtrue(t, "expired");
}
static bool tls_self_signed(const cJSON *t)
{
	const char *h = cJSON_GetStringValue(cJSON_GetObjectItem(t, "hostname"));
	return jtrue(t, "self_signed") && h && *h && !is_ip_literal(h);
}
static bool tls_mismatch(const cJSON *t)
{
	return jtrue(t, "hostname_mismatch");
}
static bool tls_sslv3(const cJSON *t)
{
	return old_version(t, "SSLv3");
}
static bool tls_10(const cJSON *t)
{
	return old_version(t, "TLSv1.0") || old_version(t, "TLSv1");
}
static bool tls_11(const cJSON *t)
{
	return old_version(t, "TLSv1.1");
}
static bool tls_weak_key(const cJSON *t)
{
	const cJSON *leaf = cJSON_GetArrayItem(cJSON_GetObjectItem(t, "chain"), 0);
	const char *kt = cJSON_GetStringValue(cJSON_GetObjectItem(leaf, "key_type"));
	const cJSON *bits = cJSON_GetObjectItem(leaf, "key_bits");
	if (!kt || !cJSON_IsNumber(bits))
		return false;
	return (!strcasecmp(kt, "RSA") || !strcasecmp(kt, "DSA")) && bits->valuedouble < 2048;
}
/* A SHA-1 or MD5 signature on any certificate but a self-signed root (whose signature
 * nobody checks). */
static bool tls_weak_sig(const cJSON *t)
{
	const cJSON *chain = cJSON_GetObjectItem(t, "chain"), *c;
	int n = cJSON_GetArraySize(chain), i = 0;
	cJSON_ArrayForEach(c, chain)
	{
		const char *alg = cJSON_GetStringValue(cJSON_GetObjectItem(c, "sig_alg"));
		const char *sub = cJSON_GetStringValue(cJSON_GetObjectItem(c, "subject"));
		const char *iss = cJSON_GetStringValue(cJSON_GetObjectItem(c, "issuer"));
		bool root = n > 1 && i == n - 1 && sub && iss && !strcmp(sub, iss);
		i++;
		if (!root && alg && (strcasestr(alg, "sha1") || strcasestr(alg, "md5")))
			return true;
	}
	return false;
}

static const struct finding_check tls_checks[] = {
    {"tls:expired", "high", tls_expired, "証明書の有効期限が切れています", "certificate expired"},
    {"tls:self-signed", "medium", tls_self_signed, "公開名に自己署名証明書が使われています",
     "self-signed certificate on a public name"},
    {"tls:hostname-mismatch", "medium", tls_mismatch, "証明書のホスト名が一致しません",
     "certificate does not match the host name"},
    {"tls:sslv3", "high", tls_sslv3, "SSLv3 を受け付けます (POODLE)", "SSLv3 accepted (POODLE)"},
    {"tls:tls1.0", "medium", tls_10, "TLS 1.0 を受け付けます",
     "TLS 1.0 accepted (deprecated, RFC 8996)"},
    {"tls:tls1.1", "low", tls_11, "TLS 1.1 を受け付けます",
     "TLS 1.1 accepted (deprecated, RFC 8996)"},
    {"tls:weak-key", "medium", tls_weak_key, "鍵長が不足しています (RSA 2048 ビット未満)",
     "weak key (RSA/DSA below 2048 bits)"},
    {"tls:weak-signature", "medium", tls_weak_sig, "SHA-1/MD5 署名の証明書です",
     "certificate signed with SHA-1 or MD5"},
};

const struct finding_check *finding_tls_checks(size_t *n)
{
	*n = ARRAY_SIZE(tls_checks);
	return tls_checks;
}

/* ---------------------------------------------------------------- e-mail */

static const struct finding_mail_check mail_checks[] = {
    {"mail:no-spf", "spf_state", "none", "medium", "SPF レコードがありません",
     "no SPF record: anyone can send as this domain"},
    {"mail:spf-invalid", "spf_state", "multiple", "medium",
     "SPF レコードが複数あります (permerror)", "several SPF records (permerror)"},
    {"mail:spf-invalid", "spf_state", "invalid", "medium", "SPF レコードが不正です",
     "SPF record cannot be parsed"},
    {"mail:spf-plus-all", "spf_all", "+all", "high", "SPF が +all で全送信元を許可しています",
     "SPF +all authorises every sender"},
    {"mail:spf-neutral-all", "spf_all", "?all", "medium", "SPF が ?all で判定を放棄しています",
     "SPF ?all gives no policy"},
    {"mail:no-dmarc", "dmarc_state", "none", "medium", "DMARC レコードがありません",
     "no DMARC record"},
    {"mail:dmarc-invalid", "dmarc_state", "multiple", "medium", "DMARC レコードが複数あります",
     "several DMARC records"},
    {"mail:dmarc-invalid", "dmarc_state", "invalid", "medium", "DMARC レコードが不正です",
     "DMARC record cannot be parsed"},
    {"mail:dmarc-p-none", "dmarc_p", "none", "low", "DMARC ポリシーが p=none です（監視のみ）",
     "DMARC p=none: monitoring only, spoofed mail is delivered"},
};

const struct finding_mail_check *finding_mail_checks(size_t *n)
{
	*n = ARRAY_SIZE(mail_checks);
	return mail_checks;
}
