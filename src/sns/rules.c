/*
 * rules.c - the precursor vocabulary: one table of (class, rule, pattern, weight, reason) in
 * Japanese, English and Russian, compiled once into a Hyperscan database over normalised text
 * (patterns are normalised with sns_norm like the posts; ASCII words on word boundaries).
 */
#include "base/compat.h"

#include <pthread.h>

#include "base/mem.h"
#include "sns/hs_lazy.h"
#include "sns/sns_int.h"

/* literal: the pattern is text (normalised, escaped here); else a Hyperscan regex. */
const struct sns_rule sns_rules[] = {
    /* ddos-target: announcements, target lists, proof links */
    {SNS_C_DDOS, "ddos-word", "ddos", true, 0.7, "DDoS の語 / the word DDoS"},
    {SNS_C_DDOS, "ddos-ja", "dos攻撃", true, 0.7, "DoS攻撃の語 / DoS attack"},
    {SNS_C_DDOS, "attack-notice-ja", "攻撃予告", true, 0.8, "攻撃予告 / attack announcement"},
    {SNS_C_DDOS, "cyberattack-ja", "サイバー攻撃", true, 0.5, "サイバー攻撃 / cyber attack"},
    {SNS_C_DDOS, "ddos-ru", "ддос", true, 0.7, "ДДоС (ru)"},
    {SNS_C_DDOS, "attack-ru", "атак", true, 0.6, "атака (ru): attack"},
    {SNS_C_DDOS, "targets-ru", "цел", true, 0.5, "цели (ru): targets"},
    {SNS_C_DDOS, "target-en", "\\btargets?\\b", false, 0.5, "target(s) / 標的"},
    {SNS_C_DDOS, "check-host", "check-host.net", true, 0.8,
     "check-host.net の結果リンク (攻撃の「証拠」) / check-host.net report link as proof"},
    {SNS_C_DDOS, "op-tag", "#op[a-z0-9_]{2,}", false, 0.7, "#Op… 作戦タグ / #Op campaign tag"},
    {SNS_C_DDOS, "tango-down", "tango down", true, 0.8, "tango down"},
    {SNS_C_DDOS, "noname", "noname057", true, 0.8, "NoName057(16)"},
    {SNS_C_DDOS, "killnet", "killnet", true, 0.7, "Killnet"},
    /* leak: leak sites, ransom, access sales */
    {SNS_C_LEAK, "leak-en", "\\bleak(s|ed)?\\b", false, 0.6, "leak / 漏えい"},
    {SNS_C_LEAK, "published-en", "data will be published", true, 0.8,
     "data will be published / 公開予告"},
    {SNS_C_LEAK, "countdown", "countdown", true, 0.5, "countdown / カウントダウン"},
    {SNS_C_LEAK, "ransom-en", "\\bransom(ware)?\\b", false, 0.7, "ransom(ware) / ランサムウェア"},
    {SNS_C_LEAK, "lockbit", "lockbit", true, 0.8, "LockBit"},
    {SNS_C_LEAK, "leak-ja", "情報漏", true, 0.7, "情報漏えい / data leak"},
    {SNS_C_LEAK, "outflow-ja", "流出", true, 0.6, "流出 / leaked"},
    {SNS_C_LEAK, "ransom-ja", "ランサム", true, 0.7, "ランサム / ransom"},
    {SNS_C_LEAK, "ransom-pay-ja", "身代金", true, 0.7, "身代金 / ransom"},
    {SNS_C_LEAK, "leak-ru", "утечк", true, 0.7, "утечка (ru): leak"},
    {SNS_C_LEAK, "dump-ru", "слив", true, 0.6, "слив (ru): dump"},
    {SNS_C_LEAK, "access-sale", "(sell|selling|sale|wts)[^\\n]{0,40}(access|rdp|vpn|shell)", false,
     0.8, "アクセス権の販売 / access for sale"},
    {SNS_C_LEAK, "db-dump", "(db|database|sql) ?dump", false, 0.7, "DB dump / データベース流出"},
    {SNS_C_LEAK, "access-sale-ru", "доступ", true, 0.5, "доступ (ru): access"},
    {SNS_C_LEAK, "access-sale-ja", "初期アクセス", true, 0.7,
     "初期アクセスの販売 / initial access"},
    /* outage: complaints */
    {SNS_C_OUTAGE, "down-ja", "落ちて", true, 0.6, "落ちてる / down"},
    {SNS_C_OUTAGE, "down2-ja", "落ちた", true, 0.6, "落ちた / went down"},
    {SNS_C_OUTAGE, "noconn-ja", "繋がらない", true, 0.7, "繋がらない / cannot connect"},
    {SNS_C_OUTAGE, "noconn2-ja", "つながらない", true, 0.7, "つながらない / cannot connect"},
    {SNS_C_OUTAGE, "nologin-ja", "ログインできない", true, 0.7, "ログインできない / cannot log in"},
    {SNS_C_OUTAGE, "noaccess-ja", "アクセスできない", true, 0.7,
     "アクセスできない / cannot access"},
    {SNS_C_OUTAGE, "noreserve-ja", "予約できない", true, 0.6, "予約できない / cannot book"},
    {SNS_C_OUTAGE, "noopen-ja", "開かない", true, 0.5, "開かない / does not open"},
    {SNS_C_OUTAGE, "nodisplay-ja", "表示されない", true, 0.5, "表示されない / not shown"},
    {SNS_C_OUTAGE, "error-ja", "エラー", true, 0.5, "エラー / error"},
    {SNS_C_OUTAGE, "failure-ja", "障害", true, 0.6, "障害 / failure"},
    {SNS_C_OUTAGE, "bug-ja", "不具合", true, 0.5, "不具合 / malfunction"},
    {SNS_C_OUTAGE, "stopped-ja", "止まって", true, 0.5, "止まってる / stopped"},
    {SNS_C_OUTAGE, "server-down-ja", "サーバーダウン", true, 0.7, "サーバーダウン / server down"},
    {SNS_C_OUTAGE, "down-en", "(is|site|website|app|server) (down|not working)", false, 0.6,
     "down / not working"},
    {SNS_C_OUTAGE, "outage-en", "outage", true, 0.6, "outage / 障害"},
    {SNS_C_OUTAGE, "down-ru", "не работает", true, 0.6, "не работает (ru): not working"},
    /* exploit: CVEs, exploits, products */
    {SNS_C_EXPLOIT, "cve", "cve-[0-9]{4}-[0-9]{4,7}", false, 0.7, "CVE 番号 / a CVE id"},
    {SNS_C_EXPLOIT, "exploit-en", "\\bexploit(s|ed|able)?\\b", false, 0.7,
     "exploit / エクスプロイト"},
    {SNS_C_EXPLOIT, "poc", "poc", true, 0.6, "PoC"},
    {SNS_C_EXPLOIT, "0day", "0day", true, 0.7, "0day / ゼロデイ"},
    {SNS_C_EXPLOIT, "zeroday", "zero-day", true, 0.7, "zero-day / ゼロデイ"},
    {SNS_C_EXPLOIT, "rce", "rce", true, 0.6, "RCE / 遠隔コード実行"},
    {SNS_C_EXPLOIT, "vuln-ja", "脆弱性", true, 0.6, "脆弱性 / vulnerability"},
    {SNS_C_EXPLOIT, "exploit-ja", "エクスプロイト", true, 0.7, "エクスプロイト / exploit"},
    {SNS_C_EXPLOIT, "zeroday-ja", "ゼロデイ", true, 0.7, "ゼロデイ / zero-day"},
    {SNS_C_EXPLOIT, "vuln-ru", "уязвимост", true, 0.6, "уязвимость (ru): vulnerability"},
    {SNS_C_EXPLOIT, "exploit-ru", "эксплойт", true, 0.7, "эксплойт (ru): exploit"},
};
const size_t sns_n_rules = ARRAY_SIZE(sns_rules);

static const char *const class_names[] = {"ddos-target", "leak", "outage", "exploit"};

const char *sns_class_name(enum sns_class c)
{
	return (size_t)c < ARRAY_SIZE(class_names) ? class_names[c] : "?";
}

int sns_class_parse(const char *s, enum sns_class *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(class_names); i++)
		if (s && !strcmp(s, class_names[i])) {
			*out = (enum sns_class)i;
			return 0;
		}
	return M_EINVAL;
}

static hs_database_t *lex_db;
static int lex_rc;
static pthread_once_t lex_once = PTHREAD_ONCE_INIT;

static bool word_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A literal as a regex over normalised text: metacharacters escaped, \b at ASCII edges. */
static int lit_regex(const char *lit, struct buf *out)
{
	struct buf nb;
	buf_init(&nb, 4096);
	int rc = sns_norm(lit, strlen(lit), &nb);
	const unsigned char *p = (const unsigned char *)buf_str(&nb);
	size_t n = nb.len;
	if (!rc && n && word_char(p[0]))
		rc = buf_adds(out, "\\b");
	for (size_t i = 0; !rc && i < n; i++) {
		if (p[i] < 0x80 && !word_char(p[i]) && p[i] != ' ')
			rc = buf_addf(out, "\\x%02x", p[i]);
		else
			rc = buf_addc(out, (char)p[i]);
	}
	if (!rc && n && word_char(p[n - 1]))
		rc = buf_adds(out, "\\b");
	buf_release(&nb);
	return rc;
}

static void lex_build(void)
{
	const char **ex = m_calloc(sns_n_rules, sizeof *ex);
	unsigned *fl = m_calloc(sns_n_rules, sizeof *fl), *ids = m_calloc(sns_n_rules, sizeof *ids);
	struct buf *bufs = m_calloc(sns_n_rules, sizeof *bufs);
	if (!ex || !fl || !ids || !bufs) {
		lex_rc = M_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < sns_n_rules; i++) {
		buf_init(&bufs[i], 4096);
		if (sns_rules[i].literal)
			lex_rc = lit_regex(sns_rules[i].pattern, &bufs[i]);
		else
			lex_rc = buf_adds(&bufs[i], sns_rules[i].pattern);
		if (lex_rc)
			goto out;
		ex[i] = buf_str(&bufs[i]);
		fl[i] = HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH;
		ids[i] = (unsigned)i;
	}
	hs_compile_error_t *ce = NULL;
	if (hs_compile_multi(ex, fl, ids, (unsigned)sns_n_rules, HS_MODE_BLOCK, NULL, &lex_db,
			     &ce) != HS_SUCCESS) {
		hs_free_compile_error(ce);
		lex_rc = M_EINVAL;
	}
out:
	for (size_t i = 0; bufs && i < sns_n_rules; i++)
		buf_release(&bufs[i]);
	m_free(bufs);
	m_free(ex);
	m_free(fl);
	m_free(ids);
}

struct lex_scan {
	struct sns_lex_hits *h;
};

static int on_lex(unsigned int id, unsigned long long from, unsigned long long to,
		  unsigned int flags, void *ctx)
{
	struct sns_lex_hits *h = ctx;
	(void)from;
	(void)to;
	(void)flags;
	if (h->n < ARRAY_SIZE(h->rule))
		h->rule[h->n++] = (unsigned short)id;
	h->classes |= 1u << sns_rules[id].cls;
	return 0;
}

int sns_lex_scratch(hs_scratch_t **sc)
{
	pthread_once(&lex_once, lex_build);
	if (lex_rc)
		return lex_rc;
	return hs_alloc_scratch(lex_db, sc) == HS_SUCCESS ? 0 : M_ENOMEM;
}

int sns_lex_scan(hs_scratch_t *sc, const char *norm, size_t len, struct sns_lex_hits *h)
{
	memset(h, 0, sizeof *h);
	pthread_once(&lex_once, lex_build);
	if (lex_rc)
		return lex_rc;
	return hs_scan(lex_db, norm, (unsigned)len, 0, sc, on_lex, h) == HS_SUCCESS ? 0 : M_EINVAL;
}
